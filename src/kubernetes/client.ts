/**
 * The project's one Kubernetes API client: GET a path as JSON, and list a collection page by page.
 * `scb rescan` (in the cluster, with its service account) and `scb flip-check` (people and CI,
 * with a kubeconfig) both list through it; only where it gets its credentials differs.
 *
 * Requests go through node:http/https (Node 20's global fetch cannot be given a private CA, such
 * as the in-cluster service-account CA, without the undici package) and bodies are parsed as plain
 * JSON. Credentials and TLS come from the constructor's token and CA, or, for a kubeconfig, from
 * @kubernetes/client-node's `KubeConfig.applyToHTTPSOptions` (./kubeconfig.ts: client
 * certificates, exec plugins for EKS, GKE and AKS, OIDC), applied to every request.
 *
 * Why not client-node for the requests too (measured 2026-12-05 with bench/kubernetes-clients.ts,
 * interleaved, 10,000 pods / 300 digests, target ≤ 2000 ms and ≤ 256 MB, on a loaded 2-core
 * machine): this client 346–1154 ms and 77–80 MB for the whole rescan; client-node 1.4.0 with
 * the same raw page requests 2030–2768 ms and 136–143 MB; its typed `listPodForAllNamespaces`
 * 1474–3070 ms and 136–146 MB. The cost is loading the library (0.7–1.7 s and ~60 MB: its
 * KubeConfig module alone imports the whole generated API), not its requests, so the rescanner,
 * which needs no kubeconfig, never loads it; flip-check loads it only for the kubeconfig.
 */
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { REPORT_APIS, type PolicyReport } from '../admission/would-refuse';

/** Where the in-cluster service account is mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesClientOptions {
  /** API server base URL, e.g. `https://10.0.0.1:443` or `http://127.0.0.1:PORT` in tests. */
  readonly apiServer: string;
  /** Bearer token. @default undefined (no Authorization header) */
  readonly token?: string;
  /** PEM CA bundle trusted for an https API server. @default undefined (system CAs) */
  readonly ca?: string | Buffer;
  /**
   * Adds credentials and TLS settings to each request's options (headers, CA, client certificate,
   * agent), e.g. client-node's `KubeConfig.applyToHTTPSOptions`. Called before every request, so
   * a token from an exec plugin is refreshed when it expires.
   * @default - the token and CA above only
   */
  readonly authenticate?: (options: https.RequestOptions) => Promise<void>;
  /**
   * Milliseconds one request may take.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
}

/** An API call that came back with a non-2xx status. */
export class KubernetesApiError extends Error {
  /** The API server's own words (a Status object's message, else the start of the body). */
  readonly detail: string;

  constructor(readonly status: number, readonly path: string, message: string) {
    super(`GET ${path}: HTTP ${status}: ${message}`);
    this.detail = message;
    this.name = 'KubernetesApiError';
  }
}

export interface ListResult {
  /** Pages of the last, complete listing. */
  readonly pages: number;
  /** Times the listing restarted from the beginning after 410 Gone. */
  readonly relists: number;
}

/** One page of a list call (`PodList`, `PolicyReportList`, …). */
export interface ListPage<T> {
  readonly items?: readonly T[];
  readonly metadata?: { readonly continue?: string; readonly resourceVersion?: string };
}

export interface ListOptions<T> {
  /** Items per page. @default 500 */
  readonly limit?: number;
  /** Restarts allowed after 410 Gone before giving up. @default 3 */
  readonly maxRelists?: number;
  /** Called once before (re)starting, so the consumer can drop what a broken listing delivered. */
  readonly onStart?: (attempt: number) => void;
  /** Receives every page as it arrives. */
  readonly onPage: (page: ListPage<T>) => void;
}

/** `dockerconfigjson` / `dockercfg` pull secret, decoded. */
export interface DockerConfig {
  readonly auths: Readonly<Record<string, { readonly auth?: string; readonly username?: string; readonly password?: string }>>;
}

