/**
 * Test overlay: makes a generated policy verifiable offline by Kyverno's own CLI against a test
 * CA or test key, without touching anything else (REFERENCE §7). The conformance harness signs
 * images with its own CA/key and applies `withTestTrustRoots(policy, …)` to the synthesized
 * policy; a test asserts that the overlay changes nothing but the trust settings.
 *
 * What each engine swaps, and which roots it refuses, is its own `trustTestRoots`
 * (src/admission/engines/). A policy of a kind no engine renders is returned unchanged.
 *
 * Works on the plain JSON of a policy (`ApiObject.toJson()` or a parsed YAML document).
 */
import { engineForPolicyKind, type PolicyJson, type TestTrustRoots } from './engines';

export type { TestTrustRoots };

function isObject(value: unknown): value is PolicyJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a deep copy of `policy` trusting the test CA or key instead of the public Sigstore instance. */
export function withTestTrustRoots<T>(policy: T, roots: TestTrustRoots): T {
  const copy = structuredClone(policy) as unknown;
  if (!isObject(copy)) throw new Error('withTestTrustRoots: expected a policy object');
  engineForPolicyKind(copy.kind)?.trustTestRoots(copy, roots);
  return copy as T;
}
