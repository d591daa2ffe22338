import { Construct } from 'constructs';
import {
  ImageValidatingPolicy,
  type ImageValidatingPolicySpecAttestors,
  type ImageValidatingPolicySpecMatchImageReferences,
  ImageValidatingPolicySpecFailurePolicy,
  ImageValidatingPolicySpecValidationActions,
} from '../../imports/policies.kyverno.io';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { PREDICATE_TYPES, imageReferencePatterns, signingIdentity } from '../model/supply-chain-contract';
import { type AllowlistExemption, allowlistAnnotations, celAllowlisted } from './allowlist';
import { celVulnerabilityRule, vulnerabilityRule, vulnerabilityRuleMessage } from '../vulnerability-rule';
import { celImageMatches } from './image-references';
import { namespaceMatchExpression } from './namespace-globs';
import { AUTOGEN_CONTROLLERS, policyMetadata, policyNames } from './policy-metadata';

export { POLICY_ANNOTATIONS } from './policy-metadata';

export interface VerifyImagesPolicyProps {
  /** The customer whose images, identity, namespaces and scan limits the policy encodes. */
  readonly customer: Customer;
  /** Audit or enforce, and the flip date, at the synth clock. */
  readonly enforcement: EnforcementState;
  /**
   * Allowlisted images, excluded from every validation by digest.
   * @default - none
   */
  readonly exemptions?: readonly AllowlistExemption[];
}

/** Name of the one attestor every validation refers to; `withTestTrustRoots` swaps only it. */
export const GITHUB_ACTIONS_ATTESTOR = 'github-actions';
/** Names of the attestations in `spec.attestations`, as the CEL validations refer to them. */
export const IVP_ATTESTATIONS = { sbom: 'sbom', vulnerabilityScan: 'vuln' } as const;

/** Every image of the pod that the policy selected (matchImageReferences already applied). */
const SELECTED_IMAGES = '(images.containers + images.initContainers + images.ephemeralContainers)';
const ATTESTOR = `[attestors["${GITHUB_ACTIONS_ATTESTOR}"]]`;

/** Validation actions: soft period audits AND warns (REFERENCE §4: "warned but not blocked"). */
export function ivpValidationActions(enforcement: EnforcementState): ImageValidatingPolicySpecValidationActions[] {
  return enforcement.mode === 'enforce'
    ? [ImageValidatingPolicySpecValidationActions.DENY]
    : [ImageValidatingPolicySpecValidationActions.AUDIT, ImageValidatingPolicySpecValidationActions.WARN];
}

/** `Fail` once enforcing; during the soft period a Kyverno outage must not block deployments. */
export function ivpFailurePolicy(enforcement: EnforcementState): ImageValidatingPolicySpecFailurePolicy {
  return enforcement.mode === 'enforce' ? ImageValidatingPolicySpecFailurePolicy.FAIL : ImageValidatingPolicySpecFailurePolicy.IGNORE;
}

/**
 * The image selection: the customer's image globs, minus allowlisted digests. Without an
 * allowlist the plain globs are kept (easier to read); with one, a single CEL expression,
 * because `matchImageReferences` entries are OR-ed and a glob cannot exclude.
 */
export function ivpImageSelection(customer: Customer, exemptions: readonly AllowlistExemption[]): ImageValidatingPolicySpecMatchImageReferences[] {
  const globs = imageReferencePatterns(customer);
  if (exemptions.length === 0) return globs.map((glob) => ({ glob }));
  return [{ expression: `(${celImageMatches('ref', globs)}) && !${celAllowlisted('ref', exemptions)}` }];
}

/** The customer's keyless identity as the only attestor: GitHub Actions OIDC, workflow on its branch. */
export function githubActionsAttestor(customer: Customer): ImageValidatingPolicySpecAttestors {
  const identity = signingIdentity(customer);
  return {
    name: GITHUB_ACTIONS_ATTESTOR,
    // additionalExtensions is in the 1.19 schema but not enforced by the IVP verifier: the branch
    // and workflow are pinned through the anchored subjectRegExp instead.
    cosign: { keyless: { identities: [{ issuer: identity.issuer, subjectRegExp: identity.subjectRegExp }] } },
  };
}

/** CEL over a cosign-vuln predicate expression: the scan finished no longer than `maxAge` ago. */
export function celScanFresh(predicate: string, maxAge: string): string {
  return `timestamp(${predicate}.metadata.scanFinishedOn) >= time.now() - duration('${maxAge}')`;
}

