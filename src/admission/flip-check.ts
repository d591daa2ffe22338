import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { REPORT_APIS, type PolicyReport, type RefusedWorkload, wouldBeRefused, type FlipCheckResult } from './would-refuse';

// The judgement is shared with the rescanner (its `scb_admission_would_refuse` metric): one module.
export * from './would-refuse';

/**
 * `scb flip-check`: which running workloads would the customer's policies refuse once they
 * enforce? Kyverno records every audit failure (admission and background scans) in
 * wgpolicyk8s.io/v1alpha2 PolicyReports (or openreports.io Reports); this reads them through the
 * Kubernetes API with the field's own client, @kubernetes/client-node (kubeconfig loading as
 * kubectl does it, exec plugins for EKS, GKE and AKS included), and keeps the `fail` and `error`
 * results of the customer's policies. An `error` is a refusal too: once enforcing, a check that
 * cannot complete (a private image Kyverno has no credentials for, an unreachable registry)
 * refuses the pod (`failurePolicy: Fail`), so "ready" must not be reported while errors remain.
 */


/** A kubeconfig that cannot be used: the message says which field and how to fix it. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/** The API server could not be read (network, TLS, authentication, missing CRD). */
export class ClusterReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterReadError';
  }
}

type ClientNode = typeof import('@kubernetes/client-node');

/**
 * The client library is an ES module; a real dynamic import loads it from this CommonJS build on
 * every supported Node (require() of an ES module needs Node 20.19), and only when flip-check runs.
 */
const loadClientNode = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<ClientNode>;

/** One API server and how to reach it, as the kubeconfig's context names it. */
export interface ClusterAccess {
  readonly kubeconfig: KubeConfig;
  readonly server: string;
  readonly context: string;
  readonly client: ClientNode;
}

/**
 * Loads a kubeconfig as kubectl does: `path` if given, else $KUBECONFIG (several files merged),
 * else ~/.kube/config, else the in-cluster service account. `contextName` picks a context
 * (default: current-context). Tokens, client certificates and exec plugins (aws eks get-token,
 * gke-gcloud-auth-plugin, kubelogin) are all handled by the library.
 */
export async function loadKubeconfig(path: string | undefined, contextName?: string): Promise<ClusterAccess> {
  const client = await loadClientNode('@kubernetes/client-node');
  const kubeconfig = new client.KubeConfig();
  const source = path ?? 'the default kubeconfig ($KUBECONFIG, else ~/.kube/config)';
  // Without any kubeconfig the library would fall back to http://localhost:8080; say what is missing instead.
  const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
  if (!path && !process.env.KUBECONFIG && !existsSync(join(home, '.kube', 'config')) && !process.env.KUBERNETES_SERVICE_HOST) {
    throw new KubeconfigError('no kubeconfig: pass --kubeconfig FILE, set $KUBECONFIG, or create ~/.kube/config (kubectl config view shows what kubectl uses)');
  }
  try {
    if (path) kubeconfig.loadFromFile(path);
    else kubeconfig.loadFromDefault();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new KubeconfigError(`cannot read kubeconfig ${source} (${code ?? message.split('\n')[0]}); pass --kubeconfig FILE or set $KUBECONFIG`);
  }
  const contexts = kubeconfig.getContexts().map((context) => context.name);
  if (contextName !== undefined) {
    if (!contexts.includes(contextName)) throw new KubeconfigError(`kubeconfig ${source} has no context "${contextName}" (have: ${contexts.join(', ') || 'none'})`);
    kubeconfig.setCurrentContext(contextName);
  }
  const context = kubeconfig.getCurrentContext();
  const cluster = kubeconfig.getCurrentCluster();
  if (!context || !cluster) {
    throw new KubeconfigError(`kubeconfig ${source} has no usable current-context (contexts: ${contexts.join(', ') || 'none'}); pass --context or --kubeconfig`);
  }
  if (!/^https:\/\//.test(cluster.server)) {
    throw new KubeconfigError(`kubeconfig ${source}: cluster "${cluster.name}" server must be an https:// URL (found ${JSON.stringify(cluster.server)})`);
  }
  return { kubeconfig, server: cluster.server.replace(/\/+$/, ''), context, client };
}

/** Why a request failed, with a hint for the statuses users meet. */
function readError(error: unknown, path: string): ClusterReadError {
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number') {
    const hint =
      status === 404
        ? ' (the report CRDs are not installed: is Kyverno installed with reporting on?)'
        : status === 401 || status === 403
          ? ' (the credentials may not list policyreports and clusterpolicyreports cluster-wide)'
          : '';
    const body = (error as { body?: unknown }).body;
    return new ClusterReadError(`GET ${path} answered ${status}${hint}: ${(typeof body === 'string' ? body : JSON.stringify(body ?? '')).slice(0, 300)}`);
  }
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new ClusterReadError(`GET ${path} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
}

class NotServed extends Error {}

async function listAll(access: ClusterAccess, group: string, plural: string, pageSize: number): Promise<PolicyReport[]> {
  const api = access.kubeconfig.makeApiClient(access.client.CustomObjectsApi);
  const [groupName, version] = group.replace(/^\/apis\//, '').split('/');
  const reports: PolicyReport[] = [];
  let continueToken: string | undefined;
  do {
    let list: { items?: PolicyReport[]; metadata?: { continue?: string } };
    try {
      list = await api.listClusterCustomObject({ group: groupName, version, plural, limit: pageSize, ...(continueToken ? { _continue: continueToken } : {}) });
    } catch (error) {
      throw readError(error, `${group}/${plural}`);
    }
    reports.push(...(list.items ?? []));
    continueToken = list.metadata?.continue || undefined;
  } while (continueToken);
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
