import { Construct } from 'constructs';
import {
  ClusterPolicy,
  type ClusterPolicySpecRulesMatch,
  ClusterPolicySpecRulesMatchAnyResourcesOperations,
  type ClusterPolicySpecRulesVerifyImages,
  type ClusterPolicySpecRulesVerifyImagesAttestors,
  type ClusterPolicySpecRulesVerifyImagesImageRegistryCredentials,
  ClusterPolicySpecRulesVerifyImagesImageRegistryCredentialsProviders as Providers,
  ClusterPolicySpecRulesVerifyImagesAttestationsConditionsAllOperator as Operator,
  ClusterPolicySpecRulesVerifyImagesFailureAction,
  ClusterPolicySpecRulesVerifyImagesType,
  ClusterPolicySpecRulesValidateFailureAction,
  ClusterPolicySpecWebhookConfigurationFailurePolicy,
} from '../../imports/kyverno.io';
import { type GitHubCoordinates, PREDICATE_TYPES, imageReferencePatterns, signatureFormat, signingIdentity } from '../contract';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { jmespathViolationCount, vulnerabilityRule, vulnerabilityRuleMessage } from '../vulnerability-rule';
import { allowlistAnnotations, allowlistWildcards, jmespathAllowlistExpiredConditions } from './allowlist';
import type { AdmissionCustomer, AdmissionPolicyProps } from './engines/engine';
import { type PolicyRole, jmespathTwinGate } from './flip-gate';
import { AUTOGEN_CONTROLLERS, CLUSTER_POLICY_RULES, policyMetadata, policyNames } from './policy-metadata';
import { jmespathTimeJudgedPrecondition } from './request-paths';
import { kyvernoRegistryCredentials } from './registry-credentials';

/** The public Sigstore transparency log the legacy verifier checks (the test overlay replaces it). */
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';

/**
 * A ClusterPolicy rule's name and the names Kyverno gives the rules it autogenerates from it
 * (`autogen-<rule>` for the pod controllers, `autogen-cronjob-<rule>` for CronJobs); they appear
 * in PolicyReports and in `kyverno_policy_results_total{rule_name}`.
 */
export function autogenRuleNames(rule: string): string[] {
  return [rule, `autogen-${rule}`, `autogen-cronjob-${rule}`];
}

/** Annotation that tells Kyverno which controllers to autogenerate ClusterPolicy rules for. */
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

/**
 * The one attestor definition of the legacy engine: GitHub Actions keyless, the customer's
 * workflow on its branch (exact subject), pushed from the customer's repository. Every
 * verifyImages entry and attestation calls this, so `withTestTrustRoots` has one shape to swap.
 * The legacy verifier enforces `additionalExtensions` (the IVP one does not).
 */
