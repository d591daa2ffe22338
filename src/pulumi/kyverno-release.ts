import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { KYVERNO_CHART, kyvernoHelmValues } from '../admission/kyverno-values';
import type { Customer } from '../model/customer';

export interface KyvernoReleaseProps {
  readonly customer: Customer;
  readonly provider: k8s.Provider;
  /** Namespace Kyverno is installed into; created beforehand. */
  readonly namespace: string;
  /** The namespaces, so Kyverno and its exceptions namespace exist first. */
  readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * Step 2: Kyverno from its pinned chart. A Helm release (not a rendered chart) so that Helm
 * waits: `atomic` rolls back a failed install, and the release is only "created" once the
 * controllers are ready, i.e. the CRDs are served and the admission webhook answers. Policies
 * therefore depend on this one resource.
 */
export function kyvernoRelease(props: KyvernoReleaseProps): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    'kyverno',
    {
      name: 'kyverno',
      chart: KYVERNO_CHART.chart,
      version: KYVERNO_CHART.version,
      repositoryOpts: { repo: KYVERNO_CHART.repository },
      namespace: props.namespace,
      createNamespace: false,
      values: kyvernoHelmValues(props.customer, props.namespace),
      atomic: true,
      cleanupOnFail: true,
      skipAwait: false,
      waitForJobs: true,
      timeout: 900,
      maxHistory: 10,
    },
    { provider: props.provider, dependsOn: [...props.dependsOn] },
  );
}
