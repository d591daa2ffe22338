import { allPolicyNames } from '../contract';

/**
 * Which workloads the customer's policies would refuse once they enforce, judged from Kyverno's
 * PolicyReports: the one judgement behind `scb flip-check` (src/admission/flip-check.ts) and the
 * rescanner's `scb_admission_would_refuse` series, which the pre-flip alert reads to name the
 * workloads. Pure, and importing only the contract: the rescanner image loads it without the
 * customer schema.
 *
 * An `error` is a refusal too: once enforcing, a check that cannot complete (a private image
 * Kyverno has no credentials for, an unreachable registry) refuses the pod (`failurePolicy:
 * Fail`), so "ready" must not be reported while errors remain.
 */

/** Report results that mean "would be refused once enforcing". */
export const REFUSING_RESULTS: readonly string[] = ['fail', 'error'];

/** One PolicyReport result, as Kyverno writes it (fields flip-check reads). */
export interface ReportResult {
  readonly policy?: string;
  readonly rule?: string;
  readonly result?: string;
  readonly message?: string;
  readonly resources?: readonly ObjectReference[];
}
export interface ObjectReference {
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}
export interface PolicyReport {
  readonly kind?: string;
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
  /** The one resource the report is about (Kyverno 1.11+: one report per resource). */
  readonly scope?: ObjectReference;
  readonly results?: readonly ReportResult[];
}

/**
 * Where Kyverno writes reports: wgpolicyk8s.io by default, openreports.io when the chart's
 * `openreports.enabled` is set. Both carry the same results; the first API the server serves is read.
 */
export const REPORT_APIS = [
  { group: '/apis/wgpolicyk8s.io/v1alpha2', plurals: ['policyreports', 'clusterpolicyreports'] },
  { group: '/apis/openreports.io/v1alpha1', plurals: ['reports', 'clusterreports'] },
] as const;

/** A workload the customer's policies would refuse once they enforce. */
export interface RefusedWorkload {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly policy: string;
  readonly rule: string;
  /** `fail` (the check failed) or `error` (it could not complete: credentials, registry). */
  readonly result: string;
  readonly message: string;
}

export interface FlipCheckResult {
  readonly refused: readonly RefusedWorkload[];
  /** Results of any outcome for the customer's policies: zero means nothing was ever evaluated. */
  readonly evaluated: number;
}

/** Keeps the `fail` and `error` results of the customer's policies (both twins, by name), one row per workload, policy, rule and message. */
export function wouldBeRefused(reports: readonly PolicyReport[], customerName: string): FlipCheckResult {
  const names = new Set(allPolicyNames(customerName));
  const rows = new Map<string, RefusedWorkload>();
  let evaluated = 0;
  for (const report of reports) {
    for (const result of report.results ?? []) {
      if (!result.policy || !names.has(result.policy)) continue;
      evaluated += 1;
      if (!result.result || !REFUSING_RESULTS.includes(result.result)) continue;
      const subjects = result.resources && result.resources.length > 0 ? result.resources : report.scope ? [report.scope] : [{}];
      for (const subject of subjects) {
        const row: RefusedWorkload = {
          namespace: subject.namespace ?? report.metadata?.namespace ?? '',
          kind: subject.kind ?? '?',
          name: subject.name ?? '?',
          policy: result.policy,
          rule: result.rule && result.rule !== result.policy ? result.rule : '-',
          result: result.result,
          message: (result.message ?? '').replace(/\s+/g, ' ').trim(),
        };
        rows.set(JSON.stringify(row), row);
      }
    }
  }
  const refused = [...rows.values()].sort((a, b) =>
    [a.namespace, a.kind, a.name, a.policy, a.rule].join('\0').localeCompare([b.namespace, b.kind, b.name, b.policy, b.rule].join('\0')),
  );
  return { refused, evaluated };
}
