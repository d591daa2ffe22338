/**
 * Package drift: what runs compared with what was attested, by package identity (purl without
 * version). Pure.
 */
import type { PackageSet } from './packages';

export type DriftKind = 'added' | 'removed' | 'changed';
export const DRIFT_KINDS: readonly DriftKind[] = ['added', 'removed', 'changed'];

export interface PackageChange {
  readonly kind: DriftKind;
  /** Package identity: the purl without version (and without qualifiers other than `arch`). */
  readonly package: string;
  /** Versions in the attested SBOM (empty when added). */
  readonly attested: readonly string[];
  /** Versions found in the running container (empty when removed). */
  readonly running: readonly string[];
}

export interface PackageDrift {
  /** Sorted by package identity. */
  readonly changes: readonly PackageChange[];
  readonly counts: Readonly<Record<DriftKind, number>>;
}

const sameVersions = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((version, index) => version === b[index]);

/** Added: running only; removed: attested only; changed: both, with another set of versions. */
export function diffPackages(attested: PackageSet, running: PackageSet): PackageDrift {
  const identities = [...new Set([...attested.packages.keys(), ...running.packages.keys()])].sort();
  const changes: PackageChange[] = [];
  for (const identity of identities) {
    const before = attested.packages.get(identity);
    const now = running.packages.get(identity);
    if (before && now) {
      if (!sameVersions(before, now)) changes.push({ kind: 'changed', package: identity, attested: before, running: now });
    } else if (now) changes.push({ kind: 'added', package: identity, attested: [], running: now });
    else if (before) changes.push({ kind: 'removed', package: identity, attested: before, running: [] });
  }
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const change of changes) counts[change.kind] += 1;
  return { changes, counts };
}
