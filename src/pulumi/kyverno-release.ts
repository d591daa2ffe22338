import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { KYVERNO_CHART, kyvernoHelmValues } from '../admission/kyverno-values';
import { DELIVERY_CONFIG_KEY, type KyvernoChartSource } from '../delivery/settings';
import type { Customer } from '../model/customer';

export interface KyvernoReleaseProps {
  readonly customer: Customer;
  readonly provider: k8s.Provider;
  /** Namespace Kyverno is installed into; created beforehand. */
  readonly namespace: string;
  /** The namespaces, so Kyverno and its exceptions namespace exist first. */
  readonly dependsOn: readonly pulumi.Resource[];
  /** Where the chart comes from. @default - the upstream Helm repository */
  readonly chartSource?: KyvernoChartSource;
  /**
   * Whether Helm waits for Kyverno's pods. `false` (no node runs them) also turns off the chart's
   * pre-delete hook Jobs, which could not complete either.
   * @default true
   */
  readonly waitForPods?: boolean;
}

/** The release's chart arguments for a chart source: repository, OCI reference or directory. */
export function kyvernoChartArgs(source: KyvernoChartSource): Pick<k8s.helm.v3.ReleaseArgs, 'chart' | 'version' | 'repositoryOpts'> {
  switch (source.kind) {
    case 'repository':
      return { chart: KYVERNO_CHART.chart, version: KYVERNO_CHART.version, repositoryOpts: { repo: KYVERNO_CHART.repository } };
    case 'oci':
      return { chart: source.reference, version: KYVERNO_CHART.version };
    case 'directory':
      return { chart: checkedChartDirectory(source.path) };
  }
}

/**
 * A local chart must be the pinned release (the policies are written for it); Helm takes a
 * directory as it is, whatever version it holds, so the program checks.
 */
function checkedChartDirectory(path: string): string {
  const file = join(path, 'Chart.yaml');
  const field = `${DELIVERY_CONFIG_KEY}.kubernetes.kyvernoChart`;
  if (!existsSync(file)) throw new pulumi.RunError(`${field}: "${path}" holds no Chart.yaml. Fix: point it at an unpacked kyverno chart ${KYVERNO_CHART.version} (helm pull kyverno/kyverno --version ${KYVERNO_CHART.version} --untar), or leave it out to use ${KYVERNO_CHART.repository}.`);
  const chart = parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown } | null;
  if (chart?.name !== KYVERNO_CHART.chart || String(chart?.version) !== KYVERNO_CHART.version) {
    throw new pulumi.RunError(`${field}: "${path}" holds chart ${String(chart?.name)} ${String(chart?.version)}; expected ${KYVERNO_CHART.chart} ${KYVERNO_CHART.version}, the release the policies are written for. Fix: use that chart version.`);
  }
  return path;
}

/**
 * Step 2: Kyverno from its pinned chart. A Helm release (not a rendered chart) so that Helm
 * waits: `atomic` rolls back a failed install, and the release is only "created" once the
 * controllers are ready, i.e. the CRDs are served and the admission webhook answers. Policies
 * therefore depend on this one resource.
 */
export function kyvernoRelease(props: KyvernoReleaseProps): k8s.helm.v3.Release {
  const wait = props.waitForPods ?? true;
  return new k8s.helm.v3.Release(
    'kyverno',
    {
      name: 'kyverno',
      ...kyvernoChartArgs(props.chartSource ?? { kind: 'repository' }),
      namespace: props.namespace,
      createNamespace: false,
      values: { ...kyvernoHelmValues(props.customer, props.namespace), ...(wait ? {} : { webhooksCleanup: { enabled: false } }) },
      // atomic implies waiting; without pods to wait for, a failed install is left for the next up.
      atomic: wait,
      cleanupOnFail: true,
      skipAwait: !wait,
      // Hook Jobs need a node too.
      disableWebhooks: !wait,
      waitForJobs: wait,
      timeout: 900,
      maxHistory: 10,
    },
    { provider: props.provider, dependsOn: [...props.dependsOn] },
  );
}
