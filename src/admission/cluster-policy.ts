import { Construct } from 'constructs';
import {
  ClusterPolicy,
  type ClusterPolicySpecRules,
  type ClusterPolicySpecRulesMatch,
  ClusterPolicySpecRulesMatchAnyResourcesOperations,
  type ClusterPolicySpecRulesVerifyImages,
  type ClusterPolicySpecRulesVerifyImagesAttestors,
  ClusterPolicySpecRulesVerifyImagesAttestationsConditionsAllOperator as Operator,
  ClusterPolicySpecRulesVerifyImagesFailureAction,
  ClusterPolicySpecRulesVerifyImagesType,
  ClusterPolicySpecRulesValidateFailureAction,
  ClusterPolicySpecWebhookConfigurationFailurePolicy,
} from '../../imports/kyverno.io';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { PREDICATE_TYPES, imageReferencePatterns, signatureFormat, signingIdentity } from '../model/supply-chain-contract';
import { jmespathViolationCount, vulnerabilityRule, vulnerabilityRuleMessage } from '../vulnerability-rule';
import { type AllowlistExemption, allowlistAnnotations, allowlistWildcards } from './allowlist';
import { AUTOGEN_CONTROLLERS, CLUSTER_POLICY_RULES, policyMetadata, policyNames } from './policy-metadata';

/** The public Sigstore transparency log the legacy verifier checks (the test overlay replaces it). */
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';

/** Annotation that tells Kyverno which controllers to autogenerate ClusterPolicy rules for. */
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

export interface LegacyPolicyProps {
  /** The customer whose images, identity, namespaces and scan limits the policy encodes. */
  readonly customer: Customer;
  /** Audit or enforce, and the flip date, at the synth clock. */
  readonly enforcement: EnforcementState;
  /**
   * Allowlisted images, skipped by digest.
   * @default - none
   */
  readonly exemptions?: readonly AllowlistExemption[];
}

/**
 * The one attestor definition of the legacy engine: GitHub Actions keyless, the customer's
 * workflow on its branch (exact subject), pushed from the customer's repository. Every
 * verifyImages entry and attestation calls this, so `withTestTrustRoots` has one shape to swap.
 * The legacy verifier enforces `additionalExtensions` (the IVP one does not).
 */
export function legacyAttestors(customer: Customer): ClusterPolicySpecRulesVerifyImagesAttestors[] {
  const identity = signingIdentity(customer);
  return [
    {
      entries: [
        {
          keyless: {
            issuer: identity.issuer,
            subject: identity.subject,
            rekor: { url: PUBLIC_REKOR_URL },
            additionalExtensions: { githubWorkflowTrigger: identity.trigger, githubWorkflowRepository: identity.repository },
          },
        },
      ],
    },
  ];
}

/** Pods in the customer's production namespaces (wildcards are native to `namespaces`). */
function productionPods(customer: Customer): ClusterPolicySpecRulesMatch {
  return {
    any: [
      {
        resources: {
          kinds: ['Pod'],
          namespaces: [...customer.admission.namespaces],
          operations: [ClusterPolicySpecRulesMatchAnyResourcesOperations.CREATE, ClusterPolicySpecRulesMatchAnyResourcesOperations.UPDATE],
        },
      },
    ],
  };
}

function webhookConfiguration(enforcing: boolean, timeoutSeconds: number) {
  return {
    failurePolicy: enforcing ? ClusterPolicySpecWebhookConfigurationFailurePolicy.FAIL : ClusterPolicySpecWebhookConfigurationFailurePolicy.IGNORE,
    timeoutSeconds,
  };
}

const autogenAnnotation = { [AUTOGEN_ANNOTATION]: AUTOGEN_CONTROLLERS.kinds.join(',') };

/**
 * One of the customer's ClusterPolicies: the policy metadata (flip, identity, allowlist), the
 * autogen controllers, background scans, warnings while auditing and the webhook settings every
 * legacy policy shares; only the rules and the webhook timeout differ.
 */
function customerClusterPolicy(scope: Construct, props: LegacyPolicyProps, name: string, webhookTimeoutSeconds: number, rules: ClusterPolicySpecRules[]): ClusterPolicy {
  const { customer, enforcement, exemptions = [] } = props;
  const enforcing = enforcement.mode === 'enforce';
  return new ClusterPolicy(scope, 'Resource', {
    metadata: policyMetadata(customer, enforcement, name, { ...autogenAnnotation, ...allowlistAnnotations(exemptions) }),
    spec: { background: true, emitWarning: !enforcing, webhookConfiguration: webhookConfiguration(enforcing, webhookTimeoutSeconds), rules },
  });
}

/**
 * Rules 1 to 3 on the legacy engine (ClusterPolicy verifyImages, for Kyverno older than 1.17).
 * The workflow signs in the legacy `.sig`/`.att` format for this engine (`signatureFormat`):
 * `type: Cosign` reads only that, and `SigstoreBundle` would ignore additionalExtensions.
 *
 * Soft period: every entry `failureAction: Audit` with `mutateDigest: false` (Kyverno rejects
 * mutateDigest with Audit, and it defaults to true) and `verifyDigest: false` (a tag is rewritten
 * to a digest once enforcing, so reporting it now would be a false "would be refused").
 * `emitWarning` returns the audit failures to whoever applied the pod. Enforcing: Enforce,
 * `failurePolicy: Fail`, digests verified, tags rewritten by EVERY rule: each rule records its
 * verification in `kyverno.io/verify-images` under the image it checked, and the validating pass
 * looks each rule up by the rewritten `tag@digest`; a rule that did not rewrite would refuse
 * every tag reference ("unverified image", found by test/conformance).
 * Attestation conditions are evaluated against every attestation of the type, so an old scan
 * attestation next to a fresh one fails the freshness check: re-attesting keeps only fresh ones
 * relevant when the old `.att` layers are pruned (see the rescanner).
 */
