import { ACTION_PINS, type ActionPin, TOOL_VERSIONS } from './pins';

/**
 * How old each pin of the generated workflows is, and what its upstream has released since:
 * `npm run pins` (scripts/pin-ages.ts). What it queries:
 * - tools (cosign, syft, trivy): the Go module proxy ($GOPROXY, first http(s) entry; default
 *   https://proxy.golang.org): `<module>/@v/list` for the releases and `@v/<version>.info` for
 *   their dates. These tools are Go modules, so the proxy knows every tagged release.
 * - actions: the GitHub REST API (`/repos/<repo>/releases/latest`, `/repos/<repo>/commits/<sha>`),
 *   with $GITHUB_TOKEN when set. Where GitHub cannot be reached (this project's build machines),
 *   the row says so instead of guessing.
 */

/** The Go module of each pinned tool. */
export const TOOL_MODULES: { readonly [Tool in keyof typeof TOOL_VERSIONS]: string } = {
  cosign: 'github.com/sigstore/cosign/v3',
  syft: 'github.com/anchore/syft',
  trivy: 'github.com/aquasecurity/trivy',
};

export interface PinAge {
  readonly name: string;
  readonly kind: 'action' | 'tool';
  /** `owner/repo` or the Go module. */
  readonly upstream: string;
  readonly pinned: string;
  /** When the pinned release (or commit) was published. */
  readonly pinnedDate?: string;
  readonly latest?: string;
  readonly latestDate?: string;
  /** Whole days from the pinned release to the clock. */
  readonly ageDays?: number;
  /** Set when the upstream could not be asked. */
  readonly problem?: string;
}

export interface PinAgeOptions {
  readonly now: Date;
  readonly goProxy?: string;
  readonly githubApi?: string;
  readonly githubToken?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** The proxy's case encoding: every upper-case letter becomes `!` + lower case. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
}

const RELEASE = /^v([0-9]+)\.([0-9]+)\.([0-9]+)$/;

/** Newest release (no pre-release, no pseudo-version) of a `@v/list`. */
export function newestRelease(versions: readonly string[]): string | undefined {
  const parsed = versions.map((version) => ({ version, parts: RELEASE.exec(version.trim())?.slice(1).map(Number) })).filter((entry) => entry.parts);
  parsed.sort((a, b) => {
    for (let i = 0; i < 3; i++) if (a.parts![i] !== b.parts![i]) return a.parts![i] - b.parts![i];
    return 0;
  });
  return parsed.at(-1)?.version.trim();
}

export function goProxyBase(env: NodeJS.ProcessEnv = process.env): string {
  const entry = (env.GOPROXY ?? 'https://proxy.golang.org').split(/[,|]/).find((candidate) => /^https?:\/\//.test(candidate));
  return (entry ?? 'https://proxy.golang.org').replace(/\/$/, '');
}

function daysBetween(from: string | undefined, now: Date): number | undefined {
  if (!from) return undefined;
  const ms = now.getTime() - Date.parse(from);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 86_400_000);
}

async function getText(url: string, options: PinAgeOptions, headers: Record<string, string> = {}): Promise<string> {
  const response = await (options.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${new URL(url).host}`);
  return response.text();
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return cause ? `${cause}` : (error as Error).message;
}

export async function toolAge(tool: keyof typeof TOOL_VERSIONS, options: PinAgeOptions): Promise<PinAge> {
  const module = TOOL_MODULES[tool];
  const pinned = TOOL_VERSIONS[tool];
  const base = `${options.goProxy ?? goProxyBase()}/${escapeModulePath(module)}/@v`;
  const row = { name: tool, kind: 'tool' as const, upstream: module, pinned };
  try {
    const info = async (version: string) => (JSON.parse(await getText(`${base}/${version}.info`, options)) as { Time?: string }).Time;
    const pinnedDate = await info(pinned);
    const latest = newestRelease((await getText(`${base}/list`, options)).split('\n'));
    const latestDate = latest ? (latest === pinned ? pinnedDate : await info(latest)) : undefined;
    return { ...row, pinnedDate, latest, latestDate, ageDays: daysBetween(pinnedDate, options.now) };
  } catch (error) {
    return { ...row, problem: `Go module proxy: ${reason(error)}` };
  }
}

export async function actionAge(name: string, pin: ActionPin, options: PinAgeOptions): Promise<PinAge> {
  const api = (options.githubApi ?? 'https://api.github.com').replace(/\/$/, '');
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'user-agent': 'supply-chain-bundle-pins' };
  if (options.githubToken) headers.authorization = `Bearer ${options.githubToken}`;
  const row = { name, kind: 'action' as const, upstream: pin.repository, pinned: `${pin.version} (${pin.sha.slice(0, 12)})` };
  try {
    const commit = JSON.parse(await getText(`${api}/repos/${pin.repository}/commits/${pin.sha}`, options, headers)) as { commit?: { committer?: { date?: string } } };
    const release = JSON.parse(await getText(`${api}/repos/${pin.repository}/releases/latest`, options, headers)) as { tag_name?: string; published_at?: string };
    const pinnedDate = commit.commit?.committer?.date;
    return { ...row, pinnedDate, latest: release.tag_name, latestDate: release.published_at, ageDays: daysBetween(pinnedDate, options.now) };
  } catch (error) {
    return { ...row, problem: `GitHub API: ${reason(error)}` };
  }
}

/** Every pin of pins.ts, actions then tools, in table order. */
export async function pinAges(options: PinAgeOptions): Promise<PinAge[]> {
  const actions = Object.entries(ACTION_PINS).map(([name, pin]) => actionAge(name, pin, options));
  const tools = (Object.keys(TOOL_VERSIONS) as (keyof typeof TOOL_VERSIONS)[]).map((tool) => toolAge(tool, options));
  return Promise.all([...actions, ...tools]);
}

/** A plain table: one pin a line. */
export function formatPinAges(rows: readonly PinAge[]): string {
  const header = ['PIN', 'KIND', 'UPSTREAM', 'PINNED', 'PINNED ON', 'AGE', 'LATEST', 'LATEST ON'];
  const lines = rows.map((row) => [
    row.name,
    row.kind,
    row.upstream,
    row.pinned,
    row.pinnedDate?.slice(0, 10) ?? '-',
    row.ageDays === undefined ? '-' : `${row.ageDays} d`,
    row.problem ? `? (${row.problem})` : `${row.latest ?? '-'}${row.latest && row.pinned.split(' ')[0] !== row.latest ? ' (newer)' : ''}`,
    row.latestDate?.slice(0, 10) ?? '-',
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index].length)));
  return [header, ...lines].map((line) => line.map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ').trimEnd()).join('\n') + '\n';
}
