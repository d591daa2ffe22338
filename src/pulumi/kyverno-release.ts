import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import type { AdmissionEngineInstall } from '../admission/engines';
import { kyvernoHelmValues } from '../admission/kyverno-values';
import { DELIVERY_CONFIG_KEY, type KyvernoChartSource } from '../delivery/settings';
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
  /** Where the chart comes from. @default - the chart's upstream Helm repository */
  readonly chartSource?: KyvernoChartSource;
  /**
   * Whether Helm waits for Kyverno's pods. `false` (no node runs them) also turns off the chart's
   * pre-delete hook Jobs, which could not complete either.
   * @default true
   */
  readonly waitForPods?: boolean;
  /** Parent, aliases. */
  readonly options?: pulumi.CustomResourceOptions;
}

type PinnedChart = AdmissionEngineInstall['chart'];

/** The release's chart arguments for a chart source: the Helm repository, an OCI reference or a directory. */
export function kyvernoChartArgs(chart: PinnedChart, source: KyvernoChartSource): Pick<k8s.helm.v3.ReleaseArgs, 'chart' | 'version' | 'repositoryOpts'> {
  switch (source.kind) {
    case 'repository':
      return { chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repository } };
    case 'oci':
      return { chart: source.reference, version: chart.version };
    case 'directory':
      return { chart: checkedChartDirectory(chart, source.path) };
  }
}

/**
 * A local chart must be the pinned release (the policies are written for it); Helm takes a
 * directory as it is, whatever version it holds, so the program checks.
 */
function checkedChartDirectory(chart: PinnedChart, path: string): string {
  const file = join(path, 'Chart.yaml');
  const field = `${DELIVERY_CONFIG_KEY}.kubernetes.kyvernoChart`;
  if (!existsSync(file)) {
    throw new pulumi.RunError(`${field}: "${path}" holds no Chart.yaml. Fix: point it at an unpacked ${chart.chart} chart ${chart.version} (helm pull ${chart.chart}/${chart.chart} --version ${chart.version} --untar), or leave it out to use ${chart.repository}.`);
  }
  const found = parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown } | null;
  if (found?.name !== chart.chart || String(found?.version) !== chart.version) {
    throw new pulumi.RunError(`${field}: "${path}" holds chart ${String(found?.name)} ${String(found?.version)}; expected ${chart.chart} ${chart.version}, the release the policies are written for. Fix: use that chart version.`);
  }
  return path;
}

/**
 * Step 2: Kyverno from its pinned chart. A Helm release (not a rendered chart) so that Helm
 * waits: `atomic` rolls back a failed install, and the release is only "created" once the
 * controllers are ready, i.e. the CRDs are served and the admission webhook answers. Policies
 * therefore depend on this one resource. With `waitForPods: false` nothing waits (see the prop).
 */
export function kyvernoRelease(props: KyvernoReleaseProps): k8s.helm.v3.Release {
  const wait = props.waitForPods ?? true;
  return new k8s.helm.v3.Release(
    'kyverno',
    {
      name: 'kyverno',
      ...kyvernoChartArgs(props.install.chart, props.chartSource ?? { kind: 'repository' }),
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
    { ...props.options, provider: props.provider, dependsOn: [...props.dependsOn] },
  );
}