/** `168h` for 7 days: CEL durations have no day unit. */
export function daysAsDuration(days: number): string {
  return `${days * 24}h`;
}

/**
 * Rules 1 to 3 on the ImageValidatingPolicy engine (Kyverno 1.17+, cosign v3 bundles): every
 * selected image in a production namespace is
 * 1. signed by the customer's release workflow on its branch (this is also the main-branch rule),
 *    with the digest verified and, once enforcing, tags rewritten to digests;
 * 2. attested with a CycloneDX SBOM signed by the same identity;
 * 3. attested with a vulnerability scan signed by the same identity, no older than
 *    `scan.maxAge`, that the customer's vulnerability rule passes (src/vulnerability-rule: the
 *    same rule the release job, the deploy gate and the rescanner apply).
 * Pods are matched; the engine autogenerates the same checks for their controllers.
 */
export class VerifyImagesPolicy extends Construct {
  readonly policy: ImageValidatingPolicy;

  constructor(scope: Construct, id: string, props: VerifyImagesPolicyProps) {
    super(scope, id);
    const { customer, enforcement, exemptions = [] } = props;
    const identity = signingIdentity(customer);
    const enforcing = enforcement.mode === 'enforce';
    const vuln = `extractPayload(image, attestations.${IVP_ATTESTATIONS.vulnerabilityScan}).predicate`;
    this.policy = new ImageValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).verifyImages, allowlistAnnotations(exemptions)),
      spec: {
        validationActions: ivpValidationActions(enforcement),
        failurePolicy: ivpFailurePolicy(enforcement),
        // Registry round trips for a signature and two attestations: allow the maximum.
        webhookConfiguration: { timeoutSeconds: 30 },
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchConditions: [{ name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) }],
        autogen: { podControllers: { controllers: [...AUTOGEN_CONTROLLERS.resources] } },
        matchImageReferences: ivpImageSelection(customer, exemptions),
        attestors: [githubActionsAttestor(customer)],
        attestations: [
          { name: IVP_ATTESTATIONS.sbom, intoto: { type: PREDICATE_TYPES.sbom } },
          { name: IVP_ATTESTATIONS.vulnerabilityScan, intoto: { type: PREDICATE_TYPES.vulnerabilityScan } },
        ],
        // Signatures are always checked against the digest. Requiring a digest in the pod spec
        // (verifyDigest) only makes sense once tags are rewritten (mutateDigest, enforcing):
        // during the soft period it would report every tag as "would be refused" although the
        // flip rewrites it.
        validationConfigurations: { mutateDigest: enforcing, verifyDigest: enforcing, required: true },
        validations: [
          {
            expression: `${SELECTED_IMAGES}.all(image, verifyImageSignatures(image, ${ATTESTOR}) > 0)`,
            message: `rule 1 (signature): images must be signed by ${identity.subject} (issuer ${identity.issuer})`,
          },
          {
            expression: `${SELECTED_IMAGES}.all(image, verifyAttestationSignatures(image, attestations.${IVP_ATTESTATIONS.sbom}, ${ATTESTOR}) > 0)`,
            message: `rule 2 (SBOM): images must carry a ${PREDICATE_TYPES.sbom} attestation signed by ${identity.subject}`,
          },
          {
            expression: `${SELECTED_IMAGES}.all(image, extractPayload(image, attestations.${IVP_ATTESTATIONS.sbom}).predicate.bomFormat == 'CycloneDX')`,
            message: 'rule 2 (SBOM): the SBOM attestation is not a CycloneDX document',
          },
          {
            expression: `${SELECTED_IMAGES}.all(image, verifyAttestationSignatures(image, attestations.${IVP_ATTESTATIONS.vulnerabilityScan}, ${ATTESTOR}) > 0)`,
            message: `rule 3 (scan): images must carry a ${PREDICATE_TYPES.vulnerabilityScan} attestation signed by ${identity.subject}`,
          },
          {
            expression: `${SELECTED_IMAGES}.all(image, ${celScanFresh(vuln, customer.scan.maxAge)})`,
            message: `rule 3 (scan): the vulnerability scan is older than ${customer.scan.maxAge}; rescan and attest again`,
          },
          {
            expression: `${SELECTED_IMAGES}.all(image, ${celVulnerabilityRule(vulnerabilityRule(customer), vuln, 'image')})`,
            message: vulnerabilityRuleMessage(vulnerabilityRule(customer)),
          },
        ],
      },
    });
  }
}
