import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import type { SignatureFormat } from '../contract/engines';
import { PREDICATE_TYPES } from '../contract/identity';
import { type CertificateFacts, type ExpectedIdentity, type IdentityMismatch, certificateFacts, identityMismatches } from './certificate-identity';
import { type CosignOptions, type CosignResult, type LegacyCheck, runCosign } from './cosign-legacy';
import { type SbomSummary, type ScanSummary, sbomSummary, scanSummary } from './predicates';
import { type ImageReference, digestReference, parseImageReference } from './reference';
import { type Descriptor, RegistryClient, RegistryError } from './registry-client';
import { type TrustOptions, trustMaterial } from './trust';

/** Predicate type cosign v3 gives the signature of an image (a DSSE statement about the digest). */
export const COSIGN_SIGNATURE_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const BUNDLE_ARTIFACT_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v0\.[0-9]+\+json|\+json)/;
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export type ArtifactKind = 'signature' | 'sbom' | 'vuln' | 'other';

/** One signature or attestation found for the digest, and what verifying it established. */
export interface VerifiedArtifact {
  readonly kind: ArtifactKind;
  readonly format: SignatureFormat;
  /** Where it lives: the referrer manifest digest, or the legacy tag and layer. */
  readonly location: string;
  /** The statement's predicate type (attestations). */
  readonly predicateType?: string;
  /**
   * True only when the signature chains to the trusted root (with the transparency-log and
   * timestamp checks the trust options demand), covers this digest, and the certificate is the
   * expected identity.
   */
  readonly verified: boolean;
  /** Why it is not verified. */
  readonly problem?: string;
  /** What the certificate says, read even when unverified (shown as "claims", never trusted). */
  readonly certificate?: CertificateFacts;
  readonly mismatches: readonly IdentityMismatch[];
  /** Rekor integrated time (RFC 3339), where the artifact carries a transparency-log entry. */
  readonly integratedTime?: string;
  /** RFC 3161 signing time (RFC 3339), where the artifact carries a signed timestamp. */
  readonly signedTimestamp?: string;
  /** The predicate, for verified attestations only. */
  readonly predicate?: unknown;
  readonly sbom?: SbomSummary;
  readonly scan?: ScanSummary;
}

export interface ImageVerification {
  readonly reference: ImageReference;
  /** The digest every statement is about. */
  readonly digest: string;
  /** `registry/repository@digest`. */
  readonly digestReference: string;
  /** The tag the digest was resolved from, when a tag was given. */
  readonly resolvedFromTag?: string;
  readonly mediaType: string;
  /** How the referrers were found (`api`: OCI 1.1 endpoint, `tag`: fallback tag, `none`). */
  readonly referrersVia: 'api' | 'tag' | 'none';
  readonly signatures: readonly VerifiedArtifact[];
  readonly attestations: { readonly sbom: readonly VerifiedArtifact[]; readonly vuln: readonly VerifiedArtifact[]; readonly other: readonly VerifiedArtifact[] };
  /** Problems that did not stop the walk but leave a format unverified (e.g. cosign missing). */
  readonly errors: readonly string[];
  /**
   * Formats whose artifacts exist but could not be checked at all (legacy without cosign): a
   * verdict that depends on them must be "could not verify", never "refused" or "admitted".
   */
  readonly uncheckedFormats: readonly SignatureFormat[];
}

export interface VerifyImageOptions {
  readonly trust?: TrustOptions;
  /** Options for the cosign CLI (legacy format). */
  readonly cosign?: CosignOptions;
  /** Registry client (credentials from the Docker config by default). */
  readonly registry?: RegistryClient;
  /**
   * Formats to walk and verify. @default both ('sigstore-bundle' and 'legacy')
   */
  readonly formats?: readonly SignatureFormat[];
}

function kindOf(predicateType: string | undefined): ArtifactKind {
  if (predicateType === COSIGN_SIGNATURE_PREDICATE_TYPE) return 'signature';
  if (predicateType === PREDICATE_TYPES.sbom) return 'sbom';
  if (predicateType === PREDICATE_TYPES.vulnerabilityScan) return 'vuln';
  return 'other';
}

function summaries(kind: ArtifactKind, predicate: unknown): Pick<VerifiedArtifact, 'sbom' | 'scan'> {
  if (kind === 'sbom') return { sbom: sbomSummary(predicate) };
  if (kind === 'vuln') return { scan: scanSummary(predicate) };
  return {};
}

