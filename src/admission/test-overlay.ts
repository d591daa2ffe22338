/**
 * Test overlay: makes a generated policy verifiable offline by Kyverno's own CLI against a test
 * CA or test key, without touching anything else (REFERENCE §7). The conformance harness signs
 * images with its own CA/key and applies `withTestTrustRoots(policy, …)` to the synthesized
 * policy; a test asserts that the overlay changes nothing but the trust settings.
 *
 * - ClusterPolicy + `{ rootsPem }`: every keyless attestor keeps issuer, subject and extensions,
 *   and gets `roots` = the test CA, `rekor.ignoreTlog: true`, `ctlog: {ignoreSCT: true}`
 *   (legacy-format signatures then verify with no network). `rekor.url` stays: Kyverno's policy
 *   validation refuses a `rekor` block without a URL ("An URL is required"), even when ignored.
 * - ClusterPolicy + `{ publicKeyPem }`: every keyless attestor becomes a key attestor
 *   (`keys.publicKeys`, tlog and SCT ignored).
 * - ImageValidatingPolicy + `{ publicKeyPem }`: the `github-actions` attestor's keyless block
 *   becomes `cosign.key.data` with `ctlog.insecureIgnoreTlog/insecureIgnoreSCT`. The IVP keyless
 *   verifier always initialises TUF and ignores `keyless.roots`, so `{ rootsPem }` is refused
 *   for it.
 * - ImageValidatingPolicy + `{ tufMirror, tufRootBase64 }`: every keyless attestor KEEPS its
 *   identities (issuer, subjectRegExp) and gets `tuf` = a test TUF repository whose
 *   trusted_root.json names the test CA (and a test timestamp authority), plus
 *   `ctlog.insecureIgnoreTlog/insecureIgnoreSCT`. The keyless identity is then checked for real.
 * - Anything else (ValidatingPolicy, rule 4) has no trust roots and is returned unchanged.
 *
 * Works on the plain JSON of a policy (`ApiObject.toJson()` or a parsed YAML document).
 */

export type TestTrustRoots =
  | { readonly rootsPem: string }
  | { readonly publicKeyPem: string }
  /** A test TUF repository: its URL and its `1.root.json`, base64 (`tuf.root.data`). */
  | { readonly tufMirror: string; readonly tufRootBase64: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` on every `verifyImages[].attestors[].entries[]` and `...attestations[].attestors[].entries[]` of a ClusterPolicy. */
function forEachLegacyAttestorEntry(policy: Json, visit: (entry: Json) => void): void {
  const spec = policy.spec as Json | undefined;
  for (const rule of (spec?.rules as Json[] | undefined) ?? []) {
    for (const verify of (rule.verifyImages as Json[] | undefined) ?? []) {
      const attestorSets = [
        ...((verify.attestors as Json[] | undefined) ?? []),
        ...((verify.attestations as Json[] | undefined) ?? []).flatMap((attestation) => (attestation.attestors as Json[] | undefined) ?? []),
      ];
      for (const set of attestorSets) for (const entry of (set.entries as Json[] | undefined) ?? []) visit(entry);
    }
  }
}

/** Returns a deep copy of `policy` trusting the test CA or key instead of the public Sigstore instance. */
export function withTestTrustRoots<T>(policy: T, roots: TestTrustRoots): T {
  const copy = structuredClone(policy) as unknown as Json;
  if (!isObject(copy)) throw new Error('withTestTrustRoots: expected a policy object');
  const kind = copy.kind;
  if (kind === 'ClusterPolicy') {
    if ('tufMirror' in roots) {
      throw new Error('withTestTrustRoots: a ClusterPolicy type Cosign attestor verifies legacy signatures against keyless.roots; pass { rootsPem }');
    }
    forEachLegacyAttestorEntry(copy, (entry) => {
      const keyless = entry.keyless as Json | undefined;
      if (!keyless) return;
      if ('rootsPem' in roots) {
        entry.keyless = { ...keyless, roots: roots.rootsPem, rekor: { ...(keyless.rekor as Json | undefined), ignoreTlog: true }, ctlog: { ignoreSCT: true } };
      } else {
        delete entry.keyless;
        entry.keys = { publicKeys: roots.publicKeyPem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } };
      }
    });
  } else if (kind === 'ImageValidatingPolicy') {
    if ('rootsPem' in roots) {
      throw new Error(
        'withTestTrustRoots: an ImageValidatingPolicy keyless attestor ignores keyless.roots and always initialises TUF; pass { publicKeyPem } and sign with the test key',
      );
    }
    const spec = copy.spec as Json;
    for (const attestor of (spec.attestors as Json[] | undefined) ?? []) {
      const cosign = attestor.cosign as Json | undefined;
      if (!cosign?.keyless) continue;
      cosign.ctlog = { insecureIgnoreTlog: true, insecureIgnoreSCT: true };
      if ('tufMirror' in roots) {
        cosign.tuf = { mirror: roots.tufMirror, root: { data: roots.tufRootBase64 } };
        continue;
      }
      delete cosign.keyless;
      cosign.key = { data: roots.publicKeyPem };
    }
  }
  return copy as unknown as T;
}
