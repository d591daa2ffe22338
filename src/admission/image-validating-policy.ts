import { Construct } from 'constructs';
import {
  ImageValidatingPolicy,
  type ImageValidatingPolicyProps,
  type ImageValidatingPolicySpecAttestors,
  type ImageValidatingPolicySpecCredentials,
  ImageValidatingPolicySpecCredentialsProviders,
  type ImageValidatingPolicySpecMatchImageReferences,
  type ImageValidatingPolicySpecValidations,
  ImageValidatingPolicySpecFailurePolicy,
  ImageValidatingPolicySpecValidationActions,
} from '../../imports/policies.kyverno.io';
import { type GitHubCoordinates, PREDICATE_TYPES, imageReferencePatterns, signingIdentity } from '../contract';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { type AllowlistExemption, allowlistAnnotations, celAllowlisted } from './allowlist';
import type { AdmissionCustomer, AdmissionPolicyProps } from './engines/engine';
import { celVulnerabilityRule, vulnerabilityRule, vulnerabilityRuleMessage } from '../vulnerability-rule';
import type { PolicyRole } from './flip-gate';
import { celAdmittedImage, celImageMatches } from './image-references';
import { AUTOGEN_CONTROLLERS, policyMetadata, policyNames } from './policy-metadata';
import { allowlistExpiryValidations, allowlistExpiryVariables } from './validating-policy';
import { CEL_PREVIOUS_IMAGES, CEL_TIME_JUDGED, celMatchConditions, celPodImages } from './request-paths';
import { kyvernoRegistryCredentials } from './registry-credentials';

export { POLICY_ANNOTATIONS } from './policy-metadata';

/** Name of the one attestor every validation refers to; `withTestTrustRoots` swaps only it. */
export const GITHUB_ACTIONS_ATTESTOR = 'github-actions';
/** Names of the attestations in `spec.attestations`, as the CEL validations refer to them. */
export const IVP_ATTESTATIONS = { sbom: 'sbom', vulnerabilityScan: 'vuln' } as const;

/** Every image of the pod that the policy selected (matchImageReferences already applied). */
const SELECTED_IMAGES = '(images.containers + images.initContainers + images.ephemeralContainers)';
const ATTESTOR = `[attestors["${GITHUB_ACTIONS_ATTESTOR}"]]`;

/** Validation actions of a twin: the report twin audits and warns (REFERENCE §4), the enforce twin denies. */
export function ivpValidationActions(role: PolicyRole): ImageValidatingPolicySpecValidationActions[] {
  return role === 'enforce'
    ? [ImageValidatingPolicySpecValidationActions.DENY]
    : [ImageValidatingPolicySpecValidationActions.AUDIT, ImageValidatingPolicySpecValidationActions.WARN];
}

/**
 * `Fail` for the enforce twin, from day 0: its webhook is registered before the flip (it matches
 * nothing until then), so the flip needs no re-apply; a Kyverno outage must not admit unverified
 * images after it. The report twin never blocks, not even when Kyverno is down.
 */
export function ivpFailurePolicy(role: PolicyRole): ImageValidatingPolicySpecFailurePolicy {
  return role === 'enforce' ? ImageValidatingPolicySpecFailurePolicy.FAIL : ImageValidatingPolicySpecFailurePolicy.IGNORE;
}

/**
 * The image selection: the customer's image globs, minus allowlisted digests. Without an
 * allowlist the plain globs are kept (easier to read); with one, a single CEL expression,
 * because `matchImageReferences` entries are OR-ed and a glob cannot exclude.
 */
export function ivpImageSelection(customer: Pick<AdmissionCustomer, 'admission'>, exemptions: readonly AllowlistExemption[]): ImageValidatingPolicySpecMatchImageReferences[] {
  const globs = imageReferencePatterns(customer);
  if (exemptions.length === 0) return globs.map((glob) => ({ glob }));
  return [{ expression: `(${celImageMatches('ref', globs)}) && !${celAllowlisted('ref', exemptions)}` }];
}

