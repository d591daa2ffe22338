/**
 * Fleet-level GitOps settings: where Argo CD and Flux find the synthesized bundles. They describe
 * the Git repository that holds `dist/` (the fleet repository), not any one customer, so they are
 * `scb synth` options rather than customer fields.
 */
export interface GitOpsSettings {
  /**
   * Clone URL of the fleet repository that `dist/` is committed to.
   * @default DEFAULT_GITOPS_SETTINGS.repoURL (a placeholder; the synth summary says so)
   */
  readonly repoURL: string;
  /**
   * Branch, tag or commit Argo CD and Flux follow.
   * @default "main"
   */
  readonly revision: string;
  /**
   * Folder inside the fleet repository that holds the customer folders (what `scb synth --out` wrote).
   * @default "dist"
   */
  readonly path: string;
}

/** Placeholder repository: obviously not real, so a reviewer sees it was never configured. */
export const PLACEHOLDER_REPO_URL = 'https://github.com/example-org/supply-chain-fleet.git';

export const DEFAULT_GITOPS_SETTINGS: GitOpsSettings = { repoURL: PLACEHOLDER_REPO_URL, revision: 'main', path: 'dist' };

/** Namespaces the GitOps controllers conventionally run in. */
export const ARGOCD_NAMESPACE = 'argocd';
export const FLUX_NAMESPACE = 'flux-system';


const REPO_URL = /^(https:\/\/|ssh:\/\/|git@)[^\s]+$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const REPO_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Checks settings given on the command line; returns a message per problem (empty when valid). */
export function checkGitOpsSettings(settings: GitOpsSettings): string[] {
  const problems: string[] = [];
  if (!REPO_URL.test(settings.repoURL)) problems.push(`repo URL "${settings.repoURL}" is not a Git clone URL; write https://host/owner/repo.git or ssh://git@host/owner/repo.git`);
  if (!REVISION.test(settings.revision)) problems.push(`revision "${settings.revision}" is not a branch, tag or commit; write e.g. main or v1.2.0`);
  if (!REPO_PATH.test(settings.path) || settings.path.split('/').includes('..')) {
    problems.push(`path "${settings.path}" is not a relative folder inside the repository; write e.g. dist or deploy/dist`);
  }
  return problems;
}