export function legacyAttestors(customer: { readonly github: GitHubCoordinates }): ClusterPolicySpecRulesVerifyImagesAttestors[] {
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

/**
 * `imageRegistryCredentials` of every verifyImages entry, from `registry.admissionIdentity`
 * (registry-credentials.ts); Kyverno adds the pod namespace's pull secrets itself on this engine.
 */
export function legacyRegistryCredentials(customer: Pick<Customer, 'registry'>): ClusterPolicySpecRulesVerifyImagesImageRegistryCredentials | undefined {
  const credentials = kyvernoRegistryCredentials(customer);
  if (credentials === undefined) return undefined;
  const providers = { amazon: Providers.AMAZON, google: Providers.GOOGLE, azure: Providers.AZURE } as const;
  return {
    ...(credentials.providers.length > 0 ? { providers: credentials.providers.map((provider) => providers[provider]) } : {}),
    ...(credentials.secrets.length > 0 ? { secrets: [...credentials.secrets] } : {}),
  };
}

/**
 * Pods in the customer's production namespaces (wildcards are native to `namespaces`).
 * Not `Pod/ephemeralcontainers`: Kyverno's policy webhook refuses a subresource in a policy with
 * background scans ("background scan enabled with subresource"), found by the live e2e suite;
 * `kubectl debug` is therefore not judged on this engine (docs/admission.md, known limitations).
 */
function productionPods(productionNamespaces: readonly string[]): ClusterPolicySpecRulesMatch {
  const namespaces = [...productionNamespaces];
  return {
    any: [
      {
        resources: {
          kinds: ['Pod'],
          namespaces,
          operations: [ClusterPolicySpecRulesMatchAnyResourcesOperations.CREATE, ClusterPolicySpecRulesMatchAnyResourcesOperations.UPDATE],
        },
      },
    ],
  };
}

/** `Fail` for the enforce twin from day 0 (it matches nothing before the flip), `Ignore` for the report twin. */
function webhookConfiguration(role: PolicyRole, timeoutSeconds: number) {
  return {
    failurePolicy: role === 'enforce' ? ClusterPolicySpecWebhookConfigurationFailurePolicy.FAIL : ClusterPolicySpecWebhookConfigurationFailurePolicy.IGNORE,
    timeoutSeconds,
  };
}

/** Rule preconditions of a twin: its side of the flip instant (flip-gate.ts), plus any extra condition. */
function rulePreconditions(enforcement: EnforcementState, role: PolicyRole, extra: ReturnType<typeof jmespathTimeJudgedPrecondition>[] = []) {
  const gate = jmespathTwinGate(enforcement, role);
  const all = [...(gate === undefined ? [] : [gate]), ...extra];
  return all.length === 0 ? {} : { preconditions: { all } };
}

/** The `conditions` of one attestation in a verifyImages entry. */
type AttestationConditions = NonNullable<ClusterPolicySpecRulesVerifyImages['attestations']>[number]['conditions'];

const autogenAnnotation = { [AUTOGEN_ANNOTATION]: AUTOGEN_CONTROLLERS.kinds.join(',') };

/**
 * What both legacy policies of a twin share: the metadata (autogen and allowlist annotations) and
 * the head of the spec (background scans; warnings from the report twin; the webhook's failure
 * policy and `timeoutSeconds`).
 */
function legacyPolicyFrame(props: AdmissionPolicyProps, name: string, timeoutSeconds: number) {
  const { customer, enforcement, role, exemptions = [] } = props;
  return {
    metadata: policyMetadata(customer, enforcement, name, role, { ...autogenAnnotation, ...allowlistAnnotations(exemptions) }),
    spec: { background: true, emitWarning: role !== 'enforce', webhookConfiguration: webhookConfiguration(role, timeoutSeconds) },
  };
}

/**
 * Rules 1 to 3 on the legacy engine (ClusterPolicy verifyImages, for Kyverno older than 1.17),
 * one twin (see flip-gate.ts). The workflow signs in the legacy `.sig`/`.att` format for this
 * engine (`signatureFormat`): `type: Cosign` reads only that, and `SigstoreBundle` would ignore
 * additionalExtensions.
 *
 * Report twin: every entry `failureAction: Audit` with `mutateDigest: false` (Kyverno rejects
 * mutateDigest with Audit) and `verifyDigest: false` (the enforce twin rewrites a tag to a
 * digest, so reporting it would be a false "would be refused"); `emitWarning` returns the audit
 * failures to whoever applied the pod; it acts until the flip instant. Enforce twin: Enforce, `failurePolicy: Fail`, digests
 * verified, tags rewritten by EVERY rule (each rule records its verification in
 * `kyverno.io/verify-images` under the image it checked, and the validating pass looks each
 * rule up by the rewritten `tag@digest`: a rule that did not rewrite would refuse every tag
 * reference), from the flip instant on. Each rule carries its twin's precondition on the time.
 *
 * Rule 3 is two rules: the scan attestation itself (signed by the release identity) is judged on
 * every request that brings an image, like rules 1 and 2; its time-dependent conditions (CRITICAL
 * age, opt-in scan age) only on a change by someone (request-paths.ts). On UPDATE the engine
 * verifies only images that changed. All in one policy: the Kyverno CLI does not merge the
 * verification records of two verifyImages policies on one pod (the webhook does), so one
 * policy's "verified" record would be lost and the image reported "unverified".
 */
export class LegacyVerifyImagesPolicy extends Construct {
  readonly policy: ClusterPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    if (signatureFormat(customer) !== 'legacy') throw new Error(`customer ${customer.name}: the ClusterPolicy engine needs the legacy signature format`);
    const identity = signingIdentity(customer);
    const enforcing = role === 'enforce';
    const skip = allowlistWildcards(exemptions);
    const credentials = legacyRegistryCredentials(customer);
    const entry = (extra: Partial<ClusterPolicySpecRulesVerifyImages>): ClusterPolicySpecRulesVerifyImages => ({
      imageReferences: [...imageReferencePatterns(customer)],
      ...(skip.length > 0 ? { skipImageReferences: skip } : {}),
      ...(credentials ? { imageRegistryCredentials: credentials } : {}),
      type: ClusterPolicySpecRulesVerifyImagesType.COSIGN,
      failureAction: enforcing ? ClusterPolicySpecRulesVerifyImagesFailureAction.ENFORCE : ClusterPolicySpecRulesVerifyImagesFailureAction.AUDIT,
      mutateDigest: enforcing,
      verifyDigest: enforcing,
      required: true,
      ...extra,
    });
    const match = productionPods(customer.admission.namespaces);
    const gated = rulePreconditions(enforcement, role);
    /** One rule of this twin: one verifyImages entry, on its side of the flip unless told otherwise. */
    const rule = (name: string, verify: Partial<ClusterPolicySpecRulesVerifyImages>, preconditions = gated) => ({ name, match, ...preconditions, verifyImages: [entry(verify)] });
    /** Rules 2 and 3: an attestation of `type` signed by the release identity, with these conditions. */
    const attested = (type: string, conditions?: AttestationConditions): Partial<ClusterPolicySpecRulesVerifyImages> => ({
      // Kyverno #17173: a cache hit can skip attestation conditions.
      useCache: false,
      attestations: [{ type, attestors: legacyAttestors(customer), ...(conditions ? { conditions } : {}) }],
    });
    const frame = legacyPolicyFrame(props, policyNames(customer.name).verifyImages, 30);
    this.policy = new ClusterPolicy(this, 'Resource', {
      metadata: frame.metadata,
      spec: {
        ...frame.spec,
        rules: [
          rule(CLUSTER_POLICY_RULES.signature, { attestors: legacyAttestors(customer) }),
          rule(
            CLUSTER_POLICY_RULES.sbom,
            attested(PREDICATE_TYPES.sbom, [
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
            ]),
          ),
          // Present and signed by the release identity; its content is judged by the next rule.
          rule(CLUSTER_POLICY_RULES.vulnerabilityScan, attested(PREDICATE_TYPES.vulnerabilityScan)),
          rule(
            CLUSTER_POLICY_RULES.vulnerabilityScanAge,
            attested(PREDICATE_TYPES.vulnerabilityScan, [{ all: vulnerabilityScanConditions(customer) }]),
            rulePreconditions(enforcement, role, [jmespathTimeJudgedPrecondition()]),
          ),
        ],
      },
    });
  }
}