/** The customer's keyless identity as the only attestor: GitHub Actions OIDC, workflow on its branch. */
export function githubActionsAttestor(customer: { readonly github: GitHubCoordinates }): ImageValidatingPolicySpecAttestors {
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

/** The CEL validation of rule 1 over `variables.judged`: every image signed by the customer's identity. */
export function ivpSignatureValidation(customer: { readonly github: GitHubCoordinates }): ImageValidatingPolicySpecValidations {
  const identity = signingIdentity(customer);
  return {
    expression: `variables.judged.all(image, verifyImageSignatures(image, ${ATTESTOR}) > 0)`,
    message: `rule 1 (signature): images must be signed by ${identity.subject} (issuer ${identity.issuer})`,
  };
}

/** The CEL validations of rules 1 to 3 over `variables.judged` / `variables.judgedByTime`. */
export function ivpVerifyValidations(customer: Pick<AdmissionCustomer, 'github' | 'scan' | 'vulnerabilities'>): ImageValidatingPolicySpecValidations[] {
  return [ivpSignatureValidation(customer), ...ivpAttestationValidations(customer)];
}

/** The CEL validations of rules 2 and 3 over `variables.judged` / `variables.judgedByTime`. */
export function ivpAttestationValidations(customer: Pick<AdmissionCustomer, 'github' | 'scan' | 'vulnerabilities'>): ImageValidatingPolicySpecValidations[] {
  const identity = signingIdentity(customer);
  const vuln = `extractPayload(image, attestations.${IVP_ATTESTATIONS.vulnerabilityScan}).predicate`;
  const maxAge = customer.scan.maxAge;
  return [
    {
      expression: `variables.judged.all(image, verifyAttestationSignatures(image, attestations.${IVP_ATTESTATIONS.sbom}, ${ATTESTOR}) > 0)`,
      message: `rule 2 (SBOM): images must carry a ${PREDICATE_TYPES.sbom} attestation signed by ${identity.subject}`,
    },
    {
      expression: `variables.judged.all(image, extractPayload(image, attestations.${IVP_ATTESTATIONS.sbom}).predicate.bomFormat == 'CycloneDX')`,
      message: 'rule 2 (SBOM): the SBOM attestation is not a CycloneDX document',
    },
    {
      expression: `variables.judged.all(image, verifyAttestationSignatures(image, attestations.${IVP_ATTESTATIONS.vulnerabilityScan}, ${ATTESTOR}) > 0)`,
      message: `rule 3 (scan): images must carry a ${PREDICATE_TYPES.vulnerabilityScan} attestation signed by ${identity.subject}`,
    },
    ...(maxAge === undefined
      ? []
      : [
          {
            expression: `variables.judgedByTime.all(image, ${celScanFresh(vuln, maxAge)})`,
            message: `rule 3 (scan): the vulnerability scan is older than ${maxAge} (scan.maxAge); rescan and attest again before deploying this image`,
          },
        ]),
    {
      // The customer's one vulnerability rule (src/vulnerability-rule), judged on changes only.
      expression: `variables.judgedByTime.all(image, ${celVulnerabilityRule(vulnerabilityRule(customer), vuln, 'image')})`,
      message: vulnerabilityRuleMessage(vulnerabilityRule(customer)),
    },
  ];
}

/**
 * Variables every twin shares: what the request had before, the selected images it brings in
 * (`judged`: all of them on CREATE, the added ones on UPDATE) and those that time-dependent
 * rules judge (`judgedByTime`: none for a controller's request, nor in a background scan of a pod a controller owns).
 */
export function ivpVariables(): { name: string; expression: string }[] {
  return [
    { name: 'previousImages', expression: CEL_PREVIOUS_IMAGES },
    { name: 'judged', expression: `${SELECTED_IMAGES}.filter(image, !(image in variables.previousImages))` },
    { name: 'judgedByTime', expression: `(${CEL_TIME_JUDGED}) ? variables.judged : []` },
  ];
}

/** `spec.credentials` from `registry.admissionIdentity` (registry-credentials.ts), or nothing. */
export function ivpCredentials(customer: Pick<Customer, 'registry'>): { credentials?: ImageValidatingPolicySpecCredentials } {
  const credentials = kyvernoRegistryCredentials(customer);
  if (credentials === undefined) return {};
  return {
    credentials: {
      ...(credentials.providers.length > 0 ? { providers: credentials.providers.map((provider) => PROVIDERS[provider]) } : {}),
      ...(credentials.secrets.length > 0 ? { secrets: [...credentials.secrets] } : {}),
    },
  };
}

const PROVIDERS = {
  amazon: ImageValidatingPolicySpecCredentialsProviders.AMAZON,
  google: ImageValidatingPolicySpecCredentialsProviders.GOOGLE,
  azure: ImageValidatingPolicySpecCredentialsProviders.AZURE,
} as const;

/** What every twin of every IVP of the customer shares. */
function ivpCommonSpec(customer: AdmissionCustomer, enforcement: EnforcementState, role: PolicyRole, exemptions: readonly AllowlistExemption[]) {
  const enforcing = role === 'enforce';
  return {
    validationActions: ivpValidationActions(role),
    failurePolicy: ivpFailurePolicy(role),
    // Registry round trips for a signature and two attestations: allow the maximum.
    webhookConfiguration: { timeoutSeconds: 30 },
    matchConditions: celMatchConditions(customer, enforcement, role),
    matchImageReferences: ivpImageSelection(customer, exemptions),
    attestors: [githubActionsAttestor(customer)],
    attestations: [
      { name: IVP_ATTESTATIONS.sbom, intoto: { type: PREDICATE_TYPES.sbom } },
      { name: IVP_ATTESTATIONS.vulnerabilityScan, intoto: { type: PREDICATE_TYPES.vulnerabilityScan } },
    ],
    // Signatures are always checked against the digest. Requiring a digest in the pod spec
    // (verifyDigest) only makes sense where tags are rewritten (mutateDigest, the enforce twin):
    // the report twin would otherwise report every tag as "would be refused" although the
    // enforce twin rewrites it. `required` is off because the validations themselves demand a
    // verified signature of every image they judge: Kyverno's `required` would also demand one
    // for the images an UPDATE leaves unchanged, which are not judged again.
    validationConfigurations: { mutateDigest: enforcing, verifyDigest: enforcing, required: false },
    variables: ivpVariables(),
    // A private registry: the policy's own credentials (an IVP never uses the pod's pull secrets).
    ...ivpCredentials(customer),
  };
}

/** The pod match of rules 1 to 3: CREATE and UPDATE of pods, autogenerated for their controllers. */
function podRules(): Pick<ImageValidatingPolicyProps['spec'] & object, 'matchConstraints' | 'autogen'> {
  return {
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
    },
    autogen: { podControllers: { controllers: [...AUTOGEN_CONTROLLERS.resources] } },
  };
}

