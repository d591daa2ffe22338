import { X509Certificate } from '@sigstore/core';
import type { SigningIdentity } from '../contract/identity';

/**
 * What a Fulcio-shaped certificate says about the GitHub Actions run that signed, and the check
 * of those facts against the customer's signing identity (the identity contract of
 * src/contract/identity.ts, which the policies and the deploy gate read too).
 *
 * OIDs from Fulcio's docs/oid-info.md: 1.3.6.1.4.1.57264.1.1–.6 hold raw string bytes (legacy),
 * .8 and later a DER UTF8String. The newer OID wins where both exist.
 */

const FULCIO = '1.3.6.1.4.1.57264.1.';
const OIDS = {
  issuerV1: `${FULCIO}1`,
  triggerV1: `${FULCIO}2`,
  shaV1: `${FULCIO}3`,
  repositoryV1: `${FULCIO}5`,
  refV1: `${FULCIO}6`,
  issuer: `${FULCIO}8`,
  sourceRepositoryUri: `${FULCIO}12`,
  sourceRepositoryDigest: `${FULCIO}13`,
  sourceRepositoryRef: `${FULCIO}14`,
  sourceRepositoryIdentifier: `${FULCIO}15`,
  buildTrigger: `${FULCIO}20`,
} as const;

/** The identity a verifier demands: the model's signing identity, plus the repository ID where known. */
export type ExpectedIdentity = Pick<SigningIdentity, 'issuer' | 'subject' | 'trigger' | 'repository'> & {
  /**
   * GitHub's numeric repository ID (Fulcio OID .15): survives a rename that a name check would miss.
   * @default - not checked
   */
  readonly repositoryId?: string;
};

export interface CertificateFacts {
  /** SAN URI (the workflow file at its ref) or e-mail. */
  readonly subject?: string;
  readonly issuer?: string;
  /** Event that started the run (`push`, `pull_request`, ...). */
  readonly trigger?: string;
  /** `owner/repository` the run belonged to. */
  readonly repository?: string;
  readonly repositoryId?: string;
  /** Git ref the source was checked out at. */
  readonly ref?: string;
  /** Commit the source was checked out at. */
  readonly sha?: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface IdentityMismatch {
  readonly field: 'issuer' | 'subject' | 'trigger' | 'repository' | 'repositoryId';
  readonly expected: string;
  readonly found?: string;
}

/** An extension value: DER UTF8String (0x0c, short or long length) or raw bytes. */
function extensionText(certificate: X509Certificate, oid: string): string | undefined {
  const value = certificate.extension(oid)?.value;
  if (!value) return undefined;
  if (value[0] === 0x0c && value.length >= 2) {
    let length = value[1];
    let offset = 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i++) length = (length << 8) | value[2 + i];
      offset = 2 + bytes;
    }
    if (offset + length === value.length) return value.subarray(offset).toString('utf8');
  }
  return value.toString('utf8');
}

export function certificateFacts(certificate: X509Certificate | string | Buffer): CertificateFacts {
  const cert = certificate instanceof X509Certificate ? certificate : X509Certificate.parse(certificate as string);
  const sourceUri = extensionText(cert, OIDS.sourceRepositoryUri);
  return {
    subject: cert.subjectAltName,
    issuer: extensionText(cert, OIDS.issuer) ?? extensionText(cert, OIDS.issuerV1),
    trigger: extensionText(cert, OIDS.buildTrigger) ?? extensionText(cert, OIDS.triggerV1),
    repository: extensionText(cert, OIDS.repositoryV1) ?? sourceUri?.replace(/^https:\/\/github\.com\//, ''),
    repositoryId: extensionText(cert, OIDS.sourceRepositoryIdentifier),
    ref: extensionText(cert, OIDS.sourceRepositoryRef) ?? extensionText(cert, OIDS.refV1),
    sha: extensionText(cert, OIDS.sourceRepositoryDigest) ?? extensionText(cert, OIDS.shaV1),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}

/**
 * Every way the certificate differs from the expected identity (empty: it matches). The subject
 * is compared exactly, as `cosign --certificate-identity` and the anchored `subjectRegExp` of the
 * policies do; a repository ID is compared only when one is expected.
 */
export function identityMismatches(facts: Omit<CertificateFacts, 'notBefore' | 'notAfter'>, expected: ExpectedIdentity): IdentityMismatch[] {
  const mismatches: IdentityMismatch[] = [];
  const check = (field: IdentityMismatch['field'], want: string | undefined, found: string | undefined) => {
    if (want !== undefined && want !== found) mismatches.push({ field, expected: want, found });
  };
  check('issuer', expected.issuer, facts.issuer);
  check('subject', expected.subject, facts.subject);
  check('trigger', expected.trigger, facts.trigger);
  check('repository', expected.repository, facts.repository);
  check('repositoryId', expected.repositoryId, facts.repositoryId);
  return mismatches;
}
