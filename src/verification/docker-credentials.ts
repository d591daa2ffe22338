import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { credentialsFor } from '../rescanner/credentials';

/**
 * Registry credentials from the standard Docker configuration, as `docker`, `crane` and `cosign`
 * read them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), with
 * - `credHelpers[host]`: a per-registry credential helper (`docker-credential-ecr-login`,
 *   `docker-credential-gcloud`, `docker-credential-acr-env`, ...: the cloud helpers);
 * - `credsStore`: the default helper for every registry;
 * - `auths[host]`: `auth` (base64 `user:password`), `username`/`password`, or `identitytoken`.
 * Nothing here is ever printed; callers only learn whether credentials were found.
 */

export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user). */
  readonly identityToken?: string;
  /** Where they came from, for messages: `credHelpers[ghcr.io]`, `auths[ghcr.io]`, ... */
  readonly source: string;
}

interface DockerConfig {
  readonly auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  readonly credHelpers?: Record<string, string>;
  readonly credsStore?: string;
}

/** The keys a registry may be stored under (Docker Hub has its own legacy URL). */
function configKeys(registry: string): string[] {
  if (registry === 'index.docker.io' || registry === 'docker.io' || registry === 'registry-1.docker.io') {
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  }
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DockerConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the Docker config ${path}: ${(error as Error).message}`);
  }
}

/** Runs `docker-credential-<helper> get` for the registry (protocol of docker/docker-credential-helpers). */
export function credentialHelperGet(helper: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { env, timeout: 30_000 }, (error, stdout) => {
      if (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`credential helper docker-credential-${helper} is not on PATH`));
        // "credentials not found in native keychain" is not an error: the registry is then anonymous.
        if (/not found/i.test(`${stdout} ${error.message}`)) return resolve(undefined);
        return reject(new Error(`docker-credential-${helper} get failed: ${error.message.split('\n')[0]}`));
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
        const source = `docker-credential-${helper}`;
        resolve(parsed.Username === '<token>' ? { identityToken: parsed.Secret, source } : { username: parsed.Username, password: parsed.Secret, source });
      } catch {
        reject(new Error(`docker-credential-${helper} get printed no JSON`));
      }
    });
    child.stdin?.end(serverUrl);
  });
}

/** Credentials for one registry host, or undefined for anonymous access. */
export async function dockerCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  const path = dockerConfigPath(env);
  const config = await readDockerConfig(path);
  if (!config) return undefined;
  const keys = configKeys(registry);
  for (const key of keys) {
    const helper = config.credHelpers?.[key];
    if (helper) return credentialHelperGet(helper, key, env);
  }
  // An identity token (OAuth2 refresh token) is kept where Docker wrote it; user and password
  // entries are found by the rescanner's matcher, which knows every spelling of a registry key.
  const tokenKey = keys.find((key) => config.auths?.[key]?.identitytoken);
  if (tokenKey) return { identityToken: config.auths?.[tokenKey]?.identitytoken, source: `${path} auths[${tokenKey}]` };
  const found = config.auths ? credentialsFor({ auths: config.auths }, registry === 'index.docker.io' ? 'docker.io' : registry) : undefined;
  if (found) return { username: found.username, password: found.password, source: `${path} auths` };
  if (config.credsStore) return credentialHelperGet(config.credsStore, keys[0], env);
  return undefined;
}
