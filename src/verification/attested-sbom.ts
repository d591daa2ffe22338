/**
 * The attested CycloneDX SBOM of a digest, verified against the customer's identity: the same
 * walk and checks as `scb inspect` and the rescanner's coverage (verify-image.ts), narrowed to
 * the one question the SBOM drift agent asks. Anything short of a verified CycloneDX SBOM in the
 * customer's format is "unverifiable", with the reason; never an empty SBOM.
 */
import type { SignatureFormat } from '../contract/engines';
import type { ExpectedIdentity } from './certificate-identity';
import { RegistryError } from './registry-client';
import { verifyImage, type VerifyImageOptions, type VerifiedArtifact } from './verify-image';

/** Why no SBOM can be trusted for a digest. */
export type UnverifiableReason =
  /** No SBOM attestation in the customer's format. */
  | 'missing'
  /** SBOM attestations exist, none verifies against the identity (another signer, another digest, bad signature). */
  | 'unverified'
  /** The verified SBOM is not CycloneDX. */
  | 'not_cyclonedx'
  /** The registry could not be read (unreachable, authentication, no such image). */
  | 'registry'
  /** The format could not be checked at all (cosign missing for legacy). */
  | 'verifier_unavailable';

export type AttestedSbom =
  | { readonly status: 'verified'; readonly digest: string; readonly bom: unknown; readonly location: string }
  | { readonly status: 'unverifiable'; readonly reason: UnverifiableReason; readonly detail: string };

const describe = (artifact: VerifiedArtifact) => `${artifact.location}: ${artifact.problem ?? 'not verified'}${artifact.mismatches.length > 0 ? ` (${artifact.mismatches.map((m) => `${m.field} ${m.found ?? 'absent'}, expected ${m.expected}`).join('; ')})` : ''}`;

/**
 * Verifies `ref` (`registry/repository@sha256:…`) and returns its verified CycloneDX SBOM in
 * `format`. Never throws for a registry problem: that is `unverifiable` with reason `registry`.
 */
export async function attestedSbom(ref: string, identity: ExpectedIdentity, format: SignatureFormat, options: Omit<VerifyImageOptions, 'formats'> = {}): Promise<AttestedSbom> {
  let facts;
  try {
    facts = await verifyImage(ref, identity, { ...options, formats: [format] });
  } catch (error) {
    if (error instanceof RegistryError) return { status: 'unverifiable', reason: 'registry', detail: error.message.slice(0, 300) };
    throw error;
  }
  const sboms = facts.attestations.sbom.filter((artifact) => artifact.format === format);
  const verified = sboms.find((artifact) => artifact.verified && artifact.sbom?.bomFormat === 'CycloneDX');
  if (verified) return { status: 'verified', digest: facts.digest, bom: verified.predicate, location: verified.location };
  if (facts.uncheckedFormats.includes(format)) return { status: 'unverifiable', reason: 'verifier_unavailable', detail: facts.errors.join('; ').slice(0, 300) };
  if (sboms.some((artifact) => artifact.verified)) return { status: 'unverifiable', reason: 'not_cyclonedx', detail: 'the verified SBOM attestation is not a CycloneDX document' };
  if (sboms.length > 0) return { status: 'unverifiable', reason: 'unverified', detail: sboms.map(describe).join('; ').slice(0, 500) };
  return { status: 'unverifiable', reason: 'missing', detail: `no SBOM attestation in the ${format} format for ${facts.digest}` };
}
