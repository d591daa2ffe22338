import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatFieldError } from '../model/load';
import { synthesize } from '../synth/synthesize';
import { loadCustomerFiles, progressReporter, resolveClock, resolveGitOpsSettings } from './args';
import { parseCommandLine } from './command-line';
import { EXIT } from './main';
import { displayPath, paintSummaryLine, styleFor } from './ui';
import { PLACEHOLDER_REPO_URL } from '../gitops/settings';

export const SYNTH_HELP = `Usage: scb synth [files...] [--out DIR] [--at DATE]
                 [--gitops-repo URL] [--gitops-revision REV] [--gitops-path PATH] [--gitops-secret NAME]

Writes each customer's bundle to DIR/<customer>/ (default dist/): Kubernetes YAML and a
kustomization.yaml under kubernetes/, the release and deploy-gate workflows under
github/.github/workflows/, the deploy gate for hosts without Kubernetes under deploy-gate/, a
Flux sync under flux/ and a README.md; and, for the whole fleet, an Argo CD ApplicationSet in
DIR/argocd/. Every customer is rendered first; only when all succeed are the folders swapped in,
so on any error DIR is unchanged. Without files (the whole fleet), bundles of customers no
longer in stacks/ are removed, so GitOps stops applying them; folders scb did not generate are
left alone.

Options:
  -o, --out DIR               output folder (default: dist)
      --at DATE               the clock the enforcement flip is judged by: YYYY-MM-DD or an
                              ISO 8601 timestamp (default: $SCB_AT, else now). Same input and
                              clock, same bytes.
      --gitops-repo URL       fleet Git repository that Argo CD and Flux read DIR from:
                              https://… or ssh://…; git@host:org/repo.git is written as
                              ssh://git@host/org/repo.git (default: $SCB_GITOPS_REPO, else a
                              placeholder)
      --gitops-revision REV   branch, tag or commit they follow (default: $SCB_GITOPS_REVISION,
                              else main)
      --gitops-path PATH      DIR's path inside that repository (default: $SCB_GITOPS_PATH,
                              else dist)
      --gitops-secret NAME    Secret in flux-system with the credentials of a private fleet
                              repository (Flux secretRef; default: $SCB_GITOPS_SECRET, else none)
  -h, --help                  show this help

Exit codes: 0 ok, 1 invalid input, 2 usage error, 73 DIR could not be written.
`;

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  at: { type: 'string' },
  'gitops-repo': { type: 'string' },
  'gitops-revision': { type: 'string' },
  'gitops-path': { type: 'string' },
  'gitops-secret': { type: 'string' },
} as const;

/** File-system errors that mean "this output folder cannot be written", with what to do. */
const WRITE_ERRORS: Record<string, string> = {
  ENOTDIR: 'a file is in the way where a folder is needed',
  EEXIST: 'a file is in the way where a folder is needed',
  EISDIR: 'a folder is in the way where a file is needed',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted there',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path loops through symbolic links',
};

