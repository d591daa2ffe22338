/**
 * Test peers for the rescanner: a Kubernetes API stand-in, a Trivy stand-in that replays
 * real reports, and a real Pushgateway process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as path from 'node:path';
import type { RegistryCredentials } from '../../src/rescanner/credentials';
import type { PodLike } from '../../src/rescanner/inventory';
import type { ImageScanner } from '../../src/rescanner/scanner';
import { assertTrivyReport, type TrivyReport } from '../../src/rescanner/trivy-report';

/** Compiled tests live in lib/test/rescanner; the repository root is three levels up. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * Real Trivy reports (from Trivy's own test suite) in the project's shared/ folder, which sits
 * beside the repository (`<repoRoot>/../shared`). A git worktree sits one level deeper, so the
 * ancestors are tried after that.
 */
export function trivyFixturesDir(): string {
  const tried: string[] = [];
  for (let dir = repoRoot; ; dir = path.dirname(dir)) {
    const candidate = path.resolve(dir, '..', 'shared', 'fixtures', 'trivy');
    tried.push(candidate);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`Trivy fixtures not found; looked in ${tried.join(', ')}`);
}

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(trivyFixturesDir(), name), 'utf8')) as unknown;
}

export const digest = (ch: string): string => `sha256:${ch.repeat(64)}`;

// ---------------------------------------------------------------------------------------------
// Kubernetes API stand-in

export interface FakeApiOptions {
  readonly pods: readonly PodLike[];
  /** Secrets by `namespace/name`: the `data` map of a Secret. */
  readonly secrets?: Readonly<Record<string, Record<string, string>>>;
  /** Answer 410 Gone to the first request that carries a continue token for this page index. */
  readonly goneOnPage?: number;
  /** Answer every pod list with this status. */
  readonly listStatus?: number;
  /** Bearer token required; 401 otherwise. */
  readonly token?: string;
  /**
   * Kyverno reports served cluster-wide, paged by `limit`, by plural (`policyreports`,
   * `clusterpolicyreports`, or openreports.io's `reports`, `clusterreports`). A group none of
   * whose plurals is given answers 404 (not served).
   */
  readonly reports?: Readonly<Record<string, readonly unknown[]>>;
  /** Answer every report list with this status (e.g. 403: the ClusterRole lacks it). */
  readonly reportsStatus?: number;
}

export interface FakeApi {
  readonly url: string;
  readonly requests: Array<{ path: string; authorization: string | undefined }>;
  /** Pod list requests answered 200. */
  listCalls(): number;
  close(): Promise<void>;
}

/**
 * Serves `GET /api/v1/pods?limit&continue` in pages (continue = opaque token naming the next
 * offset and the listing "generation"), and `GET /api/v1/namespaces/NS/secrets/NAME`.
 */
export async function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  let goneSent = false;
  let listOk = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      send(401, { kind: 'Status', status: 'Failure', message: 'Unauthorized', code: 401 });
      return;
    }
    if (url.pathname === '/api/v1/pods') {
      if (options.listStatus) {
        send(options.listStatus, { kind: 'Status', status: 'Failure', message: 'pods is forbidden', code: options.listStatus });
        return;
      }
      const limit = Number(url.searchParams.get('limit') ?? '500');
      const token = url.searchParams.get('continue');
      const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8').split(':')[1]) : 0;
      const pageIndex = Math.floor(offset / limit);
      if (token && options.goneOnPage === pageIndex && !goneSent) {
        goneSent = true;
        send(410, { kind: 'Status', status: 'Failure', reason: 'Expired', message: 'The provided continue parameter is too old', code: 410 });
        return;
      }
      const items = options.pods.slice(offset, offset + limit);
      const nextOffset = offset + items.length;
      const next = nextOffset < options.pods.length ? Buffer.from(`gen1:${nextOffset}`).toString('base64') : '';
      listOk += 1;
      send(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '100', ...(next ? { continue: next } : {}) }, items });
      return;
    }
    const report = /^\/apis\/(wgpolicyk8s\.io\/v1alpha2|openreports\.io\/v1alpha1)\/([a-z]+)$/.exec(url.pathname);
    if (report) {
      const groupPlurals = report[1]?.startsWith('wgpolicy') ? ['policyreports', 'clusterpolicyreports'] : ['reports', 'clusterreports'];
      const served = groupPlurals.some((plural) => options.reports?.[plural] !== undefined);
      if (options.reportsStatus) {
        send(options.reportsStatus, { kind: 'Status', status: 'Failure', message: `${report[2]} is forbidden`, code: options.reportsStatus });
        return;
      }
      if (!served) {
        send(404, { kind: 'Status', status: 'Failure', message: 'the server could not find the requested resource', code: 404 });
        return;
      }
      const all = options.reports?.[report[2] ?? ''] ?? [];
      const limit = Number(url.searchParams.get('limit') ?? '500');
      const offset = Number(url.searchParams.get('continue') ?? '0');
      const items = all.slice(offset, offset + limit);
      const next = offset + items.length < all.length ? String(offset + items.length) : '';
      send(200, { kind: 'List', metadata: next ? { continue: next } : {}, items });
      return;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const data = options.secrets?.[`${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`];
      if (!data) {
        send(404, { kind: 'Status', status: 'Failure', message: 'secrets not found', code: 404 });
        return;
      }
      send(200, { kind: 'Secret', apiVersion: 'v1', type: 'kubernetes.io/dockerconfigjson', data });
      return;
    }
    send(404, { kind: 'Status', status: 'Failure', message: 'not found', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    listCalls: () => listOk,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `.dockerconfigjson` Secret data for one registry. */
export function dockerConfigSecret(registry: string, username: string, password: string): Record<string, string> {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  return { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry]: { auth } } })).toString('base64') };
}

