import { type AllowlistExemption, allowlistExemptions, exemptionFor, isExpired } from '../admission/allowlist';
import type { Customer } from '../model/customer';
import { type EnforcementState, enforcementState } from '../model/enforcement';
import { globMatches } from '../model/globs';
import type { SignatureFormat } from '../contract/engines';
import { imageReferencePatterns, signatureFormat, signingIdentity } from '../contract/identity';
import type { ExpectedIdentity, IdentityMismatch } from './certificate-identity';
import type { ImageVerification, VerifiedArtifact } from './verify-image';
import { type ScanJudgement, type ScanRule, judgeScan } from './vulnerability-rule';

/**
 * The admission verdict over verified facts: pure (no registry, no clock of its own), shared by
 * `scb inspect` and the rescanner's per-digest coverage. It restates nothing: the identity,
 * signature format, image references, allowlist, scan limits and enforcement state come from the
 * model's contract functions that the policies and the deploy gate are generated from, and each
 * rule has the policies' semantics:
 * 1. a signature, in the customer's format, verified against the identity (issuer, exact subject =
 *    workflow on the release branch, trigger, repository);
 * 2. an SBOM attestation by the same identity whose predicate is a CycloneDX document;
 * 3. at least one scan attestation by the same identity, and EVERY verified one fresh and free of
 *    CRITICAL findings past the grace period (the ClusterPolicy and deploy-gate semantics; the
 *    ImageValidatingPolicy reads one of several, in an order that changes between runs);
 * 4. the image is one of the customer's references or an allowlisted digest (no side door).
 * Allowlisted digests skip rules 1–3, as the policies exclude them from the image selection.
 */

export type RuleId = 'signature' | 'sbom' | 'scan' | 'allowed';
export type RuleResult = 'pass' | 'fail' | 'skip';

export interface RuleVerdict {
  readonly rule: RuleId;
  readonly number: 1 | 2 | 3 | 4;
  readonly title: string;
  readonly result: RuleResult;
  /** What was found, one line. */
  readonly reason: string;
  /** One-line fix, for a failed rule. */
  readonly fix?: string;
}

/** Everything admission decides by, taken from the model in one place. */
export interface AdmissionPolicy {
  readonly identity: ExpectedIdentity;
  /** The format the customer's admission engine reads; artifacts in the other format do not count. */
  readonly format: SignatureFormat;
  readonly engine: string;
  readonly imageReferences: readonly string[];
  /** The customer's image repository (for fix lines). */
  readonly image: string;
  readonly branch: string;
  readonly workflowPath: string;
  readonly exemptions: readonly AllowlistExemption[];
  readonly scan: ScanRule;
  readonly enforcement: EnforcementState;
}

/**
 * The identity every verifier of this customer demands: the model's signing identity, plus the
 * GitHub repository ID when the customer file pins it (`github.repositoryId`).
 */
export function expectedIdentity(customer: Pick<Customer, 'github'>): ExpectedIdentity & ReturnType<typeof signingIdentity> {
  const repositoryId = customer.github.repositoryId;
  return { ...signingIdentity(customer), ...(repositoryId !== undefined ? { repositoryId: String(repositoryId) } : {}) };
}

export function admissionPolicy(customer: Customer, at: Date): AdmissionPolicy {
  const identity = expectedIdentity(customer);
  return {
    identity,
    format: signatureFormat(customer),
    engine: customer.admission.engine,
    imageReferences: imageReferencePatterns(customer),
    image: customer.image,
    branch: customer.github.branch,
    workflowPath: identity.workflowPath,
    exemptions: allowlistExemptions(customer, at),
    scan: { maxAge: customer.scan.maxAge, vulnerabilities: customer.vulnerabilities },
    enforcement: enforcementState(customer, at),
  };
}

export type Outcome = 'admitted' | 'admitted-with-warnings' | 'refused';

export interface Verdict {
  readonly digest: string;
  /** The allowlist entry that exempts the digest from rules 1–3. */
  readonly allowlisted?: AllowlistExemption;
  readonly rules: readonly RuleVerdict[];
  /** Scan judgement of each verified scan in the customer's format. */
  readonly scans: readonly ScanJudgement[];
  readonly enforcement: EnforcementState;
  /** At the clock: refused only when a rule fails while enforcing; warned in the soft period. */
  readonly outcome: Outcome;
  /** Once the policies enforce (after the flip, or already). */
  readonly afterFlip: 'admitted' | 'refused';
  /** The one-line fixes of the failed rules, in rule order. */
  readonly fixes: readonly string[];
}

