import { ApplicationSet } from '../../imports/argoproj.io';
import { renderObjects, type KubernetesObject } from '../manifest';
import { ARGOCD_NAMESPACE, type GitOpsSettings } from './settings';

import { CUSTOMER_LABEL, MANAGED_BY_LABELS } from '../contract';

/** Label every generated Application carries, naming the customer it deploys. */
export { CUSTOMER_LABEL };

/**
 * One Argo CD ApplicationSet for the whole fleet. A Git directory generator finds every
 * `<path>/<customer>/kubernetes` folder, so adding a customer to the fleet repository is enough:
 * this file does not list customers and does not change when one is added.
 *
 * Each Application goes to the Argo CD cluster registered under the customer's name (one
 * cluster per customer, as with the Pulumi stacks). Server-side apply and diff keep Kyverno's
 * `mutateDigest` from showing as drift (REFERENCE §4), and retries cover the window in which
 * Kyverno's CRDs are not yet installed on a new cluster.
 */
export function argoCdApplicationSet(settings: GitOpsSettings): KubernetesObject {
  // `.path.segments` of `dist/acme/kubernetes` is [dist, acme, kubernetes]: the customer follows the prefix.
  const customer = `{{ index .path.segments ${settings.path.split('/').length} }}`;
  const [applicationSet] = renderObjects((scope) => new ApplicationSet(scope, 'bundles', {
    metadata: { name: 'supply-chain-bundles', namespace: ARGOCD_NAMESPACE },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoUrl: settings.repoURL,
            revision: settings.revision,
            directories: [{ path: `${settings.path}/*/kubernetes` }],
          },
        },
      ],
      template: {
        metadata: {
          name: `supply-chain-${customer}`,
          labels: { [CUSTOMER_LABEL]: customer, ...MANAGED_BY_LABELS },
          annotations: { 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' },
        },
        spec: {
          project: 'default',
          source: { repoUrl: settings.repoURL, targetRevision: settings.revision, path: '{{ .path.path }}', directory: { include: '*.yaml', exclude: 'kustomization.yaml' } },
          destination: { name: customer },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['ServerSideApply=true'],
            retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
          },
        },
      },
    },
  }));
  return applicationSet;
}
