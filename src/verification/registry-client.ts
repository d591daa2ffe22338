import { createHash } from 'node:crypto';
import { type RegistryCredentials, dockerCredentials } from './docker-credentials';
import { isLoopbackRegistry } from './reference';

/**
 * A small OCI distribution-spec client: manifests, blobs, the OCI 1.1 referrers API and its
 * tag-schema fallback, with the registry token flow (anonymous, basic, bearer, refresh token).
 * Every manifest and blob is checked against its digest before it is used.
 */

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** Why the registry could not be read: the CLI maps every kind to "could not inspect". */
export type RegistryErrorKind = 'unreachable' | 'authentication' | 'protocol';

export class RegistryError extends Error {
  constructor(readonly kind: RegistryErrorKind, message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly platform?: { architecture?: string; os?: string; variant?: string };
}

export interface Manifest {
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config?: Descriptor;
  readonly layers?: Descriptor[];
  readonly manifests?: Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Record<string, string>;
}

export interface FetchedManifest {
  /** `sha256:` of the bytes the registry served (checked against the requested digest). */
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: Manifest;
}

export interface Referrers {
  /** `api`: the OCI 1.1 referrers endpoint; `tag`: the `sha256-<hex>` fallback tag; `none`: neither has any. */
  readonly via: 'api' | 'tag' | 'none';
  readonly descriptors: readonly Descriptor[];
}

export interface RegistryClientOptions {
  /** Credentials lookup per registry host. @default the standard Docker config (dockerCredentials) */
  readonly credentials?: (registry: string) => Promise<RegistryCredentials | undefined>;
  /** Per-request timeout in milliseconds. @default 15000 */
  readonly timeoutMs?: number;
  /** `fetch` implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

interface Challenge {
  readonly scheme: string;
  readonly params: Record<string, string>;
}

function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[match[1].toLowerCase()] = match[2];
  return { scheme, params };
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.find((inner) => inner.code)?.code;
  if (code) return `${code}${cause?.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return (error as Error).message;
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly credentialCache = new Map<string, Promise<RegistryCredentials | undefined>>();
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  private baseUrl(registry: string): string {
    const host = registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${host}`;
  }

  private credentials(registry: string): Promise<RegistryCredentials | undefined> {
    let cached = this.credentialCache.get(registry);
    if (!cached) {
      cached = (this.options.credentials ?? ((host) => dockerCredentials(host)))(registry);
      this.credentialCache.set(registry, cached);
    }
    return cached;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) });
    } catch (error) {
      throw new RegistryError('unreachable', `cannot reach ${new URL(url).host}: ${describeNetworkError(error)}`);
    }
  }

  private async token(registry: string, repository: string, challenge: Challenge): Promise<string> {
    const scope = `repository:${repository}:pull`;
    const key = `${registry}|${scope}`;
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError('protocol', `${registry} asked for a bearer token without a realm`);
    const credentials = await this.credentials(registry);
    let response: Response;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, service: challenge.params.service ?? '', scope, client_id: 'supply-chain-bundle' });
      response = await this.send(realm, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else {
      const url = new URL(realm);
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (credentials?.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
      response = await this.send(url.toString(), { headers });
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError('authentication', `${registry} refused a pull token for ${repository} (HTTP ${response.status}); ${credentials ? `check the credentials from ${credentials.source}` : 'log in with docker login (no credentials in the Docker config)'}`);
    }
    if (!response.ok) throw new RegistryError('protocol', `${registry} token endpoint answered HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError('protocol', `${registry} token endpoint returned no token`);
    this.tokens.set(key, token);
    return token;
  }

  /** GET with the registry's auth flow; 404 comes back as undefined. */
  private async get(registry: string, repository: string, path: string, accept?: string): Promise<Response | undefined> {
    const url = `${this.baseUrl(registry)}/v2/${repository}/${path}`;
    const headers: Record<string, string> = accept ? { accept } : {};
    const scopeKey = `${registry}|repository:${repository}:pull`;
    const token = this.tokens.get(scopeKey);
    if (token) headers.authorization = `Bearer ${token}`;
    let response = await this.send(url, { headers });
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers.get('www-authenticate'));
      await response.arrayBuffer();
      if (challenge?.scheme === 'bearer') {
        this.tokens.delete(scopeKey);
        headers.authorization = `Bearer ${await this.token(registry, repository, challenge)}`;
      } else {
        const credentials = await this.credentials(registry);
        if (!credentials || credentials.username === undefined) {
          throw new RegistryError('authentication', `${registry} needs credentials for ${repository}; log in with docker login ${registry}`);
        }
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
      }
      response = await this.send(url, { headers });
    }
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError('authentication', `${registry} refused access to ${repository} (HTTP ${response.status}); check docker login ${registry}`);
    }
    if (!response.ok) throw new RegistryError('protocol', `${registry} answered HTTP ${response.status} for ${path}`);
    return response;
  }

  /** A manifest by tag or digest; undefined when the registry has none. */
  async manifest(registry: string, repository: string, reference: string): Promise<FetchedManifest | undefined> {
    const response = await this.get(registry, repository, `manifests/${reference}`, MANIFEST_MEDIA_TYPES.join(', '));
    if (!response) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    const digest = sha256(body);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError('protocol', `${registry}/${repository} served a manifest whose digest ${digest} is not the requested ${reference}`);
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(body.toString('utf8')) as Manifest;
    } catch {
      throw new RegistryError('protocol', `${registry}/${repository}:${reference} is not a JSON manifest`);
    }
    const mediaType = manifest.mediaType ?? response.headers.get('content-type')?.split(';')[0] ?? 'application/vnd.oci.image.manifest.v1+json';
    return { digest, mediaType, manifest };
  }

  /** A blob, checked against its digest. */
  async blob(registry: string, repository: string, digest: string): Promise<Buffer> {
    const response = await this.get(registry, repository, `blobs/${digest}`);
    if (!response) throw new RegistryError('protocol', `${registry}/${repository} has no blob ${digest}`);
    const body = Buffer.from(await response.arrayBuffer());
    if (sha256(body) !== digest) throw new RegistryError('protocol', `${registry}/${repository} served blob ${digest} with other content`);
    return body;
  }

  /**
   * Referrers of a manifest: the OCI 1.1 endpoint, else the `sha256-<hex>` tag that clients write
   * where the endpoint is missing (GHCR, crane's registry, distribution 2.8).
   */
  async referrers(registry: string, repository: string, digest: string): Promise<Referrers> {
    const response = await this.get(registry, repository, `referrers/${digest}`, 'application/vnd.oci.image.index.v1+json');
    if (response && (response.headers.get('content-type') ?? '').includes('application/vnd.oci.image.index.v1+json')) {
      const index = (await response.json()) as Manifest;
      return { via: 'api', descriptors: index.manifests ?? [] };
    }
    if (response) await response.arrayBuffer();
    const fallback = await this.manifest(registry, repository, digest.replace(':', '-'));
    if (fallback) return { via: 'tag', descriptors: fallback.manifest.manifests ?? [] };
    return { via: 'none', descriptors: [] };
  }
}