/**
 * JMESPath conditions of rule 3's time-dependent part against the cosign-vuln predicate (seen at
 * the root): when the customer opted in, the scan finished no longer than `scan.maxAge` ago; and
 * no finding violates the customer's vulnerability rule given these accepted risks (a missing
 * PublishedDate counts as 1970: fail closed; a scan without Results counts none), accepted risks
 * and their image scope included.
 */
export function vulnerabilityScanConditions(customer: Pick<AdmissionCustomer, 'scan' | 'vulnerabilities'>) {
  const maxAge = customer.scan.maxAge;
  const rule = vulnerabilityRule(customer);
  return [
    ...(maxAge === undefined
      ? []
      : [
          {
            key: "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}",
            operator: Operator.LESS_THAN_OR_EQUALS,
            value: maxAge,
            message: `rule 3 (scan): the vulnerability scan is older than ${maxAge} (scan.maxAge); rescan and attest again before deploying this image`,
          },
        ]),
    {
      key: jmespathViolationCount(rule),
      operator: Operator.EQUALS,
      value: 0,
      message: vulnerabilityRuleMessage(rule),
    },
  ];
}

/**
 * Rule 4, no side door, on the legacy engine, one twin: a validate rule (nothing to verify in a
 * registry) whose pattern admits, in every container list, only the customer's references or an
 * allowlisted digest or repository (`|` is the pattern's OR). On UPDATE, Kyverno's default
 * `allowExistingViolations` admits a request that does not add a new violation, so only an
 * update that brings in an image is judged, as on the CEL engine.
 *
 * With an allowlist, a second rule `allowlist-expiry` refuses an image whose entry has expired on
 * Kyverno's clock (allowlist.ts), on the requests time-dependent rules judge (request-paths.ts:
 * not a controller's pod; an UPDATE whose old pod already had the image is admitted by
 * `allowExistingViolations`).
 */
export class LegacyAllowedImagesPolicy extends Construct {
  readonly policy: ClusterPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    const enforcing = role === 'enforce';
    const admitted = [...imageReferencePatterns(customer), ...allowlistWildcards(exemptions)].join(' | ');
    const frame = legacyPolicyFrame(props, policyNames(customer.name).allowedImages, 10);
    this.policy = new ClusterPolicy(this, 'Resource', {
      metadata: frame.metadata,
      spec: {
        ...frame.spec,
        rules: [
          {
            name: CLUSTER_POLICY_RULES.allowedImages,
            match: productionPods(customer.admission.namespaces),
            ...rulePreconditions(enforcement, role),
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
          ...(exemptions.length === 0
            ? []
            : [
                {
                  name: CLUSTER_POLICY_RULES.allowlistExpiry,
                  match: productionPods(customer.admission.namespaces),
                  ...rulePreconditions(enforcement, role, [jmespathTimeJudgedPrecondition()]),
                  validate: {
                    failureAction: enforcing ? ClusterPolicySpecRulesValidateFailureAction.ENFORCE : ClusterPolicySpecRulesValidateFailureAction.AUDIT,
                    message: 'allowlist: an entry that exempted this image has expired (lastReviewed + reviewIntervalDays + admission.allowlistGraceDays)',
                    deny: { conditions: { any: jmespathAllowlistExpiredConditions(exemptions) } },
                  },
                },
              ]),
        ],
      },
    });
  }
}