const TITLES: Record<RuleId, string> = {
  signature: 'signature by the release workflow',
  sbom: 'CycloneDX SBOM attestation',
  scan: 'vulnerability scan attestation',
  allowed: 'no side door (own image or allowlisted)',
};
const NUMBERS: Record<RuleId, RuleVerdict['number']> = { signature: 1, sbom: 2, scan: 3, allowed: 4 };

function rule(id: RuleId, result: RuleResult, reason: string, fix?: string): RuleVerdict {
  return { rule: id, number: NUMBERS[id], title: TITLES[id], result, reason, ...(result === 'fail' && fix ? { fix } : {}) };
}

/** The fix for artifacts signed by someone else: the first identity field that differs says what to change. */
function identityFix(mismatches: readonly IdentityMismatch[], policy: AdmissionPolicy): string {
  const fields = new Set(mismatches.map((mismatch) => mismatch.field));
  if (fields.has('repository') || fields.has('repositoryId')) return `build and sign it in ${policy.identity.repository}`;
  if (fields.has('subject')) {
    const found = mismatches.find((mismatch) => mismatch.field === 'subject')?.found ?? '';
    if (found.includes(`/${policy.workflowPath}@`)) return `rebuild on \`${policy.branch}\``;
    return `sign with ${policy.workflowPath} on \`${policy.branch}\` (the release workflow)`;
  }
  if (fields.has('trigger')) return `rebuild from a ${policy.identity.trigger} to \`${policy.branch}\``;
  return `sign through GitHub Actions OIDC (${policy.identity.issuer})`;
}

function describeMismatches(mismatches: readonly IdentityMismatch[]): string {
  return mismatches.map((mismatch) => `${mismatch.field} ${mismatch.found ?? '(none)'}`).join(', ');
}

/** Rules 1–3 share this shape: a verified artifact of the kind in the customer's format, else why not. */
function artifactRule(
  id: RuleId,
  artifacts: readonly VerifiedArtifact[],
  policy: AdmissionPolicy,
  accept: (artifact: VerifiedArtifact) => string | undefined,
  missingFix: string,
): RuleVerdict {
  const inFormat = artifacts.filter((artifact) => artifact.format === policy.format);
  const verified = inFormat.filter((artifact) => artifact.verified);
  for (const artifact of verified) {
    const problem = accept(artifact);
    if (problem === undefined) return rule(id, 'pass', `verified (${artifact.format}, ${artifact.location})`);
  }
  if (verified.length > 0) return rule(id, 'fail', accept(verified[0]) ?? 'not accepted', missingFix);
  const other = inFormat.find((artifact) => artifact.mismatches.length > 0);
  if (other) return rule(id, 'fail', `signed by another identity: ${describeMismatches(other.mismatches)}`, identityFix(other.mismatches, policy));
  if (inFormat.length > 0) return rule(id, 'fail', `does not verify: ${inFormat[0].problem ?? 'unknown'}`, missingFix);
  const elsewhere = artifacts.find((artifact) => artifact.format !== policy.format);
  if (elsewhere) {
    return rule(id, 'fail', `only in the ${elsewhere.format} format, which the ${policy.engine} engine does not read`, `sign in the ${policy.format} format (the release workflow's cosign flags for ${policy.engine})`);
  }
  return rule(id, 'fail', 'none found', missingFix);
}

function referenceMatches(policy: AdmissionPolicy, references: readonly string[]): boolean {
  return references.some((reference) => policy.imageReferences.some((glob) => globMatches(glob, reference)));
}

/**
 * The verdict for `verification` under `policy`. The enforcement state is the policy's (rendered
 * at its clock, as synth renders policies); `at` is the clock the scan ages are judged at (the
 * live clock in a cluster; `scb inspect --at` uses one clock for both). Rule 4 passes when the
 * reference as given, or by digest, is one of the customer's.
 */
