import { type ClusterAccess, KubernetesApiError } from '../kubernetes';
import { REPORT_APIS, type PolicyReport, type FlipCheckResult, type RefusedWorkload, wouldBeRefused } from './would-refuse';

// The judgement is shared with the rescanner (its `scb_admission_would_refuse` metric): one module.
export * from './would-refuse';

/**
 * `scb flip-check`: which running workloads would the customer's policies refuse once they
 * enforce? Kyverno records every audit failure (admission and background scans) in
 * wgpolicyk8s.io/v1alpha2 PolicyReports (or openreports.io Reports); this reads them through the
 * Kubernetes API with the project's client, credentials from the kubeconfig as kubectl reads it
 * (src/kubernetes/kubeconfig.ts: @kubernetes/client-node, exec plugins for EKS, GKE and AKS
 * included), and keeps the `fail` and `error`
 * results of the customer's policies. An `error` is a refusal too: once enforcing, a check that
 * cannot complete (a private image Kyverno has no credentials for, an unreachable registry)
 * refuses the pod (`failurePolicy: Fail`), so "ready" must not be reported while errors remain.
 */


/** The API server could not be read (network, TLS, authentication, missing CRD). */
export class ClusterReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterReadError';
  }
}

/** Why a request failed, with a hint for the statuses users meet. */
function readError(error: unknown, path: string): ClusterReadError {
  if (error instanceof KubernetesApiError) {
    const status = error.status;
    const hint =
      status === 404
        ? ' (the report CRDs are not installed: is Kyverno installed with reporting on?)'
        : status === 401 || status === 403
          ? ' (the credentials may not list policyreports and clusterpolicyreports cluster-wide)'
          : '';
    return new ClusterReadError(`GET ${path} answered ${status}${hint}: ${error.detail.slice(0, 300)}`);
  }
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new ClusterReadError(`GET ${path} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
}

class NotServed extends Error {}

async function listAll(access: ClusterAccess, group: string, plural: string, pageSize: number): Promise<PolicyReport[]> {
  const reports: PolicyReport[] = [];
  try {
    await access.client.list<PolicyReport>(`${group}/${plural}`, {
      limit: pageSize,
      onStart: () => reports.splice(0),
      onPage: (page) => reports.push(...(page.items ?? [])),
    });
  } catch (error) {
    throw readError(error, `${group}/${plural}`);
  }
  return reports;
}

/**
 * Lists every namespaced and cluster report (all namespaces), following `continue` pages, from
 * wgpolicyk8s.io, or from openreports.io when the former is not served.
 */
export async function listPolicyReports(access: ClusterAccess, pageSize = 250): Promise<PolicyReport[]> {
  const problems: string[] = [];
  for (const api of REPORT_APIS) {
    try {
      const reports: PolicyReport[] = [];
      for (const plural of api.plurals) {
        try {
          reports.push(...(await listAll(access, api.group, plural, pageSize)));
        } catch (error) {
          if (error instanceof ClusterReadError && /answered 404/.test(error.message)) throw new NotServed(error.message);
          throw error;
        }
      }
      return reports;
    } catch (error) {
      if (!(error instanceof NotServed)) throw error;
      problems.push(error.message);
    }
  }
  throw new ClusterReadError(problems.join('; '));
}

/** A fixed-width table: NAMESPACE KIND NAME POLICY RULE RESULT MESSAGE. */
export function formatRefused(rows: readonly RefusedWorkload[]): string {
  const header = ['NAMESPACE', 'KIND', 'NAME', 'POLICY', 'RULE', 'RESULT', 'MESSAGE'];
  const cells = rows.map((row) => [row.namespace || '(cluster)', row.kind, row.name, row.policy, row.rule, row.result, row.message]);
  const widths = header.slice(0, 6).map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) => [...cell.slice(0, 6).map((value, column) => value.padEnd(widths[column])), cell[6]].join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

/** Reads the reports of a cluster and decides. */
export async function flipCheck(access: ClusterAccess, customerName: string): Promise<FlipCheckResult> {
  return wouldBeRefused(await listPolicyReports(access), customerName);
}