/** Removes staging folders that interrupted runs (Ctrl-C, a kill) left beside DIR. */
function sweepAbandonedStaging(outDir: string): number {
  const absolute = resolve(outDir);
  const prefix = `.${basename(absolute)}.staging-`;
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dirname(absolute));
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue; // a synth still running
    rmSync(join(dirname(absolute), entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false; // missing is fine: it is created
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function synthCommand(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv, { options: OPTIONS, positionals: true, help: SYNTH_HELP });
  if (!commandLine) return EXIT.ok;
  const { values, positionals } = commandLine;
  const err = styleFor(process.stderr);
  const at = resolveClock(values.at);
  const outDir = values.out ?? 'dist';
  const shownOut = `${displayPath(outDir)}/`;
  const { settings: gitops, givenRepo } = resolveGitOpsSettings(values);
  if (isFile(outDir)) {
    process.stderr.write(`${err.error('scb synth:')} cannot write the bundles to ${displayPath(outDir)}: it is a file, not a folder (ENOTDIR). Fix: pass --out a folder, e.g. --out dist. Nothing was written.\n`);
    return EXIT.cannotWrite;
  }
  const { customers, errors } = loadCustomerFiles(positionals, at);
  if (errors.length > 0) {
    for (const problem of errors) process.stderr.write(`${err.error('error:')} ${formatFieldError(problem)}\n`);
    process.stderr.write(`${errors.length} problem${errors.length === 1 ? '' : 's'} found; nothing was written to ${shownOut}.\n`);
    return EXIT.invalidInput;
  }
  sweepAbandonedStaging(outDir);
  const progress = progressReporter(customers.length);
  // Only a synth of the whole fleet (no files named) knows which customers no longer exist.
  const pruneStale = positionals.length === 0;
  let result;
  try {
    result = synthesize(customers, { at, outDir, gitops, pruneStale, onCustomer: (index, customer) => progress.step(index, customer.name) });
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if (!code || !(code in WRITE_ERRORS)) throw error;
    progress.done();
    process.stderr.write(
      `${err.error('scb synth:')} cannot write the bundles to ${shownOut}: ${WRITE_ERRORS[code]}${path ? ` (${displayPath(path)}, ${code})` : ` (${code})`}. ` +
        `Fix: pass --out a folder you can write to, e.g. --out dist. Nothing was changed in ${shownOut}.\n`,
    );
    return EXIT.cannotWrite;
  }
  progress.done();
  const lines = [`synthesized ${result.customers.length} customer${result.customers.length === 1 ? '' : 's'} into ${shownOut} at ${at.toISOString()}`];
  for (const entry of result.customers) {
    lines.push(`  ${entry.name}: ${entry.fileCount} files`, ...entry.summary.map((line) => `    ${line}`));
  }
  for (const name of result.removed) lines.push(`  ${name}: removed (no longer in stacks/)`);
  lines.push(`  fleet: ${result.fleetFolders.map((folder) => `${folder}/`).join(', ')} (Argo CD and Flux read ${gitops.repoURL} at ${gitops.revision}, path ${gitops.path}/)`);
  if (gitops.repoURL !== givenRepo) {
    lines.push(`  note: --gitops-repo ${givenRepo} is written as ${gitops.repoURL}: Flux accepts only http(s):// and ssh:// URLs`);
  }
  if (gitops.repoURL === PLACEHOLDER_REPO_URL) {
    lines.push(`  note: the GitOps repository is a placeholder; pass --gitops-repo URL (or set SCB_GITOPS_REPO) to the repository ${shownOut} is committed to`);
  } else if (gitops.repoURL.startsWith('ssh://') && !gitops.secretRef) {
    lines.push('  note: Flux needs the SSH key of an ssh:// repository in a Secret; pass --gitops-secret NAME (flux create secret git NAME --url=…)');
  }
  const readmes = result.customers.map((entry) => join(displayPath(outDir), entry.name, 'README.md'));
  if (readmes.length > 0) {
    lines.push(`next: read ${readmes.length === 1 ? readmes[0] : `each customer's README.md (${readmes.join(', ')})`}: what is enforced from when, and how to install it`);
  }
  // `cdk8s synth` swallows the app's stdout, so under it the summary (where the bundles went)
  // goes to stderr, which cdk8s passes through.
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  const stream = cdk8sOut ? process.stderr : process.stdout;
  const style = styleFor(stream);
  stream.write(`${lines.map((line) => paintSummaryLine(line, style)).join('\n')}\n`);
  // Also leave the summary where cdk8s looks, so it lists a manifest.
  if (cdk8sOut) {
    mkdirSync(cdk8sOut, { recursive: true });
    writeFileSync(join(cdk8sOut, 'synth-summary.yaml'), `# ${lines.join('\n# ')}\n`);
  }
  return EXIT.ok;
}
