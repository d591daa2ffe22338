import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomerValidationError, formatFieldError, loadCustomers } from '../model/load';
import { synthesize } from '../synth/synthesize';
import { parseArgs } from 'node:util';
import { customerFiles, progressReporter, resolveClock, withUsageErrors } from './args';
import { EXIT, UsageError } from './main';
import { DEFAULT_GITOPS_SETTINGS, PLACEHOLDER_REPO_URL, checkGitOpsSettings, type GitOpsSettings } from '../gitops/settings';

export const SYNTH_HELP = `Usage: scb synth [files...] [--out DIR] [--at DATE] [--gitops-repo URL]

Writes each customer's bundle to DIR/<customer>/ (default dist/): Kubernetes YAML under
kubernetes/, the release and deploy-gate workflows under github/.github/workflows/, the deploy
gate for hosts without Kubernetes under deploy-gate/, a Flux sync under flux/ and a README.md;
and, for the whole fleet, an Argo CD ApplicationSet in DIR/argocd/. Every customer is rendered
first; only when all succeed are the folders swapped in, so on any error DIR is unchanged.
Without files (the whole fleet), bundles of customers no longer in stacks/ are removed, so
GitOps stops applying them; folders scb did not generate are left alone.

Options:
  -o, --out DIR               output folder (default: dist)
      --at DATE               the clock the enforcement flip is judged by: YYYY-MM-DD or an
                              ISO 8601 timestamp (default: $SCB_AT, else now). Same input and
                              clock, same bytes.
      --gitops-repo URL       fleet Git repository that Argo CD and Flux read DIR from
                              (default: $SCB_GITOPS_REPO, else a placeholder)
      --gitops-revision REV   branch, tag or commit they follow (default: $SCB_GITOPS_REVISION,
                              else main)
      --gitops-path PATH      DIR's path inside that repository (default: $SCB_GITOPS_PATH,
                              else dist)
  -h, --help                  show this help

Exit codes: 0 ok, 1 invalid input, 2 usage error.
`;

export async function synthCommand(argv: string[]): Promise<number> {
  const { values, positionals } = withUsageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        at: { type: 'string' },
        'gitops-repo': { type: 'string' },
        'gitops-revision': { type: 'string' },
        'gitops-path': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(SYNTH_HELP);
    return EXIT.ok;
  }
  const at = resolveClock(values.at);
  const outDir = values.out ?? 'dist';
  const env = process.env;
  const gitops: GitOpsSettings = {
    repoURL: values['gitops-repo'] ?? (env.SCB_GITOPS_REPO || DEFAULT_GITOPS_SETTINGS.repoURL),
    revision: values['gitops-revision'] ?? (env.SCB_GITOPS_REVISION || DEFAULT_GITOPS_SETTINGS.revision),
    path: values['gitops-path'] ?? (env.SCB_GITOPS_PATH || DEFAULT_GITOPS_SETTINGS.path),
  };
  const gitopsProblems = checkGitOpsSettings(gitops);
  if (gitopsProblems.length > 0) throw new UsageError(`GitOps settings: ${gitopsProblems.join('; ')}`);
  const files = customerFiles(positionals);
  let customers;
  try {
    customers = loadCustomers(files);
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    for (const problem of error.errors) process.stderr.write(`error: ${formatFieldError(problem)}\n`);
    process.stderr.write(`${error.errors.length} problem${error.errors.length === 1 ? '' : 's'} found; nothing was written to ${outDir}/.\n`);
    return EXIT.invalidInput;
  }
  const progress = progressReporter(customers.length);
  // Only a synth of the whole fleet (no files named) knows which customers no longer exist.
  const pruneStale = positionals.length === 0;
  const result = synthesize(customers, { at, outDir, gitops, pruneStale, onCustomer: (index, customer) => progress.step(index, customer.name) });
  progress.done();
  const lines = [`synthesized ${result.customers.length} customer${result.customers.length === 1 ? '' : 's'} into ${outDir}/ at ${at.toISOString()}`];
  for (const entry of result.customers) {
    lines.push(`  ${entry.name}: ${entry.fileCount} files`, ...entry.summary.map((line) => `    ${line}`));
  }
  for (const name of result.removed) lines.push(`  ${name}: removed (no longer in stacks/)`);
  lines.push(`  fleet: ${result.fleetFolders.map((folder) => `${folder}/`).join(', ')} (Argo CD reads ${gitops.repoURL} at ${gitops.revision}, path ${gitops.path}/*/kubernetes)`);
  if (gitops.repoURL === PLACEHOLDER_REPO_URL) {
    lines.push('  note: the GitOps repository is a placeholder; pass --gitops-repo (or set SCB_GITOPS_REPO) to the repository DIR is committed to');
  }
  // `cdk8s synth` swallows the app's stdout, so under it the summary (where the bundles went)
  // goes to stderr, which cdk8s passes through.
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  (cdk8sOut ? process.stderr : process.stdout).write(`${lines.join('\n')}\n`);
  // Also leave the summary where cdk8s looks, so it lists a manifest.
  if (cdk8sOut) {
    mkdirSync(cdk8sOut, { recursive: true });
    writeFileSync(join(cdk8sOut, 'synth-summary.yaml'), `# ${lines.join('\n# ')}\n`);
  }
  return EXIT.ok;
}
