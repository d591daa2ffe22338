import type { FileArtifact } from '../manifest';
import { argoCdApplicationSet } from './argocd-applicationset';
import type { GitOpsSettings } from './settings';

/**
 * Artifacts written once for the whole fleet, by folder under the output folder (paths inside
 * the folder). They do not list customers (the ApplicationSet discovers them in Git), so
 * synthesizing a subset of the customers rewrites them identically.
 */
export function fleetArtifacts(settings: GitOpsSettings): Map<string, FileArtifact[]> {
  return new Map([['argocd', [{ path: 'applicationset.yaml', destination: 'fleet', objects: [argoCdApplicationSet(settings)] }]]]);
}