/**
 * Rule 1 on the ImageValidatingPolicy engine, one twin (see flip-gate.ts): every selected image
 * a request brings into a production namespace is signed by the customer's release workflow on
 * its branch (this is also the main-branch rule), with the digest verified and, in the enforce
 * twin, tags rewritten to digests.
 *
 * A policy of its own, not a validation of `VerifyImagesPolicy`: Kyverno counts an
 * ImageValidatingPolicy's results per policy only (`kyverno_image_validating_policy_results_total`
 * has no validation label), so only a separate policy lets the signature alert and panels tell a
 * signature refusal from a missing SBOM or an old CVE. Two ImageValidatingPolicies on one pod
 * deadlock Kyverno 1.19.0 when one engine call evaluates both (flip-gate.ts); the webhook does
 * not, because each of these policies sets `webhookConfiguration.timeoutSeconds` and so gets a
 * fine-grained webhook of its own (Kyverno evaluates only the policies its webhook path names),
 * and the background scanner builds one engine per policy. The Kyverno CLI evaluates every
 * policy of a test together, so the conformance suite tests this policy in a test of its own.
 */
export class VerifySignaturePolicy extends Construct {
  readonly policy: ImageValidatingPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    const { attestations: _none, ...common } = ivpCommonSpec(customer, enforcement, role, exemptions);
    this.policy = new ImageValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).verifySignature, role, allowlistAnnotations(exemptions)),
      spec: { ...common, ...podRules(), validations: [ivpSignatureValidation(customer)] },
    });
  }
}

/**
 * Rules 2 and 3 on the ImageValidatingPolicy engine (Kyverno 1.17+, cosign v3 bundles), one twin
 * (see flip-gate.ts): every selected image a request brings into a production namespace is
 * 2. attested with a CycloneDX SBOM signed by the customer's release identity;
 * 3. attested with a vulnerability scan signed by the same identity that the customer's
 *    vulnerability rule passes (src/vulnerability-rule: the same rule the release job, the deploy
 *    gate and the rescanner apply) and, when the customer opted in, no older than `scan.maxAge`.
 *    These two judge changes only (request-paths.ts).
 * Rule 1 is `VerifySignaturePolicy`. Pods are matched; the engine autogenerates the same checks
 * for their controllers.
 */
export class VerifyImagesPolicy extends Construct {
  readonly policy: ImageValidatingPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    this.policy = new ImageValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).verifyImages, role, allowlistAnnotations(exemptions)),
      spec: { ...ivpCommonSpec(customer, enforcement, role, exemptions), ...podRules(), validations: ivpAttestationValidations(customer) },
    });
  }
}

/**
 * Rules 1 to 4 for `kubectl debug`: ephemeral containers arrive through the
 * `pods/ephemeralcontainers` subresource, which a policy on `pods` never sees. A separate
 * policy because Kyverno autogenerates controller rules only for a policy that matches `pods`
 * alone. Rule 4 is here too (a CEL check of the added images, no registry call), since the
 * ValidatingPolicy of rule 4 autogenerates for the controllers and cannot match the subresource
 * either.
 */
export class EphemeralContainersPolicy extends Construct {
  readonly policy: ImageValidatingPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    const added = `(${celPodImages('object')}).filter(image, !(image in variables.previousImages))`;
    this.policy = new ImageValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).ephemeralContainers, role, allowlistAnnotations(exemptions)),
      spec: {
        ...ivpCommonSpec(customer, enforcement, role, exemptions),
        variables: [...ivpVariables(), ...allowlistExpiryVariables(exemptions)],
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'] }],
        },
        validations: [
          ...ivpVerifyValidations(customer),
          ...allowlistExpiryValidations(exemptions),
          {
            expression: `${added}.all(image, ${celAdmittedImage('image', customer, exemptions)})`,
            messageExpression: `'rule 4 (no side door): ephemeral container images outside ${imageReferencePatterns(customer).join(', ').replace(/'/g, '')} and the allowlist are refused: ' + ${added}.filter(image, !(${celAdmittedImage('image', customer, exemptions)})).join(', ')`,
          },
        ],
      },
    });
  }
}
