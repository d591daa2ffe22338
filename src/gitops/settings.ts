import { DNS_SUBDOMAIN, GITOPS_NAMESPACES } from '../contract';

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
  /**
   * Name of the Secret in Flux's namespace holding the fleet repository's credentials (an SSH key
   * and known_hosts, or a username and token), for a private repository: Flux's
   * `GitRepository.spec.secretRef`. Argo CD keeps repository credentials itself.
   * @default none (a public repository)
   */
  readonly secretRef?: string;
}

/** Placeholder repository: obviously not real, so a reviewer sees it was never configured. */
export const PLACEHOLDER_REPO_URL = 'https://github.com/example-org/supply-chain-fleet.git';

export const DEFAULT_GITOPS_SETTINGS: GitOpsSettings = { repoURL: PLACEHOLDER_REPO_URL, revision: 'main', path: 'dist' };

/** Namespaces the GitOps controllers conventionally run in. */
export const ARGOCD_NAMESPACE = GITOPS_NAMESPACES.argocd;
export const FLUX_NAMESPACE = GITOPS_NAMESPACES.flux;


const REPO_URL = /^(https?:\/\/|ssh:\/\/)[^\s]+$/;
/** scp-like Git syntax, `user@host:path`, which Flux's GitRepository schema refuses (`^(http|https|ssh)://`). */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)([^\s]+)$/;

/**
 * The clone URL as Flux and Argo CD accept it: scp-like `git@github.com:org/fleet.git` becomes
 * `ssh://git@github.com/org/fleet.git` (the same repository, in the URL form Flux requires).
 * Returns the URL unchanged when it is not scp-like.
 */
export function normaliseRepoURL(url: string): string {
  const scp = SCP_LIKE.exec(url);
  if (!scp) return url;
  const [, user, host, path] = scp;
  return `ssh://${user}@${host}/${path.replace(/^\//, '')}`;
}
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const REPO_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Checks settings given on the command line; returns a message per problem (empty when valid). */
export function checkGitOpsSettings(settings: GitOpsSettings): string[] {
  const problems: string[] = [];
  if (!REPO_URL.test(settings.repoURL)) problems.push(`repo URL "${settings.repoURL}" is not a Git clone URL Flux accepts; write https://host/owner/repo.git or ssh://git@host/owner/repo.git`);
  if (!REVISION.test(settings.revision)) problems.push(`revision "${settings.revision}" is not a branch, tag or commit; write e.g. main or v1.2.0`);
  if (!REPO_PATH.test(settings.path) || settings.path.split('/').includes('..')) {
    problems.push(`path "${settings.path}" is not a relative folder inside the repository; write e.g. dist or deploy/dist`);
  }
  if (settings.secretRef !== undefined && !(DNS_SUBDOMAIN.test(settings.secretRef) && settings.secretRef.length <= 253)) {
    problems.push(`secret "${settings.secretRef}" is not a Kubernetes Secret name; write a lower-case name such as fleet-repo-auth`);
  }
  return problems;
}