export class LegacyVerifyImagesPolicy extends Construct {
  readonly policy: ClusterPolicy;

  constructor(scope: Construct, id: string, props: LegacyPolicyProps) {
    super(scope, id);
    const { customer, enforcement, exemptions = [] } = props;
    if (signatureFormat(customer) !== 'legacy') throw new Error(`customer ${customer.name}: the ClusterPolicy engine needs the legacy signature format`);
    const identity = signingIdentity(customer);
    const enforcing = enforcement.mode === 'enforce';
    const skip = allowlistWildcards(exemptions);
    const entry = (extra: Partial<ClusterPolicySpecRulesVerifyImages>): ClusterPolicySpecRulesVerifyImages => ({
      imageReferences: [...imageReferencePatterns(customer)],
      ...(skip.length > 0 ? { skipImageReferences: skip } : {}),
      type: ClusterPolicySpecRulesVerifyImagesType.COSIGN,
      failureAction: enforcing ? ClusterPolicySpecRulesVerifyImagesFailureAction.ENFORCE : ClusterPolicySpecRulesVerifyImagesFailureAction.AUDIT,
      mutateDigest: enforcing,
      verifyDigest: enforcing,
      required: true,
      ...extra,
    });
    this.policy = customerClusterPolicy(this, props, policyNames(customer.name).verifyImages, 30, [
      {
        name: CLUSTER_POLICY_RULES.signature,
        match: productionPods(customer),
        verifyImages: [entry({ attestors: legacyAttestors(customer) })],
      },
      {
        name: CLUSTER_POLICY_RULES.sbom,
        match: productionPods(customer),
        verifyImages: [
          entry({
            // Kyverno #17173: a cache hit can skip attestation conditions.
            useCache: false,
            attestations: [
              {
                type: PREDICATE_TYPES.sbom,
                attestors: legacyAttestors(customer),
                conditions: [
                  {
                    all: [
                      {
                        key: '{{ bomFormat }}',
                        operator: Operator.EQUALS,
                        value: 'CycloneDX',
                        message: `rule 2 (SBOM): the ${PREDICATE_TYPES.sbom} attestation signed by ${identity.subject} is not CycloneDX`,
                      },
                    ],
                  },
                ],
              },
            ],
          }),
        ],
      },
      {
        name: CLUSTER_POLICY_RULES.vulnerabilityScan,
        match: productionPods(customer),
        verifyImages: [
          entry({
            useCache: false,
            attestations: [
              {
                type: PREDICATE_TYPES.vulnerabilityScan,
                attestors: legacyAttestors(customer),
                conditions: [{ all: vulnerabilityScanConditions(customer) }],
              },
            ],
          }),
        ],
      },
    ]);
  }
}

/**
 * JMESPath conditions of rule 3 against the cosign-vuln predicate (seen at the root): the scan
 * finished no longer than `scan.maxAge` ago, and no finding violates the customer's vulnerability
 * rule, accepted risks and their image scope included (a missing PublishedDate counts as 1970: fail closed).
 */
export function vulnerabilityScanConditions(customer: Customer) {
  const maxAge = customer.scan.maxAge;
  const rule = vulnerabilityRule(customer);
  return [
    {
      key: "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}",
      operator: Operator.LESS_THAN_OR_EQUALS,
      value: maxAge,
      message: `rule 3 (scan): the vulnerability scan is older than ${maxAge}; rescan and attest again`,
    },
    {
      key: jmespathViolationCount(rule),
      operator: Operator.EQUALS,
      value: 0,
      message: vulnerabilityRuleMessage(rule),
    },
  ];
}

/**
 * Rule 4, no side door, on the legacy engine: a validate rule (nothing to verify in a registry)
 * whose pattern admits, in every container list, only the customer's references or an
 * allowlisted digest (`|` is the pattern's OR).
 */
export class LegacyAllowedImagesPolicy extends Construct {
  readonly policy: ClusterPolicy;

  constructor(scope: Construct, id: string, props: LegacyPolicyProps) {
    super(scope, id);
    const { customer, enforcement, exemptions = [] } = props;
    const enforcing = enforcement.mode === 'enforce';
    const admitted = [...imageReferencePatterns(customer), ...allowlistWildcards(exemptions)].join(' | ');
    this.policy = customerClusterPolicy(this, props, policyNames(customer.name).allowedImages, 10, [
      {
        name: CLUSTER_POLICY_RULES.allowedImages,
        match: productionPods(customer),
        validate: {
          failureAction: enforcing ? ClusterPolicySpecRulesValidateFailureAction.ENFORCE : ClusterPolicySpecRulesValidateFailureAction.AUDIT,
          message: `rule 4 (no side door): images outside ${imageReferencePatterns(customer).join(', ')} and the allowlist are refused`,
          pattern: {
            spec: {
              '=(ephemeralContainers)': [{ image: admitted }],
              '=(initContainers)': [{ image: admitted }],
              containers: [{ image: admitted }],
            },
          },
        },
      },
    ]);
  }
}
