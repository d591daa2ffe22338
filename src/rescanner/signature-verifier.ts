/**
 * {@link ImageVerifier} over the shared verification module (src/verification, also behind
 * `scb inspect`): sigstore-js for bundles, the cosign CLI for legacy `.sig`/`.att`. Only the
 * customer's own format counts, as at admission. Imports `verify-image` directly, not the module's
 * index, so the rescanner image does not load the customer model or zod.
 */
import type { ExpectedIdentity } from '../verification/certificate-identity';
import type { CosignOptions } from '../verification/cosign-legacy';
import { RegistryClient } from '../verification/registry-client';
import type { TrustOptions } from '../verification/trust';
import { verifyImage, type VerifiedArtifact } from '../verification/verify-image';
import type { SignatureFormat } from '../contract';
import { isoSeconds } from './build-time';
import type { RegistryCredentials } from './credentials';
import type { ImageVerification, ImageVerifier } from './image-verifier';

export interface SignatureVerifierOptions {
  /** The customer's signing identity (issuer, subject, trigger, repository). */
  readonly identity: ExpectedIdentity;
  /** The customer's signature format (`sigstore-bundle` on the IVP engine, `legacy` on ClusterPolicy). */
  readonly format: SignatureFormat;
  /** Trusted root. @default the public Sigstore instance through TUF */
  readonly trust?: TrustOptions;
  /** cosign for the legacy format. @default `cosign` on PATH */
  readonly cosign?: CosignOptions;
}

function earliest(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}

/** Signature time of a verified artifact: its Rekor integrated time, else its signed timestamp. */
function signedAt(artifact: VerifiedArtifact): number | undefined {
  return isoSeconds(artifact.integratedTime) ?? isoSeconds(artifact.signedTimestamp);
}

function sbomTimestamp(artifact: VerifiedArtifact): number | undefined {
  const metadata = (artifact.predicate as { metadata?: { timestamp?: unknown } } | undefined)?.metadata;
  return typeof metadata?.timestamp === 'string' ? isoSeconds(metadata.timestamp) : undefined;
}

export class SignatureVerifier implements ImageVerifier {
  constructor(private readonly options: SignatureVerifierOptions) {}

  async verify(ref: string, credentials: RegistryCredentials | undefined, _signal: AbortSignal): Promise<ImageVerification> {
    const registry = credentials
      ? new RegistryClient({ credentials: async (host) => (host === credentials.registry ? { username: credentials.username, password: credentials.password, source: 'rescanner pull secret or registry secret' } : undefined) })
      : undefined;
    const facts = await verifyImage(ref, this.options.identity, {
      formats: [this.options.format],
      ...(this.options.trust ? { trust: this.options.trust } : {}),
      ...(this.options.cosign ? { cosign: this.options.cosign } : {}),
      ...(registry ? { registry } : {}),
    });
    // A format that could not be checked at all (cosign missing) is "unknown", never "unsigned".
    if (facts.errors.length > 0 && !facts.signatures.some((a) => a.verified)) throw new Error(`verification could not run: ${facts.errors.join('; ').slice(0, 300)}`);
    const ok = (artifacts: readonly VerifiedArtifact[]) => artifacts.filter((a) => a.verified && a.format === this.options.format);
    const signatures = ok(facts.signatures);
    const sboms = ok(facts.attestations.sbom);
    const scans = ok(facts.attestations.vuln);
    // The earliest verified time is closest to the build: later re-attestations must not make an image look new.
    const signatureTimeSeconds = earliest(signatures.map(signedAt));
    const attestationTimeSeconds = earliest(scans.map((a) => isoSeconds(a.scan?.scanFinishedOn)));
    const sbomTimeSeconds = earliest(sboms.map(sbomTimestamp));
    const problems = [...facts.signatures, ...facts.attestations.sbom, ...facts.attestations.vuln].filter((a) => !a.verified).map((a) => `${a.kind}: ${a.problem ?? 'not verified'}`);
    return {
      signature: signatures.length > 0,
      attestations: sboms.length > 0 && scans.length > 0,
      ...(signatureTimeSeconds !== undefined ? { signatureTimeSeconds } : {}),
      ...(attestationTimeSeconds !== undefined ? { attestationTimeSeconds } : {}),
      ...(sbomTimeSeconds !== undefined ? { sbomTimeSeconds } : {}),
      ...(problems.length > 0 || facts.errors.length > 0 ? { detail: [...problems, ...facts.errors].join('; ').slice(0, 500) } : {}),
    };
  }
}
