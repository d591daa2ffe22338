import type { Customer } from '../model/customer';

/** The Kyverno Helm chart the policies are written for (policies.kyverno.io/v1 needs app 1.17+). */
export const KYVERNO_CHART = {
  repository: 'https://kyverno.github.io/kyverno/',
  chart: 'kyverno',
  version: '3.9.0',
  appVersion: 'v1.19.0',
} as const;

/** Namespace Kyverno is installed in; also the only namespace it accepts PolicyExceptions from. */
export const KYVERNO_NAMESPACE = 'kyverno';

/** Helm values of the Kyverno install that the customer's policies rely on (chart value paths). */
export interface KyvernoHelmValues {
  /** Serves the admission webhooks; the policies fail closed once enforcing. */
  readonly admissionController: { readonly replicas: number };
  /** Runs background scans, whose results `scb flip-check` reads. */
  readonly backgroundController: { readonly replicas: number };
  readonly cleanupController: { readonly replicas: number };
  /** Aggregates results into PolicyReports. */
  readonly reportsController: { readonly replicas: number };
  readonly features: {
    /** Break-glass PolicyExceptions, accepted only from `namespace`. */
    readonly policyExceptions: { readonly enabled: boolean; readonly namespace: string };
  };
}

/**
 * Values for chart kyverno 3.9.x (app 1.19.x), for the Pulumi program and `dist/<customer>/kyverno-values.yaml`.
 *
 * - Three admission controller replicas: with `failurePolicy: Fail` after the flip, a single
 *   replica being rescheduled would block every pod in the production namespaces.
 * - Two replicas for the other controllers: the reports controller feeds `scb flip-check`.
 * - Policy exceptions are enabled but only from Kyverno's own namespace. The allowlist does not
 *   use them (it is a per-image exclusion inside the policies, see allowlist.ts); they are the
 *   break-glass route for an incident, creatable only by whoever may write to that namespace
 *   (cluster admins), and visible as "skip" in the PolicyReports. The chart's default is
 *   disabled, and an empty namespace silently disables them too (Kyverno only logs an error).
 */
export function kyvernoHelmValues(customer: Pick<Customer, 'name'>): KyvernoHelmValues {
  void customer; // Same for every customer today; the signature leaves room for per-customer sizing.
  return {
    admissionController: { replicas: 3 },
    backgroundController: { replicas: 2 },
    cleanupController: { replicas: 2 },
    reportsController: { replicas: 2 },
    features: { policyExceptions: { enabled: true, namespace: KYVERNO_NAMESPACE } },
  };
}
