import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { GitRepository, type GitRepositorySpecRef } from '../../imports/source.toolkit.fluxcd.io';
import { CUSTOMER_LABEL, MANAGED_BY_LABELS } from '../contract';
import { renderObjects, type KubernetesObject } from '../manifest';
import type { Customer } from '../model/customer';
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
export function fluxSync(customer: Pick<Customer, 'name'>, settings: GitOpsSettings): KubernetesObject[] {
  const name = fluxObjectName(customer);
  const labels = { [CUSTOMER_LABEL]: customer.name, ...MANAGED_BY_LABELS };
  return renderObjects((scope) => {
  const source = new GitRepository(scope, 'source', {
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
  });
  new Kustomization(scope, 'kustomization', {
    metadata: { name, namespace: FLUX_NAMESPACE, labels },
    spec: {
      sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source.name },
      path: `./${settings.path}/${customer.name}/kubernetes`,
      interval: '10m',
      retryInterval: '1m',
      timeout: '5m',
      prune: true,
      wait: true,
    },
  });
  });
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
function refOf(revision: string): GitRepositorySpecRef {
  if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision };
  if (/^v\d/.test(revision)) return { tag: revision };
  return { branch: revision };
}
