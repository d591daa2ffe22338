import type { Customer } from '../model/customer';
import { signatureFormat } from '../contract/identity';
import type { CertificateFacts, ExpectedIdentity, IdentityMismatch } from '../verification/certificate-identity';
import type { Severity } from '../verification/predicates';
import type { TrustOptions } from '../verification/trust';
import type { RuleVerdict, Verdict } from '../verification/verdict';
import type { ImageVerification, VerifiedArtifact } from '../verification/verify-image';
import { type ScanRule, judgeScan } from '../verification/vulnerability-rule';

/**
 * The stable, documented shape of `scb inspect --output json` (schemaVersion 1). Keys are always
 * present (null where unknown) and written in this order; arrays are sorted deterministically.
 * The text output is rendered from the same object.
 */
export interface InspectReport {
  readonly schemaVersion: 1;
  /** `admitted` (exit 0), `admitted-with-warnings` (soft period, exit 0), `refused` (exit 1), `not-inspected` (exit 3). */
  readonly verdict: Verdict['outcome'] | 'not-inspected';
  /** The verdict once the policies enforce. null when not inspected. */
  readonly afterFlip: Verdict['afterFlip'] | null;
  readonly at: string;
  readonly image: {
    readonly reference: string;
    readonly registry: string;
    readonly repository: string;
    readonly tag: string | null;
    /** The digest the verdict is about. null when not inspected. */
    readonly digest: string | null;
    /** The tag the digest was resolved from (the verdict is never about a tag). */
    readonly resolvedFromTag: string | null;
    readonly mediaType: string | null;
  };
  readonly customer: {
    readonly name: string;
    readonly sourceFile: string;
    readonly engine: string;
    /** The signature format the engine reads: `sigstore-bundle` or `legacy`. */
    readonly format: string;
  };
  readonly identity: { readonly issuer: string; readonly subject: string; readonly trigger: string; readonly repository: string; readonly repositoryId: string | null };
  readonly trust: { readonly trustedRoot: string; readonly insecureIgnoreTlog: boolean; readonly insecureIgnoreSct: boolean };
  readonly referrersVia: ImageVerification['referrersVia'] | null;
  readonly artifacts: readonly ReportArtifact[];
  readonly acceptedRisks: readonly AcceptedRiskReport[];
  readonly rules: readonly RuleVerdict[];
  readonly enforcement: { readonly mode: string; readonly source: string; readonly flipDate: string };
  readonly fixes: readonly string[];
  readonly errors: readonly string[];
}

export interface ReportArtifact {
  readonly kind: VerifiedArtifact['kind'];
  readonly format: VerifiedArtifact['format'];
  readonly location: string;
  readonly predicateType: string | null;
  readonly verified: boolean;
  /** Counts for the customer's rules: verified and in the format the customer's engine reads. */
  readonly counts: boolean;
  readonly problem: string | null;
  readonly signer: (Omit<CertificateFacts, 'notBefore' | 'notAfter'> & { notBefore: string; notAfter: string }) | null;
  readonly mismatches: readonly IdentityMismatch[];
  readonly integratedTime: string | null;
  readonly signedTimestamp: string | null;
  readonly sbom: { readonly bomFormat: string | null; readonly specVersion: string | null; readonly components: number } | null;
  readonly scan: ScanReport | null;
}

export interface ScanReport {
  readonly scanner: string | null;
  readonly scannerVersion: string | null;
  readonly scanFinishedOn: string | null;
  readonly stale: boolean;
  readonly counts: Readonly<Record<Severity, number>>;
  /** Each finding of a severity the vulnerability rule blocks (CRITICAL by default), with its age and fix. */
  readonly findings: ReadonlyArray<{
    readonly id: string;
    readonly package: string;
    readonly installedVersion: string | null;
    readonly fixedVersion: string | null;
    readonly publishedDate: string | null;
    readonly ageDays: number | null;
    readonly blocking: boolean;
    readonly blocksFrom: string | null;
    /** The accepted risk that covers it: `YYYY-MM-DD (owner ...)`. */
    readonly acceptedUntil: string | null;
  }>;
}

/** An allowlist entry exempting the digest, or an accepted vulnerability risk covering a finding. */
export interface AcceptedRiskReport {
  readonly kind: 'allowlist' | 'vulnerability';
  /** The allowlisted image, or the image scope of the accepted risk (null: every image of the customer). */
  readonly image: string | null;
  /** The accepted vulnerability (kind `vulnerability`). */
  readonly cve: string | null;
  readonly owner: string;
  readonly reason: string;
  /** Allowlist: last review. */
  readonly lastReviewed: string | null;
  /** Allowlist: next review due; vulnerability: last day the acceptance counts. */
  readonly until: string;
  /** Allowlist review overdue, or accepted risk expired at the clock. */
  readonly lapsed: boolean;
}

const KIND_ORDER = ['signature', 'sbom', 'vuln', 'other'];

