import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import type { Customer } from '../model/customer';
import { enforcementState, type EnforcementState } from '../model/enforcement';

/** Everything a contributor may read: the frozen model, the injected clock and what derives from it. */
export interface BundleContext {
  readonly customer: Customer;
  /** The injected clock; the only source of time in synthesized output. */
  readonly at: Date;
  readonly enforcement: EnforcementState;
}

export interface ChartOptions {
  /**
   * Namespace stamped on every object of the chart. Leave it out for cluster-scoped objects:
   * cdk8s stamps a chart's namespace onto ClusterPolicy and ClusterRole too.
   * @default - no namespace
   */
  readonly namespace?: string;
}

/** Where contributors put their artifacts. Paths are relative to `dist/<customer>/`. */
export interface BundleParts {
  /** A cdk8s chart whose objects are written, in order, to `kubernetes/<fileName>`. */
  chart(fileName: string, options?: ChartOptions): Chart;
  /** A file written verbatim. */
  file(path: string, content: string): void;
  /** A line for the synth summary printed after the run. */
  summary(line: string): void;
}

/** One area of the mission (workflow, admission, monitoring, delivery) adding its artifacts. */
export type BundleContributor = (context: BundleContext, parts: BundleParts) => void;

export interface RenderedBundle {
  readonly customer: Customer;
  readonly enforcement: EnforcementState;
  /** Relative path → content, in a stable order. */
  readonly files: ReadonlyMap<string, string>;
  readonly summary: readonly string[];
}

/**
 * YAML options for Kubernetes manifests, fixed so output is byte-stable. `version: '1.1'` quotes
 * every string a YAML 1.1 reader (go-yaml v2 behind kubectl, Argo CD, Flux) would turn into a
 * date, boolean or number: an annotation `2026-10-15` must stay a string.
 */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;

/** GitHub reads workflows as YAML 1.2, where `on:` is a plain key; everything else as above. */
export const WORKFLOW_YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;

/** Serializes documents as a YAML stream with the package's fixed options. */
export function toYamlStream(documents: readonly unknown[]): string {
  return documents.map((document) => stringify(document, YAML_OPTIONS)).join('---\n');
}

/** Renders one customer's bundle in memory. Pure: the same customer and clock give the same bytes. */
export function renderBundle(customer: Customer, at: Date, contributors: readonly BundleContributor[]): RenderedBundle {
  const context: BundleContext = { customer, at, enforcement: enforcementState(customer, at) };
  const app = new App({ outdir: '/nonexistent', recordConstructMetadata: false });
  const charts: { fileName: string; chart: Chart }[] = [];
  const files = new Map<string, string>();
  const summary: string[] = [];
  const claim = (path: string) => {
    if (files.has(path) || charts.some((entry) => `kubernetes/${entry.fileName}` === path)) {
      throw new Error(`bundle path ${path} is written twice for customer ${customer.name}`);
    }
  };
  const parts: BundleParts = {
    chart(fileName, options = {}) {
      claim(`kubernetes/${fileName}`);
      const chart = new Chart(app, fileName.replace(/\.ya?ml$/, ''), {
        namespace: options.namespace,
        disableResourceNameHashes: true,
      });
      charts.push({ fileName, chart });
      return chart;
    },
    file(path, content) {
      claim(path);
      files.set(path, content);
    },
    summary(line) {
      summary.push(line);
    },
  };
  for (const contribute of contributors) contribute(context, parts);
  for (const { fileName, chart } of charts) {
    const documents = chart.toJson();
    if (documents.length > 0) files.set(`kubernetes/${fileName}`, toYamlStream(documents));
  }
  const ordered = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { customer, enforcement: context.enforcement, files: ordered, summary };
}
