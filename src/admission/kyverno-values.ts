import type { Customer } from '../model/customer';

/**
 * Namespace that Kyverno accepts PolicyExceptions from (chart value
 * `features.policyExceptions.namespace`). Allowlist exceptions must be created here; an empty
 * namespace would disable exceptions altogether (REFERENCE §4).
 */
export const POLICY_EXCEPTION_NAMESPACE = 'supply-chain-exceptions';

/** The Kyverno chart this bundle is written against (app 1.19.x). */
export const KYVERNO_CHART = {
  name: 'kyverno',
  repository: 'https://kyverno.github.io/kyverno/',
  version: '3.9.0',
  appVersion: 'v1.19.0',
} as const;

/**
 * Helm values for the Kyverno chart on a customer's cluster: HA controllers, policy exceptions
 * from POLICY_EXCEPTION_NAMESPACE only, and metrics for the monitoring area's alerts.
 *
 * TODO(admission): the admission area owns this file; this first version was written by the
 * delivery area so that the Pulumi program could install Kyverno. Reconcile at merge.
 */
export function kyvernoHelmValues(customer: Customer): Record<string, unknown> {
  // kube-prometheus-stack scrapes only ServiceMonitors with its `release` label (REFERENCE §5).
  const metrics = {
    metricsService: { create: true },
    serviceMonitor: { enabled: true, additionalLabels: { release: customer.monitoring.prometheusReleaseLabel } },
  };
  return {
    customLabels: { 'supply-chain-bundle.io/customer': customer.name },
    // Three admission replicas keep admission answering through a node drain; the PDB makes drains wait.
    admissionController: { replicas: 3, podDisruptionBudget: { enabled: true, minAvailable: 1 }, ...metrics },
    backgroundController: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, ...metrics },
    cleanupController: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, ...metrics },
    reportsController: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, ...metrics },
    features: { policyExceptions: { enabled: true, namespace: POLICY_EXCEPTION_NAMESPACE } },
    // Dashboards come from the monitoring area, as ConfigMaps in the bundle.
    grafana: { enabled: false },
  };
}