export class KubernetesClient {
  private readonly base: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: KubernetesClientOptions) {
    this.base = new URL(options.apiServer);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /**
   * In-cluster configuration: token and CA from the mounted service account,
   * address from KUBERNETES_SERVICE_HOST/PORT.
   */
  static async inCluster(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Promise<KubernetesClient> {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST is not set (use --api-server and --token-file)');
    const [token, ca] = await Promise.all([readFile(`${dir}/token`, 'utf8'), readFile(`${dir}/ca.crt`)]);
    const hostPart = host.includes(':') ? `[${host}]` : host; // IPv6 service address
    return new KubernetesClient({ apiServer: `https://${hostPart}:${port}`, token: token.trim(), ca });
  }

  /** GET a path under the API server and parse JSON. */
  async getJson<T>(path: string): Promise<T> {
    const url = new URL(path, this.base);
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const requestOptions: https.RequestOptions = { method: 'GET', headers, timeout: this.timeoutMs, ...(url.protocol === 'https:' && this.options.ca ? { ca: this.options.ca } : {}) };
    await this.options.authenticate?.(requestOptions);
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        requestOptions,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              // The Status object's message is safe to surface; never echo request headers.
              let message = body.slice(0, 300);
              try {
                const parsed = JSON.parse(body) as { message?: unknown };
                if (typeof parsed.message === 'string') message = parsed.message;
              } catch {
                /* not a Status object */
              }
              reject(new KubernetesApiError(status, url.pathname, message));
              return;
            }
            try {
              resolve(JSON.parse(body) as T);
            } catch (err) {
              reject(new Error(`GET ${url.pathname}: response is not JSON: ${(err as Error).message}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Lists every pod in the cluster page by page (see {@link list}). */
  async listPods<T = unknown>(options: ListOptions<T>): Promise<ListResult> {
    return this.list('/api/v1/pods', options);
  }

  /**
   * Lists a collection (`/api/v1/pods`, `/apis/wgpolicyk8s.io/v1alpha2/policyreports`, …) page by
   * page. A continue token that expires mid-listing (HTTP 410 Gone) cannot be resumed
   * consistently, so the listing restarts from the first page; `onStart` tells the consumer to
   * discard what it had.
   */
  async list<T = unknown>(path: string, options: ListOptions<T>): Promise<ListResult> {
    const limit = options.limit ?? 500;
    const maxRelists = options.maxRelists ?? 3;
    for (let attempt = 0; ; attempt++) {
      options.onStart?.(attempt);
      let pages = 0;
      let token: string | undefined;
      try {
        do {
          const query = new URLSearchParams({ limit: String(limit) });
          if (token) query.set('continue', token);
          const page = await this.getJson<ListPage<T>>(`${path}?${query.toString()}`);
          pages += 1;
          options.onPage(page);
          token = page.metadata?.continue || undefined;
        } while (token);
        return { pages, relists: attempt };
      } catch (err) {
        if (err instanceof KubernetesApiError && err.status === 410 && attempt < maxRelists) continue;
        throw err;
      }
    }
  }

  /**
   * Lists Kyverno's reports cluster-wide, namespaced and cluster-scoped, page by page: from
   * wgpolicyk8s.io, or from openreports.io when the former is not served (404), as `scb
   * flip-check` reads them (the same REPORT_APIS). A 410 Gone mid-listing restarts that kind.
   */
  async listPolicyReports(limit = 250): Promise<PolicyReport[]> {
    let notServed: KubernetesApiError | undefined;
    for (const api of REPORT_APIS) {
      try {
        const reports: PolicyReport[] = [];
        for (const plural of api.plurals) {
          const items: PolicyReport[] = [];
          await this.list<PolicyReport>(`${api.group}/${plural}`, { limit, maxRelists: 1, onStart: () => items.splice(0), onPage: (page) => items.push(...(page.items ?? [])) });
          reports.push(...items);
        }
        return reports;
      } catch (err) {
        if (!(err instanceof KubernetesApiError && err.status === 404)) throw err;
        notServed = err;
      }
    }
    throw notServed ?? new Error('no report API configured');
  }

  /** Reads a pull secret and decodes its docker config; undefined when it is not a docker secret. */
  async getDockerConfig(namespace: string, name: string): Promise<DockerConfig | undefined> {
    const secret = await this.getJson<{ type?: string; data?: Record<string, string> }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
    );
    return decodeDockerConfigSecret(secret);
  }
}

/** Decodes `kubernetes.io/dockerconfigjson` (`{auths:{...}}`) and legacy `kubernetes.io/dockercfg` (`{...}`). */
export function decodeDockerConfigSecret(secret: { type?: string; data?: Record<string, string> }): DockerConfig | undefined {
  const data = secret.data ?? {};
  const json = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (!json) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const auths = data['.dockerconfigjson'] !== undefined ? (parsed as { auths?: unknown }).auths : parsed;
    if (typeof auths !== 'object' || auths === null) return undefined;
    return { auths: auths as DockerConfig['auths'] };
  } catch {
    return undefined;
  }
}
