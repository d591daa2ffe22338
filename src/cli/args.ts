import { bundleProblems } from '../bundle-checks';
import { DEFAULT_GITOPS_SETTINGS, checkGitOpsSettings, normaliseRepoURL, type GitOpsSettings } from '../gitops/settings';
import { CLOCK_FORMAT_HINT, parseClockValue } from '../contract';
import type { Customer } from '../model/customer';
import { CustomerValidationError, listStackFiles, loadCustomers, misnamedStackFiles, type FieldError } from '../model/load';
import { UsageError } from './main';

/** The files named on the command line, or every stack file in stacks/. */
export function customerFiles(positionals: string[], stacksDir = 'stacks'): string[] {
  if (positionals.length > 0) return positionals;
  try {
    const files = listStackFiles(stacksDir);
    if (files.length === 0) throw new UsageError(`no Pulumi.<customer>.yaml files in ${stacksDir}/; name the files to use`);
    return files;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot list ${stacksDir}/ (${(error as NodeJS.ErrnoException).code}); run from the project root or name the files`);
  }
}

/**
 * Loads the customers a command works on: the named files, or the whole stacks/ folder. Named
 * files are also checked against the names in stacks/ (a duplicate there would collide in dist/);
 * the whole folder is also checked for YAML files Pulumi would ignore, and every customer against
 * the bundle checks (src/bundle-checks.ts), so validate refuses what synth would. Every problem
 * is returned.
 */
export function loadCustomerFiles(positionals: string[], at: Date, stacksDir = 'stacks'): { files: string[]; customers: Customer[]; errors: FieldError[] } {
  const files = customerFiles(positionals, stacksDir);
  const named = positionals.length > 0;
  const errors: FieldError[] = named ? [] : misnamedStackFiles(stacksDir);
  let others: string[] = [];
  if (named) {
    try {
      others = listStackFiles(stacksDir);
    } catch {
      others = []; // no stacks/ here: nothing to compare with
    }
  }
  let customers: Customer[] = [];
  try {
    customers = loadCustomers(files, process.cwd(), { at, others, checks: bundleProblems });
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    errors.push(...error.errors);
  }
  return { files, customers, errors };
}

/**
 * The injected clock: `--at`, else $SCB_AT, else now. Accepts a date (taken as 00:00 UTC) or an
 * ISO 8601 timestamp. The enforcement flip depends on it, so output is reproducible given it.
 */
export function resolveClock(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, now = () => new Date()): Date {
  const raw = flag ?? env.SCB_AT;
  if (raw === undefined || raw === '') return now();
  const parsed = parseClockValue(raw);
  if (parsed === undefined) throw new UsageError(`${flag !== undefined ? '--at' : 'SCB_AT'} "${raw}" is not a date; ${CLOCK_FORMAT_HINT}`);
  return parsed;
}

/** Progress on an interactive terminal only: CI logs stay quiet. */
export function progressReporter(total: number, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env) {
  const interactive = Boolean(stream.isTTY) && !env.CI;
  return {
    step(index: number, label: string) {
      if (interactive) stream.write(`\r\x1b[K[${index + 1}/${total}] ${label}`);
    },
    done() {
      if (interactive) stream.write('\r\x1b[K');
    },
  };
}

/** The GitOps flags of `scb synth`; `scb validate` has none and reads only the environment. */
export interface GitOpsFlags {
  readonly 'gitops-repo'?: string;
  readonly 'gitops-revision'?: string;
  readonly 'gitops-path'?: string;
  readonly 'gitops-secret'?: string;
}

/**
 * The fleet repository Argo CD and Flux read dist/ from: each flag, else its SCB_GITOPS_*
 * variable, else the default. Invalid settings are a usage error (exit 2), for synth and for
 * validate alike, so a variable synth would refuse is refused before it. `givenRepo` is the URL
 * as given, before an scp-style one is written as ssh://.
 */
export function resolveGitOpsSettings(flags: GitOpsFlags, env: NodeJS.ProcessEnv = process.env): { settings: GitOpsSettings; givenRepo: string } {
  const givenRepo = flags['gitops-repo'] ?? (env.SCB_GITOPS_REPO || DEFAULT_GITOPS_SETTINGS.repoURL);
  const secretRef = flags['gitops-secret'] ?? (env.SCB_GITOPS_SECRET || undefined);
  const settings: GitOpsSettings = {
    repoURL: normaliseRepoURL(givenRepo),
    revision: flags['gitops-revision'] ?? (env.SCB_GITOPS_REVISION || DEFAULT_GITOPS_SETTINGS.revision),
    path: flags['gitops-path'] ?? (env.SCB_GITOPS_PATH || DEFAULT_GITOPS_SETTINGS.path),
    ...(secretRef ? { secretRef } : {}),
  };
  const problems = checkGitOpsSettings(settings);
  if (problems.length > 0) throw new UsageError(`GitOps settings: ${problems.join('; ')}`);
  return { settings, givenRepo };
}
