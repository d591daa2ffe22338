/**
 * Registry credentials for a scan, taken from the pods' imagePullSecrets: the rescanner pulls
 * what the kubelet pulled, with the same rights. Credentials are only ever passed to Trivy
 * through its environment; nothing here logs them.
 */
import type { DockerConfig } from '../kubernetes/client';

export interface RegistryCredentials {
  /** Registry host the credentials are for, e.g. `ghcr.io`. */
  readonly registry: string;
  readonly username: string;
  readonly password: string;
}

/** Registry host of a normalized repository (`ghcr.io/acme/api` → `ghcr.io`). */
export function registryOf(repository: string): string {
  const first = repository.split('/')[0] ?? '';
  return first === 'docker.io' ? 'docker.io' : first;
}

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'https://index.docker.io/v1', 'https://index.docker.io', 'https://registry-1.docker.io']);

/** Host part of a docker config key, which may be `ghcr.io`, `https://ghcr.io` or `https://ghcr.io/v2/`. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]?.toLowerCase() ?? '';
}

/** Finds credentials for `registry` in a docker config; undefined when it has none. */
export function credentialsFor(config: DockerConfig, registry: string): RegistryCredentials | undefined {
  const wanted = registry.toLowerCase();
  for (const [key, entry] of Object.entries(config.auths)) {
    const matches = wanted === 'docker.io' ? DOCKER_HUB_KEYS.has(key) || DOCKER_HUB_KEYS.has(keyHost(key)) : keyHost(key) === wanted;
    if (!matches || !entry) continue;
    if (entry.username && entry.password) return { registry, username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { registry, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/**
 * Every registry's credentials in a docker config (the rescanner's own Secret), by registry
 * host as {@link registryOf} spells it (`docker.io` for Docker Hub).
 */
export function credentialsByRegistry(config: DockerConfig): Record<string, RegistryCredentials> {
  const out: Record<string, RegistryCredentials> = {};
  for (const key of Object.keys(config.auths)) {
    const host = keyHost(key);
    const registry = DOCKER_HUB_KEYS.has(key) || DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
    const creds = credentialsFor(config, registry);
    if (creds && !out[registry]) out[registry] = creds;
  }
  return out;
}
