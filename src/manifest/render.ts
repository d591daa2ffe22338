import { App, Chart } from 'cdk8s';
import { signatureFormat, signingIdentity } from '../contract';
import type { Customer } from '../model/customer';
import { enforcementState, type EnforcementState } from '../model/enforcement';
import type { Artifact, ClusterArtifact, KubernetesObject } from './artifact';
import type { BundleFacts, DashboardFact, PolicyFact } from './facts';
import type { BundleContext, BundleFeature, BundleParts, ChartOptions } from './feature';
import { CLUSTER_FOLDER, kustomizationArtifact } from './kustomization';

/** One customer's bundle: every artifact with its destination, the facts, and the summary lines. */
export interface BundleManifest {
  readonly customer: Customer;
  readonly enforcement: EnforcementState;
  /** Sorted by path. */
  readonly artifacts: readonly Artifact[];
  readonly facts: BundleFacts;
  readonly summary: readonly string[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Renders one customer's manifest in memory. Pure: the same customer and clock give the same manifest. */
export function renderManifest(customer: Customer, at: Date, features: readonly BundleFeature[]): BundleManifest {
  const context: BundleContext = { customer, at, enforcement: enforcementState(customer, at) };
  const app = new App({ outdir: '/nonexistent', recordConstructMetadata: false });
  const charts: { path: string; chart: Chart; options: ChartOptions }[] = [];
  const artifacts: Artifact[] = [];
  const summary: string[] = [];
  const policies: PolicyFact[] = [];
  const dashboards: DashboardFact[] = [];
  const emittedMetrics = new Set<string>();
  const claim = (path: string) => {
    if (artifacts.some((artifact) => artifact.path === path) || charts.some((entry) => entry.path === path)) {
      throw new Error(`bundle path ${path} is written twice for customer ${customer.name}`);
    }
  };
  const parts: BundleParts = {
    chart(fileName, options) {
      const path = `${CLUSTER_FOLDER}/${fileName}`;
      claim(path);
      const chart = new Chart(app, fileName.replace(/\.ya?ml$/, ''), { namespace: options.namespace, disableResourceNameHashes: true });
      charts.push({ path, chart, options });
      return chart;
    },
    file(artifact) {
      claim(artifact.path);
      artifacts.push(artifact);
    },
    facts: {
      policy: (fact) => policies.push(fact),
      dashboard: (fact) => dashboards.push(fact),
      emittedMetrics: (names) => names.forEach((name) => emittedMetrics.add(name)),
    },
    summary: (line) => summary.push(line),
  };
  for (const feature of features) feature(context, parts);
  for (const { path, chart, options } of charts) {
    const objects = chart.toJson() as KubernetesObject[];
    if (objects.length > 0) artifacts.push({ path, destination: 'cluster', phase: options.phase, objects } satisfies ClusterArtifact);
  }
  const kustomization = kustomizationArtifact(customer.name, artifacts);
  if (kustomization) {
    claim(kustomization.path);
    artifacts.push(kustomization);
  }
  const { enforcement } = context;
  return {
    customer,
    enforcement,
    artifacts: artifacts.sort((a, b) => byString(a.path, b.path)),
    facts: {
      customer: customer.name,
      renderedAt: at.toISOString(),
      engine: customer.admission.engine,
      signatureFormat: signatureFormat(customer),
      identity: signingIdentity(customer),
      enforcement: { ...enforcement, onboardedAt: customer.enforcement.onboardedAt, softDays: customer.enforcement.softDays },
      policies: policies.sort((a, b) => byString(a.name, b.name)),
      dashboards: dashboards.sort((a, b) => byString(a.uid, b.uid)),
      emittedMetrics: [...emittedMetrics].sort(byString),
    },
    summary,
  };
}

/**
 * The JSON of objects built by cdk8s constructs outside a customer's cluster artifacts (fleet
 * files such as the Flux sync and the Argo CD ApplicationSet): a throwaway chart, no namespace
 * stamped, no name hashes.
 */
export function renderObjects(build: (scope: Chart) => void): KubernetesObject[] {
  const chart = new Chart(new App({ outdir: '/nonexistent', recordConstructMetadata: false }), 'objects', { disableResourceNameHashes: true });
  build(chart);
  return chart.toJson() as KubernetesObject[];
}
