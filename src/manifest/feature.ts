import type { Chart } from 'cdk8s';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import type { ApplyPhase, FileArtifact, RepositoryArtifact } from './artifact';
import type { FactRecorder } from './facts';

/** Everything a feature may read: the frozen model, the injected clock and what derives from it. */
export interface BundleContext {
  readonly customer: Customer;
  /** The injected clock; the only source of time in synthesized output. */
  readonly at: Date;
  readonly enforcement: EnforcementState;
}

export interface ChartOptions {
  /** When the chart's objects are applied (CRDs and namespaces, admission, workloads). */
  readonly phase: ApplyPhase;
  /**
   * Namespace stamped on every object of the chart. Leave it out for cluster-scoped objects:
   * cdk8s stamps a chart's namespace onto ClusterPolicy and ClusterRole too.
   * @default - no namespace
   */
  readonly namespace?: string;
}

/** Where features put their artifacts. Paths are relative to `dist/<customer>/`. */
export interface BundleParts {
  /** A cdk8s chart whose objects become the cluster artifact `kubernetes/<fileName>`. */
  chart(fileName: string, options: ChartOptions): Chart;
  /** A file for the customer's repository, a host, the fleet tooling or people. */
  file(artifact: RepositoryArtifact | FileArtifact): void;
  /** Typed facts about what the feature rendered. */
  readonly facts: FactRecorder;
  /** A line for the synth summary printed after the run. */
  summary(line: string): void;
}

/** One area of the mission (workflow, admission, monitoring, delivery) adding its artifacts and facts. */
export type BundleFeature = (context: BundleContext, parts: BundleParts) => void;