export function judgeImage(verification: ImageVerification, policy: AdmissionPolicy, at: Date): Verdict {
  const references = [verification.reference.original, verification.digestReference];
  const allowlisted = exemptionFor(policy.exemptions, verification.reference.original, verification.digest);
  // An expired entry stops exempting on a change (allowlist.ts): the policies still select the
  // image out of rules 1-3, and rule 4 refuses it.
  const expired = allowlisted !== undefined && isExpired(allowlisted, at);
  const own = referenceMatches(policy, references);
  const rules: RuleVerdict[] = [];
  const scans: ScanJudgement[] = [];
  if (allowlisted || !own) {
    const reason = allowlisted
      ? `allowlisted by ${allowlisted.kind} (owner ${allowlisted.entry.owner}: ${allowlisted.entry.reason})${expired ? `; the entry expired on ${allowlisted.expiresAt.slice(0, 10)}` : ''}`
      : 'not one of the customer\'s image references: not verified';
    for (const id of ['signature', 'sbom', 'scan'] as const) rules.push(rule(id, 'skip', reason));
  } else {
    rules.push(artifactRule('signature', verification.signatures, policy, () => undefined, `sign the digest in ${policy.workflowPath} on \`${policy.branch}\``));
    rules.push(
      artifactRule('sbom', verification.attestations.sbom, policy, (artifact) => (artifact.sbom?.bomFormat === 'CycloneDX' ? undefined : `the SBOM is not a CycloneDX document (bomFormat ${artifact.sbom?.bomFormat ?? 'missing'})`), 'attest the SBOM (cosign attest --type cyclonedx) in the release workflow'),
    );
    const verifiedScans = verification.attestations.vuln.filter((artifact) => artifact.format === policy.format && artifact.verified && artifact.scan);
    if (verifiedScans.length === 0) {
      rules.push(artifactRule('scan', verification.attestations.vuln, policy, () => undefined, 'attest the vulnerability scan (cosign attest --type vuln) in the release workflow'));
    } else {
      for (const artifact of verifiedScans) scans.push(judgeScan(artifact.scan!, policy.scan, at, verification.digestReference));
      const problems = scans.flatMap((judgement) => judgement.problems);
      if (problems.length === 0) {
        rules.push(rule('scan', 'pass', `${verifiedScans.length} verified scan${verifiedScans.length > 1 ? 's' : ''}, fresh, nothing the vulnerability rule refuses`));
      } else {
        const blocking = scans.flatMap((judgement) => judgement.criticals).find((critical) => critical.blocking);
        const fix = blocking
          ? `fix ${blocking.id} in ${blocking.package}${blocking.fixedVersion ? ` (upgrade to ${blocking.fixedVersion})` : ' (no fixed version yet: accept the risk with an owner and an expiry, or mitigate)'} and rebuild`
          : 'rescan the image and attest the new scan';
        rules.push(rule('scan', 'fail', problems.join('; '), fix));
      }
    }
  }
  rules.push(
    expired
      ? rule('allowed', 'fail', `the allowlist entry for ${allowlisted.reference} expired on ${allowlisted.expiresAt.slice(0, 10)} (review was due ${allowlisted.reviewDue})`, `review the allowlist entry for ${allowlisted.reference} and update lastReviewed, or remove it`)
      : allowlisted || own
      ? rule('allowed', 'pass', allowlisted ? `allowlisted ${allowlisted.kind === 'digest' ? 'digest' : `repository ${allowlisted.reference}`}` : `matches ${policy.imageReferences.find((glob) => references.some((reference) => globMatches(glob, reference)))}`)
      : rule('allowed', 'fail', `outside ${policy.imageReferences.join(', ')} and not allowlisted`, `image outside \`${policy.image}\`: push it there, or allowlist its digest`),
  );
  const failed = rules.some((verdict) => verdict.result === 'fail');
  const outcome: Outcome = !failed ? 'admitted' : policy.enforcement.mode === 'enforce' ? 'refused' : 'admitted-with-warnings';
  return {
    digest: verification.digest,
    allowlisted,
    rules,
    scans,
    enforcement: policy.enforcement,
    outcome,
    afterFlip: failed ? 'refused' : 'admitted',
    fixes: rules.flatMap((verdict) => (verdict.fix ? [verdict.fix] : [])),
  };
}
