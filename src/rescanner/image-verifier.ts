/**
 * Signature and attestation verification of a running digest against the customer's identity,
 * the source of the coverage figure (`scb_image_signature_verified`,
 * `scb_image_attestations_verified`) and of the build-time fallbacks (signature time,
 * `scanFinishedOn`, SBOM timestamp). The implementation is the shared verification module that
 * `scb inspect` uses; the rescanner only depends on this interface.
 */
import type { RegistryCredentials } from './credentials';

export interface ImageVerification {
  /** The signature verified against the customer's identity. */
  readonly signature: boolean;
  /** Every attestation the customer's policies require verified against the same identity. */
  readonly attestations: boolean;
  /** Signature time (Rekor integrated time or signed timestamp), seconds since the epoch. */
  readonly signatureTimeSeconds?: number;
  /** `scanFinishedOn` of the vulnerability attestation. */
  readonly attestationTimeSeconds?: number;
  /** `metadata.timestamp` of the SBOM attestation. */
  readonly sbomTimeSeconds?: number;
  /** Why verification failed, for the log (never a secret). */
  readonly detail?: string;
}

export interface ImageVerifier {
  /** Verifies `ref` (`repository@sha256:…`); throws only when verification could not run at all. */
  verify(ref: string, credentials: RegistryCredentials | undefined, signal: AbortSignal): Promise<ImageVerification>;
}
