/**
 * Packages of a CycloneDX document (syft's `cyclonedx-json`, the attested SBOM's format), keyed
 * by package identity: the purl without its version. Both sides of a drift comparison go through
 * this one function, so the attested SBOM and the running container's inventory are read alike.
 */

/** A package identity and the versions installed under it (several: npm nests, multi-arch dpkg). */
export interface PackageSet {
  /** identity (purl without version) → sorted, de-duplicated versions ('' when the purl has none). */
  readonly packages: ReadonlyMap<string, readonly string[]>;
  /** Components without a purl (files, the OS itself): not comparable, counted for the log. */
  readonly withoutPurl: number;
  /** Components left out because every location they were found at is an ignored path. */
  readonly ignored: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Qualifiers that tell two installed packages of one name apart; the rest (distro, upstream) describe them. */
const IDENTITY_QUALIFIERS: readonly string[] = ['arch'];

/**
 * `pkg:type/namespace/name@version?qualifiers#subpath` → `{identity, version}`. The identity
 * keeps type, namespace, name and the `arch` qualifier; the version, the other qualifiers and
 * the subpath are dropped. Undefined for a string that is not a purl.
 */
export function splitPurl(purl: string): { identity: string; version: string } | undefined {
  if (!purl.startsWith('pkg:')) return undefined;
  let rest = purl;
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  let qualifiers = '';
  const question = rest.indexOf('?');
  if (question !== -1) {
    qualifiers = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  // The version follows the last "@" after the last "/" (a namespace such as npm's "%40scope" is encoded).
  const lastSlash = rest.lastIndexOf('/');
  const at = rest.indexOf('@', lastSlash + 1);
  const version = at === -1 ? '' : decodeURIComponent(rest.slice(at + 1));
  const base = (at === -1 ? rest : rest.slice(0, at)).toLowerCase();
  const kept = qualifiers
    .split('&')
    .filter((pair) => IDENTITY_QUALIFIERS.includes(pair.split('=')[0] ?? ''))
    .sort();
  return { identity: kept.length > 0 ? `${base}?${kept.join('&')}` : base, version };
}

/** The file paths syft recorded for a component (`syft:location:N:path` properties). */
export function componentLocations(component: Json): string[] {
  const properties = Array.isArray(component.properties) ? component.properties : [];
  const out: string[] = [];
  for (const property of properties) {
    if (!isObject(property) || typeof property.name !== 'string' || typeof property.value !== 'string') continue;
    if (/^syft:location:\d+:path$/.test(property.name)) out.push(property.value);
  }
  return out;
}

/**
 * True when `path` (absolute, inside the container) is at or under one of `ignored`. Entries end
 * in "/" or not; "/tmp" ignores "/tmp" and "/tmp/x" but not "/tmpfoo".
 */
export function isIgnoredPath(path: string, ignored: readonly string[]): boolean {
  const normal = `/${path.replace(/^\/+/, '')}`;
  return ignored.some((entry) => {
    const prefix = `/${entry.replace(/^\/+/, '').replace(/\/+$/, '')}`;
    return prefix === '/' || normal === prefix || normal.startsWith(`${prefix}/`);
  });
}

/**
 * Reads a CycloneDX document (nested components included) into a {@link PackageSet}. A component
 * all of whose recorded locations are under `ignoredPaths` is left out; one without recorded
 * locations is kept. Throws when the document is not CycloneDX.
 */
export function packagesOf(bom: unknown, ignoredPaths: readonly string[] = []): PackageSet {
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new Error('not a CycloneDX document (bomFormat is not "CycloneDX")');
  const versions = new Map<string, Set<string>>();
  let withoutPurl = 0;
  let ignored = 0;
  const walk = (components: unknown): void => {
    if (!Array.isArray(components)) return;
    for (const component of components) {
      if (!isObject(component)) continue;
      walk(component.components);
      const purl = typeof component.purl === 'string' ? splitPurl(component.purl) : undefined;
      if (!purl) {
        withoutPurl += 1;
        continue;
      }
      const locations = componentLocations(component);
      if (locations.length > 0 && locations.every((location) => isIgnoredPath(location, ignoredPaths))) {
        ignored += 1;
        continue;
      }
      let set = versions.get(purl.identity);
      if (!set) versions.set(purl.identity, (set = new Set()));
      set.add(purl.version);
    }
  };
  walk(bom.components);
  const packages = new Map<string, readonly string[]>();
  for (const identity of [...versions.keys()].sort()) packages.set(identity, [...(versions.get(identity) ?? [])].sort());
  return { packages, withoutPurl, ignored };
}