function bundleCertificate(bundle: Bundle): X509Certificate | undefined {
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'certificate') return X509Certificate.parse(Buffer.from(content.certificate.rawBytes));
  if (content.$case === 'x509CertificateChain') {
    const leaf = content.x509CertificateChain.certificates[0];
    return leaf ? X509Certificate.parse(Buffer.from(leaf.rawBytes)) : undefined;
  }
  return undefined;
}

function bundleTimes(bundle: Bundle): Pick<VerifiedArtifact, 'integratedTime' | 'signedTimestamp'> {
  const integrated = bundle.verificationMaterial.tlogEntries.map((entry) => Number(entry.integratedTime)).find((seconds) => seconds > 0);
  let signedTimestamp: string | undefined;
  const rfc3161 = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.[0];
  if (rfc3161) {
    try {
      signedTimestamp = RFC3161Timestamp.parse(Buffer.from(rfc3161.signedTimestamp)).signingTime.toISOString();
    } catch {
      signedTimestamp = undefined;
    }
  }
  return { integratedTime: integrated ? new Date(integrated * 1000).toISOString() : undefined, signedTimestamp };
}

interface Statement {
  readonly predicateType?: string;
  readonly subject?: { digest?: Record<string, string> }[];
  readonly predicate?: unknown;
}

function decodeStatement(payloadType: string, payload: Buffer): Statement {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new Error(`payload type ${payloadType} is not an in-toto statement`);
  return JSON.parse(payload.toString('utf8')) as Statement;
}

function coversDigest(statement: Statement, digest: string): boolean {
  const hex = digest.replace(/^sha256:/, '');
  return (statement.subject ?? []).some((subject) => subject.digest?.sha256 === hex);
}

/** Verifies one Sigstore bundle (cosign v3, an OCI 1.1 referrer) with sigstore-js. */
async function verifyBundleArtifact(
  client: RegistryClient,
  reference: ImageReference,
  digest: string,
  descriptor: Descriptor,
  identity: ExpectedIdentity,
  trust: TrustOptions,
): Promise<VerifiedArtifact> {
  const location = `referrer ${descriptor.digest}`;
  const fetched = await client.manifest(reference.registry, reference.repository, descriptor.digest);
  const annotations = { ...descriptor.annotations, ...fetched?.manifest.annotations };
  const claimedType = annotations['dev.sigstore.bundle.predicateType'];
  const base = { format: 'sigstore-bundle' as const, location, mismatches: [] };
  const layer = fetched?.manifest.layers?.find((candidate) => BUNDLE_ARTIFACT_TYPE.test(candidate.mediaType)) ?? fetched?.manifest.layers?.[0];
  if (!layer) return { ...base, kind: kindOf(claimedType), predicateType: claimedType, verified: false, problem: 'the referrer has no bundle layer' };
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(JSON.parse((await client.blob(reference.registry, reference.repository, layer.digest)).toString('utf8')));
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    return { ...base, kind: kindOf(claimedType), predicateType: claimedType, verified: false, problem: `not a Sigstore bundle: ${(error as Error).message}` };
  }
  const certificate = bundleCertificate(bundle);
  const facts = certificate ? certificateFacts(certificate) : undefined;
  const times = bundleTimes(bundle);
  if (bundle.content.$case !== 'dsseEnvelope') {
    return { ...base, ...times, kind: kindOf(claimedType), predicateType: claimedType, certificate: facts, verified: false, problem: 'a message-signature bundle: cosign v3 signs images with DSSE statements about the digest' };
  }
  let statement: Statement;
  try {
    statement = decodeStatement(bundle.content.dsseEnvelope.payloadType, bundle.content.dsseEnvelope.payload);
  } catch (error) {
    return { ...base, ...times, kind: kindOf(claimedType), predicateType: claimedType, certificate: facts, verified: false, problem: (error as Error).message };
  }
  // The kind comes from the signed statement, never from the unsigned manifest annotation.
  const kind = kindOf(statement.predicateType);
  const described = { ...base, ...times, kind, predicateType: statement.predicateType, certificate: facts };
  if (!certificate || !facts) return { ...described, verified: false, problem: 'signed with a key, not a keyless certificate of the signing identity' };
  try {
    const verifier = new Verifier(await trustMaterial(trust), {
      tlogThreshold: trust.insecureIgnoreTlog ? 0 : 1,
      ctlogThreshold: trust.insecureIgnoreSct ? 0 : 1,
      timestampThreshold: 1,
    });
    verifier.verify(toSignedEntity(bundle));
  } catch (error) {
    return { ...described, verified: false, problem: `signature does not verify: ${(error as Error).message}` };
  }
  if (!coversDigest(statement, digest)) return { ...described, verified: false, problem: `the signed statement is about another digest, not ${digest}` };
  const mismatches = identityMismatches(facts, identity);
  if (mismatches.length > 0) return { ...described, mismatches, verified: false, problem: 'signed by another identity' };
  return { ...described, verified: true, predicate: kind === 'signature' ? undefined : statement.predicate, ...summaries(kind, statement.predicate) };
}

