import type { BundleFeature } from '../manifest';
import { customerReadme } from './customer-readme';
import { fluxSync } from './flux-sync';
import { DEFAULT_GITOPS_SETTINGS, type GitOpsSettings } from './settings';

/** Adds `README.md`, the human-readable summary of what the bundle enforces. */
export const customerReadmeContributor: BundleFeature = ({ customer, enforcement, at }, parts) => {
  parts.file({ path: 'README.md', destination: 'docs', text: customerReadme(customer, enforcement, at) });
};

/**
 * Adds `flux/sync.yaml` (GitRepository + Kustomization). Outside `kubernetes/` on purpose: the
 * Argo CD ApplicationSet and Pulumi apply `kubernetes/` only, and Flux is set up once per cluster.
 */
export function fluxContributor(settings: GitOpsSettings = DEFAULT_GITOPS_SETTINGS): BundleFeature {
  return ({ customer }, parts) => {
    parts.file({ path: 'flux/sync.yaml', destination: 'fleet', objects: fluxSync(customer, settings) });
  };
}
