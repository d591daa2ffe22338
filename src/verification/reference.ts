/**
 * Image references as registries and `docker pull` read them: `[host[:port]/]path[:tag][@digest]`.
 * Docker Hub references are normalised the way the Docker CLI and go-containerregistry do
 * (`redis` → `index.docker.io/library/redis`), so credentials and endpoints are found the same way.
 */

export interface ImageReference {
  /** Registry host as written in credentials (`ghcr.io`, `127.0.0.1:5000`, `index.docker.io`). */
  readonly registry: string;
  /** Repository path inside the registry (`acme/services`, `library/redis`). */
  readonly repository: string;
  /** Tag, when the reference carries one. */
  readonly tag?: string;
  /** `sha256:<64 hex>`, when the reference carries one. */
  readonly digest?: string;
  /** The reference exactly as given. */
  readonly original: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOCKER_HUB = 'index.docker.io';

/** Thrown for a reference that is not an image reference; the CLI turns it into a usage error. */
export class ImageReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageReferenceError';
  }
}

export function parseImageReference(text: string): ImageReference {
  const original = text;
  let rest = text.trim();
  if (rest === '') throw new ImageReferenceError('the image reference is empty; give IMAGE[:TAG|@sha256:DIGEST]');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageReferenceError(`"${digest}" is not a digest; write @sha256:<64 lower-case hex digits>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageReferenceError(`"${tag}" is not a tag (letters, digits, "_", "." and "-", at most 128)`);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? undefined : rest.slice(0, slash);
  let registry: string;
  let repository: string;
  if (first !== undefined && (/[.:]/.test(first) || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  } else {
    registry = DOCKER_HUB;
    repository = rest;
  }
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || !repository.split('/').every((component) => PATH_COMPONENT.test(component))) {
    throw new ImageReferenceError(`"${original}" has no valid repository path; repositories are lower-case, e.g. ghcr.io/acme/services`);
  }
  return { registry, repository, tag, digest, original };
}

/** `registry/repository`, the name policies and verifiers print. */
export function repositoryName(reference: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${reference.registry}/${reference.repository}`;
}

/** `registry/repository@digest`. */
export function digestReference(reference: Pick<ImageReference, 'registry' | 'repository'>, digest: string): string {
  return `${repositoryName(reference)}@${digest}`;
}

/** Whether a registry is reached over plain HTTP: loopback only, as go-containerregistry (cosign, crane, Kyverno) does. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
}
