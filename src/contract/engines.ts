/**
 * The admission engines the bundle can write policies for, as data: the name a customer file
 * gives, what the engine needs and what it implies for the rest of the supply chain. The
 * customer schema's `admission.engine` enum is derived from these keys, and
 * `src/admission/engines/` must implement an `AdmissionEngine` for each (the compiler lists
 * what a new entry lacks). Adding an engine: an entry here, one file there.
 */

/**
 * How signatures and attestations are stored in the registry.
 * - `sigstore-bundle`: cosign v3's default, protobuf Sigstore bundles stored as OCI 1.1 referrers.
 * - `legacy`: the `sha256-<digest>.sig` / `.att` tags.
 */
export type SignatureFormat = 'sigstore-bundle' | 'legacy';

/** What is known about an engine without rendering anything. */
export interface AdmissionEngineDescriptor {
  /** The signature format its verifier reads; the release workflow signs in it. */
  readonly signatureFormat: SignatureFormat;
  /** The oldest Kyverno release that serves the engine's policy kinds. */
  readonly minimumKyverno: string;
  /** API groups of the objects the engine renders (policies, exceptions). */
  readonly apiGroups: readonly string[];
  /** One line for error messages and docs: when to choose it. */
  readonly summary: string;
}

export const ADMISSION_ENGINE_DESCRIPTORS = {
  /**
   * Kyverno's CEL ImageValidatingPolicy (rules 1 to 3) and ValidatingPolicy (rule 4). Its verifier
   * reads Sigstore bundles.
   */
  ImageValidatingPolicy: {
    signatureFormat: 'sigstore-bundle',
    minimumKyverno: '1.17',
    apiGroups: ['policies.kyverno.io'],
    summary: 'ImageValidatingPolicy (Kyverno 1.17 or later)',
  },
  /**
   * The legacy ClusterPolicy `verifyImages` and `validate` rules. Its `type: Cosign` verifier
   * reads only legacy `.sig`/`.att` tags (its `SigstoreBundle` type ignores custom roots and
   * extensions).
   */
  ClusterPolicy: {
    signatureFormat: 'legacy',
    minimumKyverno: '1.10',
    apiGroups: ['kyverno.io'],
    summary: 'ClusterPolicy (older Kyverno)',
  },
} as const satisfies Record<string, AdmissionEngineDescriptor>;

/** Name of an admission engine, as `admission.engine` in a customer file. */
export type AdmissionEngineName = keyof typeof ADMISSION_ENGINE_DESCRIPTORS;

/** Every engine name, the default first. */
export const ADMISSION_ENGINE_NAMES = Object.keys(ADMISSION_ENGINE_DESCRIPTORS) as [AdmissionEngineName, ...AdmissionEngineName[]];

/** The engine a customer file gets when it names none. */
export const DEFAULT_ADMISSION_ENGINE: AdmissionEngineName = 'ImageValidatingPolicy';

/** The signature format of an engine; the workflow and the policy both call this. */
export function signatureFormatOf(engine: AdmissionEngineName): SignatureFormat {
  return ADMISSION_ENGINE_DESCRIPTORS[engine].signatureFormat;
}
