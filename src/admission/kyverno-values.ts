import { CUSTOMER_LABEL, KYVERNO_NAMESPACE } from '../contract';
import type { Customer } from '../model/customer';
import { kyvernoIdentityValues } from './registry-credentials';

/** The Kyverno Helm chart the policies are written for (policies.kyverno.io/v1 needs app 1.17+). */
export const KYVERNO_CHART = {
  repository: 'https://kyverno.github.io/kyverno/',
  chart: 'kyverno',
  version: '3.9.0',
  appVersion: 'v1.19.0',
} as const;

export { KYVERNO_NAMESPACE };

/**
 * PolicyExceptions (chart value `features.policyExceptions.namespace`) are accepted only from
 * Kyverno's own namespace: the allowlist does not use exceptions (see allowlist.ts), so they stay
 * a break-glass route for cluster admins. An empty value would silently disable them (REFERENCE §4).
 */
export const POLICY_EXCEPTION_NAMESPACE = KYVERNO_NAMESPACE;

/** Per-controller settings: replicas, a disruption budget, and metrics for the alerts. */
export interface KyvernoControllerValues {
  /** The service account's cloud identity (`registry.admissionIdentity`), for the controllers that verify images. @default - none */
  readonly rbac?: { readonly serviceAccount: { readonly annotations: Readonly<Record<string, string>> } };
  /** Azure workload identity's pod label. @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly metricsService: { readonly create: boolean };
  /** kube-prometheus-stack scrapes only ServiceMonitors with its `release` label (REFERENCE §5). */
  readonly serviceMonitor: { readonly enabled: boolean; readonly additionalLabels: Readonly<Record<string, string>> };
}

/** Helm values of the Kyverno install that the customer's policies and alerts rely on (chart value paths). */
export interface KyvernoHelmValues {
  readonly customLabels: Readonly<Record<string, string>>;
  /** Serves the admission webhooks; the policies fail closed once enforcing. */
  readonly admissionController: KyvernoControllerValues;
  /** Runs background scans, whose results `scb flip-check` and the drift alert read. */
  readonly backgroundController: KyvernoControllerValues;
  readonly cleanupController: KyvernoControllerValues;
  /** Aggregates results into PolicyReports. */
  readonly reportsController: KyvernoControllerValues;
  readonly features: {
    /** Break-glass PolicyExceptions, accepted only from `namespace`. */
    readonly policyExceptions: { readonly enabled: boolean; readonly namespace: string };
  };
  /** Dashboards come from the bundle's monitoring ConfigMaps, not from the chart. */
  readonly grafana: { readonly enabled: boolean };
}

/**
 * Values for chart kyverno 3.9.x (app 1.19.x), for the Pulumi program and `dist/<customer>/kyverno-values.yaml`.
 *
 * - Three admission controller replicas: with `failurePolicy: Fail` after the flip, a single
 *   replica being rescheduled would block every pod in the production namespaces; the PDB makes
 *   node drains wait for a replica.
 * - Two replicas for the other controllers: the reports controller feeds `scb flip-check`.
 * - Policy exceptions are enabled but only from Kyverno's own namespace (POLICY_EXCEPTION_NAMESPACE).
 * - Metrics services and ServiceMonitors for the alerts on Kyverno's verification results.
 * - With `registry.admissionIdentity` naming a cloud identity, the admission and reports
 *   controllers' service accounts carry its workload-identity annotation (registry-credentials.ts).
 */
export function kyvernoHelmValues(
  customer: Pick<Customer, 'name' | 'monitoring' | 'registry'>,
  /** Namespace Kyverno is installed in; PolicyExceptions are accepted only there. @default KYVERNO_NAMESPACE */
  kyvernoNamespace: string = KYVERNO_NAMESPACE,
): KyvernoHelmValues {
  const controller = (replicas: number): KyvernoControllerValues => ({
    replicas,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    metricsService: { create: true },
    serviceMonitor: { enabled: true, additionalLabels: { release: customer.monitoring.prometheusReleaseLabel } },
  });
  return {
    customLabels: { [CUSTOMER_LABEL]: customer.name },
    // The admission controller verifies at admission, the reports controller in background
    // scans (what flip-check reads): both need the registry identity.
    admissionController: { ...controller(3), ...kyvernoIdentityValues(customer) },
    backgroundController: controller(2),
    cleanupController: controller(2),
    reportsController: { ...controller(2), ...kyvernoIdentityValues(customer) },
    features: { policyExceptions: { enabled: true, namespace: kyvernoNamespace } },
    grafana: { enabled: false },
  };
}
