import { globMatches } from './globs';

/**
 * Which image references admission treats as the customer's own. Kyverno matches globs against
 * the image string exactly as the pod spec writes it, and a Docker Hub image has several
 * spellings that all pull the same repository: `docker.io/acme/app:1.2`, `index.docker.io/acme/app:1.2`
 * and `acme/app:1.2`; for official images also `docker.io/library/redis:7`, `library/redis:7`,
 * `redis:7` and `docker.io/redis:7`. A glob written in one spelling would miss the others, so
 * every Docker Hub glob is widened here to all of them. The customer model, and through it every
 * policy, reads this function, and so does the customer-file check that the globs cover the image.
 */

const DOCKER_HUB_HOSTS: readonly string[] = ['docker.io', 'index.docker.io'];
const WILDCARD = /[*?]/;

/** The repository name of a reference without its tag or digest (`redis:7` → `redis`). */
function nameOf(reference: string): string {
  return reference.split(/[:@]/)[0];
}

/**
 * Every spelling of one Docker Hub reference or glob; any other reference comes back alone.
 * A glob whose Docker Hub namespace (or official image name) holds a wildcard is not widened to
 * a short form: `docker.io/*` shortened to `*` would admit every registry.
 */
export function dockerHubSpellings(reference: string): string[] {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? undefined : reference.slice(0, slash);
  let path: string;
  if (first !== undefined && DOCKER_HUB_HOSTS.includes(first)) path = reference.slice(slash + 1);
  else if (first === undefined || /[.:]/.test(first) || first === 'localhost') {
    // A bare name (`redis:7`) is an official image; anything else with a host is another registry.
    if (first !== undefined || WILDCARD.test(nameOf(reference))) return [reference];
    path = reference;
  } else path = reference;
  if (!path.includes('/')) {
    if (WILDCARD.test(nameOf(path))) return [reference];
    path = `library/${path}`;
  }
  const namespace = path.slice(0, path.indexOf('/'));
  if (WILDCARD.test(namespace)) return [reference];
  const spellings = [`docker.io/${path}`, `index.docker.io/${path}`, path];
  const official = namespace === 'library' ? path.slice('library/'.length) : undefined;
  if (official !== undefined && !official.includes('/') && !WILDCARD.test(nameOf(official))) {
    spellings.push(official, `docker.io/${official}`, `index.docker.io/${official}`);
  }
  return spellings;
}

/** The globs the policies use: each given glob in every spelling that pulls the same images, without repeats. */
export function admittedImageReferences(globs: readonly string[]): string[] {
  return [...new Set(globs.flatMap(dockerHubSpellings))];
}

/** Image reference globs that match the customer's own repository, by tag or by digest, in every spelling. */
export function defaultImageReferences(image: string): string[] {
  return admittedImageReferences([`${image}:*`, `${image}@*`]);
}

/** A tag as the release workflow pushes it (`${{ github.sha }}`), to test globs against. */
export const EXAMPLE_RELEASE_TAG = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** A digest, to test globs against digest-pinned pod images. */
export const EXAMPLE_DIGEST = `sha256:${'0'.repeat(64)}`;

/**
 * The references of a released image that no admitted glob matches, as shown in messages
 * (`<image>:<commit sha>`, `<image>@sha256:<digest>`): the image by the tag the workflow pushes
 * and by digest. Empty when the globs cover the image.
 */
export function uncoveredReleaseReferences(image: string, globs: readonly string[]): string[] {
  const admitted = admittedImageReferences(globs);
  const covered = (reference: string) => admitted.some((glob) => globMatches(glob, reference));
  return [
    { reference: `${image}:${EXAMPLE_RELEASE_TAG}`, shown: `${image}:<commit sha>` },
    { reference: `${image}@${EXAMPLE_DIGEST}`, shown: `${image}@sha256:<digest>` },
  ]
    .filter(({ reference }) => !covered(reference))
    .map(({ shown }) => shown);
}
