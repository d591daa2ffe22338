import { toYamlStream } from '../synth/bundle';
import { argoCdApplicationSet } from './argocd-applicationset';
import type { GitOpsSettings } from './settings';

/**
 * Files written once for the whole fleet, as `folder → (relative path → content)` under the
 * output folder. They do not list customers (the ApplicationSet discovers them in Git), so
 * synthesizing a subset of the customers rewrites them identically.
 */
export function fleetFiles(settings: GitOpsSettings): Map<string, Map<string, string>> {
  return new Map([['argocd', new Map([['applicationset.yaml', toYamlStream([argoCdApplicationSet(settings)])]])]]);
}
