/**
 * The Trivy server's own endpoints, besides scanning: `GET /healthz` ("ok") and `GET /version`
 * (Trivy ≥ 0.44, aquasecurity/trivy#4869), whose `VulnerabilityDB.UpdatedAt` says how fresh the
 * vulnerability DB is. New CVEs are matched only against a fresh DB, so the rescanner exports it.
 */

export interface TrivyDbInfo {
  /** `VulnerabilityDB.UpdatedAt`, seconds since the epoch. */
  readonly updatedAtSeconds: number;
  /** `VulnerabilityDB.NextUpdate`, when present. */
  readonly nextUpdateSeconds?: number;
  /** The server's Trivy version. */
  readonly version?: string;
}

/** What a run asks the scanner's server before and besides scanning. */
export interface ScannerServer {
  /** True when the server answers its health check. */
  healthy(signal?: AbortSignal): Promise<boolean>;
  /** The vulnerability DB's metadata; throws when it cannot be read. */
  dbInfo(signal?: AbortSignal): Promise<TrivyDbInfo>;
}

export interface TrivyServerClientOptions {
  /** Trivy server URL, as given to `trivy image --server`. */
  readonly server: string;
  /** Server token, sent in `tokenHeader` (the version endpoint may sit behind it). @default undefined */
  readonly token?: string;
  /** @default "Trivy-Token" */
  readonly tokenHeader?: string;
  /** Milliseconds per request. @default 10000 */
  readonly timeoutMs?: number;
}

interface VersionResponse {
  readonly Version?: string;
  readonly VulnerabilityDB?: { readonly UpdatedAt?: string; readonly NextUpdate?: string };
}

function seconds(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Parses the body of `GET /version`; throws when it has no usable `VulnerabilityDB.UpdatedAt`. */
export function parseTrivyVersion(body: unknown): TrivyDbInfo {
  const v = (typeof body === 'object' && body !== null ? body : {}) as VersionResponse;
  const updatedAtSeconds = seconds(v.VulnerabilityDB?.UpdatedAt);
  // Trivy writes the zero time (0001-01-01) before its first DB download: that is "no DB", not a date.
  if (updatedAtSeconds === undefined || updatedAtSeconds <= 0) throw new Error('Trivy /version has no VulnerabilityDB.UpdatedAt (no DB downloaded yet?)');
  const nextUpdateSeconds = seconds(v.VulnerabilityDB?.NextUpdate);
  return {
    updatedAtSeconds,
    ...(nextUpdateSeconds !== undefined && nextUpdateSeconds > 0 ? { nextUpdateSeconds } : {}),
    ...(typeof v.Version === 'string' ? { version: v.Version } : {}),
  };
}

export class TrivyServerClient implements ScannerServer {
  private readonly base: string;

  constructor(private readonly options: TrivyServerClientOptions) {
    this.base = options.server.replace(/\/+$/, '');
  }

  private async get(path: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers[this.options.tokenHeader ?? 'Trivy-Token'] = this.options.token;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    return fetch(`${this.base}${path}`, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  }

  async healthy(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.get('/healthz', signal);
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async dbInfo(signal?: AbortSignal): Promise<TrivyDbInfo> {
    const res = await this.get('/version', signal);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${this.base}/version: HTTP ${res.status}`);
    }
    return parseTrivyVersion(await res.json());
  }
}
