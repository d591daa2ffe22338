import type { AdmissionEngineName, SignatureFormat, SigningIdentity } from '../contract';
import type { EnforcementState } from '../model/enforcement';

/** One policy the bundle applies (admission or drift control). */
export interface PolicyFact {
  readonly name: string;
  readonly kind: string;
  readonly apiVersion: string;
  /** What the policy is for: rules 1 to 3, rule 4, or drift control. */
  readonly purpose: 'verify-images' | 'allowed-images' | 'drift';
}

/** One Grafana dashboard the bundle ships. */
export interface DashboardFact {
  readonly uid: string;
  readonly title: string;
}

/**
 * Typed facts about one customer's bundle, recorded by the features as they render: what a
 * consumer (the Pulumi stack outputs, `scb inspect`, the README) needs to know without parsing
 * the rendered YAML back.
 */
export interface BundleFacts {
  readonly customer: string;
  /** The clock the bundle was rendered at (ISO 8601). */
  readonly renderedAt: string;
  readonly engine: AdmissionEngineName;
  readonly signatureFormat: SignatureFormat;
  readonly identity: SigningIdentity;
  /** Audit or enforce, the flip date and why; plus the soft period it follows. */
  readonly enforcement: EnforcementState & { readonly onboardedAt: string; readonly softDays: number };
  /** Sorted by name. */
  readonly policies: readonly PolicyFact[];
  /** Sorted by uid. */
  readonly dashboards: readonly DashboardFact[];
  /** Metric names the bundle's own workloads emit (the rescanner), sorted. */
  readonly emittedMetrics: readonly string[];
}

/** What a feature may record; every method appends. */
export interface FactRecorder {
  policy(fact: PolicyFact): void;
  dashboard(fact: DashboardFact): void;
  emittedMetrics(names: readonly string[]): void;
}
