import type { IGitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import type { Customer } from '../model/customer';
import { CUSTOMER_LABEL, MANAGED_BY_LABELS } from '../contract';
import { FLUX_NAMESPACE, type GitOpsSettings } from './settings';

/** Name shared by the GitRepository and the Kustomization of one customer. */
export function fluxObjectName(customer: Pick<Customer, 'name'>): string {
  return `supply-chain-${customer.name}`;
}

/**
 * The Flux alternative to the ApplicationSet: Flux runs in each customer's cluster, so each
 * customer gets its own source and Kustomization, written into the customer's folder and
 * replaced together with it. Point the cluster's Flux at `<path>/<customer>/flux`.
 */
export function fluxSync(customer: Customer, settings: GitOpsSettings): [IGitRepository, IKustomization] {
  const name = fluxObjectName(customer);
  const labels = { [CUSTOMER_LABEL]: customer.name, ...MANAGED_BY_LABELS };
  const source: IGitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: FLUX_NAMESPACE, labels },
    spec: {
      url: settings.repoURL,
      ref: refOf(settings.revision),
      // A private fleet repository: the Secret (in Flux's namespace) with its credentials.
      ...(settings.secretRef ? { secretRef: { name: settings.secretRef } } : {}),
      interval: '5m',
      // Only this customer's manifests: a change for another customer does not trigger a sync here.
      ignore: onlyFolder(`${settings.path}/${customer.name}/kubernetes`),
    },
  };
  const kustomization: IKustomization = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: FLUX_NAMESPACE, labels },
    spec: {
      sourceRef: { kind: 'GitRepository', name },
      path: `./${settings.path}/${customer.name}/kubernetes`,
      interval: '10m',
      retryInterval: '1m',
      timeout: '5m',
      prune: true,
      wait: true,
    },
  };
  return [source, kustomization];
}

/**
 * A .gitignore that keeps one folder. Git cannot re-include a path below an excluded folder, so
 * each level is re-included and then its other entries excluded again.
 */
function onlyFolder(path: string): string {
  const lines = ['/*'];
  let prefix = '';
  for (const segment of path.split('/')) {
    prefix += `/${segment}`;
    lines.push(`!${prefix}/`, `${prefix}/*`);
  }
  lines[lines.length - 1] = `!${prefix}/**`;
  return `${lines.join('\n')}\n`;
}

/** A 40-hex revision is a commit, `v…` a tag, anything else a branch. */
function refOf(revision: string): { commit: string } | { tag: string } | { branch: string } {
  if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision };
  if (/^v\d/.test(revision)) return { tag: revision };
  return { branch: revision };
}
