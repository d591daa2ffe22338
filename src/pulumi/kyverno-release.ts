import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { AdmissionEngineInstall } from '../admission/engines';
import { kyvernoHelmValues } from '../admission/kyverno-values';
import type { Customer } from '../model/customer';

export interface KyvernoReleaseProps {
  readonly customer: Customer;
  /** The engine's install: the chart its policies are written for. */
  readonly install: AdmissionEngineInstall;
  readonly provider: k8s.Provider;
  /** Namespace Kyverno is installed into; created beforehand. */
  readonly namespace: string;
  /** The namespaces, so Kyverno and its exceptions namespace exist first. */
  readonly dependsOn: readonly pulumi.Resource[];
  /** Parent, aliases. */
  readonly options?: pulumi.CustomResourceOptions;
}

/**
 * Step 2: Kyverno from its pinned chart. A Helm release (not a rendered chart) so that Helm
 * waits: `atomic` rolls back a failed install, and the release is only "created" once the
 * controllers are ready, i.e. the CRDs are served and the admission webhook answers. Policies
 * therefore depend on this one resource.
 */
export function kyvernoRelease(props: KyvernoReleaseProps): k8s.helm.v3.Release {
  const { chart } = props.install;
  return new k8s.helm.v3.Release(
    'kyverno',
    {
      name: 'kyverno',
      chart: chart.chart,
      version: chart.version,
      repositoryOpts: { repo: chart.repository },
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
    { ...props.options, provider: props.provider, dependsOn: [...props.dependsOn] },
  );
}