function artifactReport(artifact: VerifiedArtifact, format: string, scanRule: ScanRule, at: Date, image: string): ReportArtifact {
  const judgement = artifact.scan ? judgeScan(artifact.scan, scanRule, at, image) : undefined;
  const facts = artifact.certificate;
  return {
    kind: artifact.kind,
    format: artifact.format,
    location: artifact.location,
    predicateType: artifact.predicateType ?? null,
    verified: artifact.verified,
    counts: artifact.verified && artifact.format === format,
    problem: artifact.problem ?? null,
    signer: facts
      ? { subject: facts.subject, issuer: facts.issuer, trigger: facts.trigger, repository: facts.repository, repositoryId: facts.repositoryId, ref: facts.ref, sha: facts.sha, notBefore: facts.notBefore, notAfter: facts.notAfter }
      : null,
    mismatches: artifact.mismatches,
    integratedTime: artifact.integratedTime ?? null,
    signedTimestamp: artifact.signedTimestamp ?? null,
    sbom: artifact.sbom ? { bomFormat: artifact.sbom.bomFormat ?? null, specVersion: artifact.sbom.specVersion ?? null, components: artifact.sbom.components } : null,
    scan:
      artifact.scan && judgement
        ? {
            scanner: artifact.scan.scanner ?? null,
            scannerVersion: artifact.scan.scannerVersion ?? null,
            scanFinishedOn: artifact.scan.scanFinishedOn ?? null,
            stale: judgement.stale,
            counts: artifact.scan.counts,
            findings: judgement.criticals.map((critical) => ({
              id: critical.id,
              package: critical.package,
              installedVersion: critical.installedVersion ?? null,
              fixedVersion: critical.fixedVersion ?? null,
              publishedDate: critical.publishedDate ?? null,
              ageDays: critical.ageDays ?? null,
              blocking: critical.blocking,
              blocksFrom: critical.blocksFrom ?? null,
              acceptedUntil: critical.acceptedUntil ?? null,
            })),
          }
        : null,
  };
}

export interface ReportInputs {
  readonly customer: Customer;
  readonly identity: ExpectedIdentity;
  readonly at: Date;
  readonly reference: { original: string; registry: string; repository: string; tag?: string };
  readonly trust: TrustOptions;
  readonly verification?: ImageVerification;
  readonly verdict?: Verdict;
  /** Why the image could not be inspected. */
  readonly failure?: string;
  readonly enforcement: { mode: string; source: string; flipDate: string };
  readonly scanRule: ScanRule;
}

export function inspectReport(inputs: ReportInputs): InspectReport {
  const { customer, verification, verdict } = inputs;
  const format = signatureFormat(customer);
  const artifacts = verification
    ? [...verification.signatures, ...verification.attestations.sbom, ...verification.attestations.vuln, ...verification.attestations.other]
        .map((artifact) => artifactReport(artifact, format, inputs.scanRule, inputs.at, verification.digestReference))
        .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.format.localeCompare(b.format) || a.location.localeCompare(b.location))
    : [];
  return {
    schemaVersion: 1,
    verdict: verdict ? verdict.outcome : 'not-inspected',
    afterFlip: verdict ? verdict.afterFlip : null,
    at: inputs.at.toISOString(),
    image: {
      reference: inputs.reference.original,
      registry: inputs.reference.registry,
      repository: inputs.reference.repository,
      tag: inputs.reference.tag ?? null,
      digest: verification?.digest ?? null,
      resolvedFromTag: verification?.resolvedFromTag ?? null,
      mediaType: verification?.mediaType ?? null,
    },
    customer: { name: customer.name, sourceFile: customer.sourceFile, engine: customer.admission.engine, format },
    identity: {
      issuer: inputs.identity.issuer,
      subject: inputs.identity.subject,
      trigger: inputs.identity.trigger,
      repository: inputs.identity.repository,
      repositoryId: inputs.identity.repositoryId ?? null,
    },
    trust: {
      trustedRoot: inputs.trust.trustedRootPath ?? 'public Sigstore (TUF)',
      insecureIgnoreTlog: inputs.trust.insecureIgnoreTlog ?? false,
      insecureIgnoreSct: inputs.trust.insecureIgnoreSct ?? false,
    },
    referrersVia: verification?.referrersVia ?? null,
    artifacts,
    acceptedRisks: acceptedRisks(inputs, artifacts),
    rules: verdict?.rules ?? [],
    enforcement: inputs.enforcement,
    fixes: verdict?.fixes ?? [],
    errors: [...(inputs.failure ? [inputs.failure] : []), ...(verification?.errors ?? [])],
  };
}

/** The allowlist entry that exempts the digest, and every accepted vulnerability risk that covers a finding. */
function acceptedRisks(inputs: ReportInputs, artifacts: readonly ReportArtifact[]): AcceptedRiskReport[] {
  const risks: AcceptedRiskReport[] = [];
  const allowlisted = inputs.verdict?.allowlisted;
  if (allowlisted) {
    risks.push({ kind: 'allowlist', image: allowlisted.reference, cve: null, owner: allowlisted.entry.owner, reason: allowlisted.entry.reason, lastReviewed: allowlisted.entry.lastReviewed, until: allowlisted.reviewDue, lapsed: allowlisted.reviewOverdue });
  }
  const covered = new Set(artifacts.flatMap((artifact) => (artifact.counts ? (artifact.scan?.findings ?? []).filter((finding) => finding.acceptedUntil).map((finding) => finding.id) : [])));
  for (const risk of inputs.scanRule.vulnerabilities.acceptedRisks) {
    if (!covered.has(risk.cve)) continue;
    risks.push({ kind: 'vulnerability', image: risk.image ?? null, cve: risk.cve, owner: risk.owner, reason: risk.reason, lastReviewed: null, until: risk.expires, lapsed: false });
  }
  return risks;
}