// ---------------------------------------------------------------------------------------------
// Scanner stand-in. No Trivy DB (nor Trivy server) is reachable on these machines, so the
// scanner is replaced by one that replays real reports from Trivy's own test suite.

export type ReplayBehaviour =
  | { readonly fixture: string }
  | { readonly fail: string }
  /** Fails the first `times` calls (or hangs them when `hang`), then replays `fixture`. */
  | { readonly flaky: number; readonly fixture: string; readonly hang?: boolean };

export class ReplayScanner implements ImageScanner {
  readonly calls: Array<{ ref: string; credentials: RegistryCredentials | undefined }> = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly byDigest: Readonly<Record<string, ReplayBehaviour>>, private readonly delayMs = 0) {}

  async scan(ref: string, credentials: RegistryCredentials | undefined, signal: AbortSignal): Promise<TrivyReport> {
    this.calls.push({ ref, credentials });
    const key = ref.slice(ref.indexOf('@') + 1);
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const behaviour = this.byDigest[key];
      if (!behaviour) throw new Error(`no replay for ${ref}`);
      if ('flaky' in behaviour && attempt <= behaviour.flaky && behaviour.hang) {
        // Hang until the pool's timeout aborts us.
        await new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      }
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if ('fail' in behaviour) throw new Error(behaviour.fail);
      if ('flaky' in behaviour && attempt <= behaviour.flaky) throw new Error(`transient failure ${attempt}`);
      // Validate like the real client does: a non-Trivy document is a scan error.
      return assertTrivyReport(readFixture(behaviour.fixture));
    } finally {
      this.inFlight -= 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Real Pushgateway (Debian package prometheus-pushgateway)

export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN ?? '/usr/bin/prometheus-pushgateway';

export interface Pushgateway {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * Starts a Pushgateway on a random loopback port, in memory only (no persistence file). Fails (never skips)
 * when the binary is missing, because CI installs it and a silent skip would hide the gap.
 *
 * Test files run in parallel, so a port picked by listen(0) can be handed to two of them.
 * Readiness therefore waits for OUR process to log `Listening on` (it logs that only after
 * binding), never just for /-/ready, which another file's gateway could answer; on a bind
 * failure it retries on a new port.
 */
export async function startPushgateway(): Promise<Pushgateway> {
  if (!existsSync(PUSHGATEWAY_BIN)) {
    throw new Error(
      `Pushgateway binary ${PUSHGATEWAY_BIN} is missing: install it with "apt-get update && apt-get install -y prometheus-pushgateway" (or set PUSHGATEWAY_BIN)`,
    );
  }
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    // Debian's build defaults --persistence.file to /var/lib/prometheus/pushgateway.data, which
    // would carry series from run to run (and between test files): pass it empty, memory only.
    const child: ChildProcess = spawn(PUSHGATEWAY_BIN, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-8000);
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!ready && child.exitCode === null && Date.now() < deadline) {
      if (stderr.includes('msg="Listening on"')) {
        try {
          const res = await fetch(`${url}/-/ready`);
          await res.body?.cancel();
          ready = res.ok;
        } catch {
          /* not answering yet */
        }
      }
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    if (ready) {
      return {
        url,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    lastError = stderr;
    if (child.exitCode === null) child.kill('SIGKILL');
    if (!stderr.includes('address already in use')) break;
  }
  throw new Error(`Pushgateway did not start: ${lastError}`);
}

/** One series scraped from `/metrics`. */
export interface ScrapedSeries {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses `name{a="b",...} value` lines (enough for the gateway's own output). */
export function parseExposition(text: string): ScrapedSeries[] {
  const out: ScrapedSeries[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let lm = re.exec(m[2] ?? ''); lm; lm = re.exec(m[2] ?? '')) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Scrapes the gateway and returns the series of `name` (prefix `scb_` when omitted). */
export async function scrape(gateway: Pushgateway): Promise<ScrapedSeries[]> {
  const res = await fetch(`${gateway.url}/metrics`);
  const text = await res.text();
  return parseExposition(text).filter((s) => s.name.startsWith('scb_'));
}

// ---------------------------------------------------------------------------------------------
// Trivy server stand-in for its health and version endpoints (no Trivy server or DB runs here).
// The /version body has the shape Trivy ≥ 0.44 returns (aquasecurity/trivy#4869).

export interface FakeTrivyServerOptions {
  /** `VulnerabilityDB.UpdatedAt`; undefined = the zero time Trivy reports before its first download. */
  updatedAt?: string;
  /** Answer /healthz with 200 (true) or refuse connections (false: the server is stopped). */
  healthy?: boolean;
  /** Token the server requires in `Trivy-Token`. */
  token?: string;
}

export interface FakeTrivyServer {
  readonly url: string;
  readonly options: FakeTrivyServerOptions;
  readonly requests: Array<{ path: string; token: string | undefined }>;
  close(): Promise<void>;
}

export async function startFakeTrivyServer(options: FakeTrivyServerOptions): Promise<FakeTrivyServer> {
  const requests: FakeTrivyServer['requests'] = [];
  const state = { ...options };
  const server = http.createServer((req, res) => {
    const token = req.headers['trivy-token'] as string | undefined;
    requests.push({ path: req.url ?? '', token });
    if (state.healthy === false) {
      req.socket.destroy();
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    if (req.url === '/version') {
      if (state.token && token !== state.token) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"code":"unauthenticated","msg":"invalid token"}');
        return;
      }
      const updatedAt = state.updatedAt ?? '0001-01-01T00:00:00Z';
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ Version: '0.69.3', VulnerabilityDB: { Version: 2, NextUpdate: updatedAt, UpdatedAt: updatedAt, DownloadedAt: updatedAt } }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    options: state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
