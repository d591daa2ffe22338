import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { allPolicyNames } from './policy-metadata';

/**
 * `scb flip-check`: which running workloads would the customer's policies refuse once they
 * enforce? Kyverno records every audit failure (admission and background scans) in
 * wgpolicyk8s.io/v1alpha2 PolicyReports (or openreports.io Reports); this reads them through the
 * Kubernetes API with plain HTTPS (no client library) and keeps the `fail` and `error` results
 * of the customer's policies. An `error` is a refusal too: once enforcing, a check that cannot
 * complete (a private image Kyverno has no credentials for, an unreachable registry) refuses
 * the pod (`failurePolicy: Fail`), so "ready" must not be reported while errors remain.
 */

/** Report results that mean "would be refused once enforcing". */
export const REFUSING_RESULTS: readonly string[] = ['fail', 'error'];

/** How to reach and authenticate to one API server, read from a kubeconfig. */
export interface ClusterAccess {
  readonly server: string;
  /** PEM of the cluster CA; absent means the system trust store. */
  readonly ca?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** Name to verify the server certificate against, when it differs from the server host. */
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
}

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

type Named<T> = { name: string } & T;
interface Kubeconfig {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
}

/** Reads server, CA, token or client certificate of a context (default: current-context). */
export function readKubeconfig(path: string, contextName?: string): ClusterAccess {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeconfigError(`cannot read kubeconfig ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  let config: Kubeconfig;
  try {
    config = parse(text) as Kubeconfig;
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${path} is not YAML: ${(error as Error).message}`);
  }
  if (!config || typeof config !== 'object') throw new KubeconfigError(`kubeconfig ${path} is empty`);
  const wanted = contextName ?? config['current-context'];
  if (!wanted) throw new KubeconfigError(`kubeconfig ${path} has no current-context; pass --context`);
  const context = config.contexts?.find((entry) => entry.name === wanted)?.context;
  if (!context) {
    throw new KubeconfigError(`kubeconfig ${path} has no context "${wanted}" (have: ${(config.contexts ?? []).map((entry) => entry.name).join(', ') || 'none'})`);
  }
  const cluster = config.clusters?.find((entry) => entry.name === context.cluster)?.cluster;
  if (!cluster) throw new KubeconfigError(`kubeconfig ${path}: context "${wanted}" names cluster "${context.cluster}", which is not in clusters`);
  const user = (config.users?.find((entry) => entry.name === context.user)?.user ?? {}) as Record<string, unknown>;
  const base = dirname(resolve(path));
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  /** `<field>-data` (base64) wins over `<field>` (a file path relative to the kubeconfig). */
  const material = (source: Record<string, unknown>, field: string): string | undefined => {
    const data = str(source[`${field}-data`]);
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    const file = str(source[field]);
    if (!file) return undefined;
    try {
      return readFileSync(resolve(base, file), 'utf8');
    } catch (error) {
      throw new KubeconfigError(`kubeconfig ${path}: ${field} ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  const server = str(cluster.server);
  if (!server || !/^https:\/\//.test(server)) {
    throw new KubeconfigError(`kubeconfig ${path}: cluster "${context.cluster}" server must be an https:// URL (found ${JSON.stringify(cluster.server ?? null)})`);
  }
  if (user.exec || user['auth-provider']) {
    throw new KubeconfigError(
      `kubeconfig ${path}: user "${context.user}" uses an exec/auth-provider plugin, which flip-check does not run; ` +
        'use a token (e.g. a ServiceAccount token allowed to list policyreports) or a client certificate',
    );
  }
  let token = str(user.token);
  const tokenFile = str(user.tokenFile);
  if (!token && tokenFile) {
    try {
      token = readFileSync(resolve(base, tokenFile), 'utf8').trim();
    } catch (error) {
      throw new KubeconfigError(`kubeconfig ${path}: tokenFile ${tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  const access: ClusterAccess = {
    server: server.replace(/\/+$/, ''),
    ca: material(cluster, 'certificate-authority'),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster['tls-server-name']),
    token,
    clientCertificate: material(user, 'client-certificate'),
    clientKey: material(user, 'client-key'),
  };
  if (Boolean(access.clientCertificate) !== Boolean(access.clientKey)) {
    throw new KubeconfigError(`kubeconfig ${path}: user "${context.user}" has a client certificate without its key, or a key without its certificate`);
  }
  if (!access.token && !access.clientCertificate) {
    throw new KubeconfigError(`kubeconfig ${path}: user "${context.user}" has neither a token nor a client certificate`);
  }
  return access;
}

/** GET a JSON document from the API server. */
export function getJson(access: ClusterAccess, path: string, timeoutMs = 30_000): Promise<unknown> {
  const url = new URL(access.server + path);
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'GET',
        headers: { Accept: 'application/json', ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}) },
        ca: access.ca,
        cert: access.clientCertificate,
        key: access.clientKey,
        rejectUnauthorized: !access.insecureSkipTlsVerify,
        servername: access.tlsServerName,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            const hint =
              res.statusCode === 404
                ? ' (the report CRDs are not installed: is Kyverno installed with reporting on?)'
                : res.statusCode === 401 || res.statusCode === 403
                  ? ' (the credentials may not list policyreports and clusterpolicyreports cluster-wide)'
                  : '';
            reject(new ClusterReadError(`GET ${url.pathname} answered ${res.statusCode}${hint}: ${body.slice(0, 300)}`));
            return;
          }
          try {
            resolvePromise(JSON.parse(body));
          } catch {
            reject(new ClusterReadError(`GET ${url.pathname} did not return JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(error instanceof ClusterReadError ? error : new ClusterReadError(`GET ${url.href} failed: ${error.message}`)));
    req.end();
  });
}

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

class NotServed extends Error {}

async function listAll(access: ClusterAccess, path: string, pageSize: number): Promise<PolicyReport[]> {
  const reports: PolicyReport[] = [];
  let continueToken: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(pageSize), ...(continueToken ? { continue: continueToken } : {}) });
    const list = (await getJson(access, `${path}?${query}`)) as { items?: PolicyReport[]; metadata?: { continue?: string } };
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
          reports.push(...(await listAll(access, `${api.group}/${plural}`, pageSize)));
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