interface LegacyLayer {
  readonly kind: ArtifactKind;
  readonly location: string;
  readonly predicateType?: string;
  readonly certificate?: CertificateFacts;
  readonly integratedTime?: string;
  /** The DSSE payload (attestations), to match cosign's verified envelopes. */
  readonly payload?: string;
}

function rekorTime(annotation: string | undefined): string | undefined {
  if (!annotation) return undefined;
  try {
    const seconds = Number((JSON.parse(annotation) as { Payload?: { integratedTime?: number } }).Payload?.integratedTime);
    return seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

function certificateFromAnnotation(pem: string | undefined): CertificateFacts | undefined {
  if (!pem) return undefined;
  try {
    return certificateFacts(pem);
  } catch {
    return undefined;
  }
}

/** The layers of the legacy `.sig` and `.att` tags of the digest (unverified claims). */
async function legacyLayers(client: RegistryClient, reference: ImageReference, digest: string): Promise<LegacyLayer[]> {
  const layers: LegacyLayer[] = [];
  const base = digest.replace(':', '-');
  const signatures = await client.manifest(reference.registry, reference.repository, `${base}.sig`);
  (signatures?.manifest.layers ?? []).forEach((layer, index) => {
    layers.push({
      kind: 'signature',
      location: `tag ${base}.sig layer ${index}`,
      certificate: certificateFromAnnotation(layer.annotations?.['dev.sigstore.cosign/certificate']),
      integratedTime: rekorTime(layer.annotations?.['dev.sigstore.cosign/bundle']),
    });
  });
  const attestations = await client.manifest(reference.registry, reference.repository, `${base}.att`);
  for (const [index, layer] of (attestations?.manifest.layers ?? []).entries()) {
    let payload: string | undefined;
    let predicateType = layer.annotations?.predicateType;
    try {
      const envelope = JSON.parse((await client.blob(reference.registry, reference.repository, layer.digest)).toString('utf8')) as { payload?: string };
      payload = envelope.payload;
      if (payload) predicateType = decodeStatement(IN_TOTO_PAYLOAD_TYPE, Buffer.from(payload, 'base64')).predicateType ?? predicateType;
    } catch (error) {
      if (error instanceof RegistryError) throw error;
    }
    layers.push({
      kind: kindOf(predicateType),
      location: `tag ${base}.att layer ${index}`,
      predicateType,
      certificate: certificateFromAnnotation(layer.annotations?.['dev.sigstore.cosign/certificate']),
      integratedTime: rekorTime(layer.annotations?.['dev.sigstore.cosign/bundle']),
      payload,
    });
  }
  return layers;
}

/**
 * Verifies the legacy layers with cosign, one call per kind present. A signature layer counts as
 * verified when cosign accepted the `.sig` set for the identity and its own certificate is that
 * identity (cosign reports the set, not the layer); an attestation layer when cosign returned its
 * envelope among the verified ones.
 */
async function verifyLegacy(
  layers: readonly LegacyLayer[],
  reference: string,
  identity: ExpectedIdentity,
  trust: TrustOptions,
  cosign: CosignOptions | undefined,
  errors: string[],
  unchecked: SignatureFormat[],
): Promise<VerifiedArtifact[]> {
  const checks: LegacyCheck[] = [];
  if (layers.some((layer) => layer.kind === 'signature')) checks.push('signature');
  if (layers.some((layer) => layer.kind === 'sbom')) checks.push('sbom');
  if (layers.some((layer) => layer.kind === 'vuln')) checks.push('vulnerabilityScan');
  const results = new Map<LegacyCheck, CosignResult>();
  await Promise.all(checks.map(async (check) => results.set(check, await runCosign(check, reference, identity, trust, cosign))));
  for (const result of results.values()) if (result.unavailable && result.error && !errors.includes(result.error)) errors.push(result.error);
  if ([...results.values()].some((result) => result.unavailable)) unchecked.push('legacy');
  return layers.map((layer) => {
    const check: LegacyCheck | undefined = layer.kind === 'signature' ? 'signature' : layer.kind === 'sbom' ? 'sbom' : layer.kind === 'vuln' ? 'vulnerabilityScan' : undefined;
    const result = check ? results.get(check) : undefined;
    const mismatches = layer.certificate ? identityMismatches(layer.certificate, identity) : [];
    const described = { kind: layer.kind, format: 'legacy' as const, location: layer.location, predicateType: layer.predicateType, certificate: layer.certificate, integratedTime: layer.integratedTime, mismatches };
    if (!result) return { ...described, verified: false, problem: 'not an artifact this verifier checks' };
    if (!result.ok) return { ...described, verified: false, problem: mismatches.length > 0 ? 'signed by another identity' : `cosign: ${result.error}` };
    if (mismatches.length > 0 || !layer.certificate) return { ...described, verified: false, problem: layer.certificate ? 'signed by another identity' : 'no certificate' };
    if (layer.kind === 'signature') return { ...described, verified: true };
    const envelope = result.verified.find((candidate) => candidate.payload === layer.payload);
    if (!envelope || !layer.payload) return { ...described, verified: false, problem: 'cosign did not verify this attestation' };
    const statement = decodeStatement(IN_TOTO_PAYLOAD_TYPE, Buffer.from(layer.payload, 'base64'));
    return { ...described, verified: true, predicate: statement.predicate, ...summaries(layer.kind, statement.predicate) };
  });
}

/**
 * Resolves the reference to a digest, walks its OCI 1.1 referrers (endpoint or fallback tag) and
 * its legacy cosign tags, and verifies every signature and attestation against `identity`.
 * Throws RegistryError when the image itself cannot be read (unreachable, authentication, no such
 * image): the caller must then say "could not inspect", never "admitted". Per-artifact problems
 * are in each artifact's `problem`, format-wide ones in `errors`.
 */
export async function verifyImage(ref: string | ImageReference, identity: ExpectedIdentity, options: VerifyImageOptions = {}): Promise<ImageVerification> {
  const reference = typeof ref === 'string' ? parseImageReference(ref) : ref;
  const client = options.registry ?? new RegistryClient();
  const trust = options.trust ?? {};
  const formats = options.formats ?? ['sigstore-bundle', 'legacy'];
  const target = reference.digest ?? reference.tag ?? 'latest';
  const image = await client.manifest(reference.registry, reference.repository, target);
  if (!image) {
    throw new RegistryError('protocol', `${reference.registry}/${reference.repository} has no ${reference.digest ? `manifest ${reference.digest}` : `tag ${target}`}`);
  }
  const digest = image.digest;
  const byDigest = digestReference(reference, digest);
  const errors: string[] = [];
  const unchecked: SignatureFormat[] = [];
  const artifacts: VerifiedArtifact[] = [];
  let referrersVia: ImageVerification['referrersVia'] = 'none';
  if (formats.includes('sigstore-bundle')) {
    const referrers = await client.referrers(reference.registry, reference.repository, digest);
    referrersVia = referrers.via;
    const bundles = referrers.descriptors.filter((descriptor) => BUNDLE_ARTIFACT_TYPE.test(descriptor.artifactType ?? ''));
    artifacts.push(...(await Promise.all(bundles.map((descriptor) => verifyBundleArtifact(client, reference, digest, descriptor, identity, trust)))));
  }
  if (formats.includes('legacy')) {
    const layers = await legacyLayers(client, reference, digest);
    artifacts.push(...(await verifyLegacy(layers, byDigest, identity, trust, options.cosign, errors, unchecked)));
  }
  return {
    reference,
    digest,
    digestReference: byDigest,
    resolvedFromTag: reference.digest ? undefined : target,
    mediaType: image.mediaType,
    referrersVia,
    signatures: artifacts.filter((artifact) => artifact.kind === 'signature'),
    attestations: {
      sbom: artifacts.filter((artifact) => artifact.kind === 'sbom'),
      vuln: artifacts.filter((artifact) => artifact.kind === 'vuln'),
      other: artifacts.filter((artifact) => artifact.kind === 'other'),
    },
    errors,
    uncheckedFormats: unchecked,
  };
}
