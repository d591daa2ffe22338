import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AdmissionEngineDescriptor, AdmissionEngineName, PolicyRole } from '../../contract';
import type { Customer } from '../../model/customer';
import type { EnforcementMode, EnforcementState } from '../../model/enforcement';
import type { AllowlistExemption } from '../allowlist';
import type { KYVERNO_CHART } from '../kyverno-values';

/** Kyverno's `execution_cause` / `rule_execution_cause` values (pkg/metrics/common_types.go). */
export type ExecutionCause = 'admission_request' | 'background_scan';

/**
 * Where Kyverno counts the results of one of the customer's image policies, and how its labels
 * read. The label names and values differ per policy kind (pkg/metrics/ivpol.go, vpol.go,
 * policy_engine.go in kyverno/kyverno v1.19.0).
 */
export interface KyvernoResultSource {
  /** The policy's name, exactly (a prefix regex would also match customer `acme-eu` for `acme`). */
  readonly policy: string;
  /** The rules it counts: alerts and panels label its series `check="<this>"`. */
  readonly check: AdmissionCheck;
  /** How alerts and panels name it: the policy, and the rule where the policy holds more checks. */
  readonly title: string;
  readonly metric: string;
  /** The matchers that pick this policy's results, without a result or cause matcher. */
  readonly selector: string;
  /** The label holding pass/fail/… (`result` on the CEL policies' counters, `rule_result` on ClusterPolicy's). */
  readonly resultLabel: string;
  /** The label holding the execution cause (`execution_cause` or `rule_execution_cause`). */
  readonly causeLabel: string;
  /**
   * The matcher that keeps the results of the twins in `mode` (audit: the report twins; enforce:
   * the enforce twins), `undefined` when no such twin is rendered (src/admission/flip-gate.ts).
   */
  modeMatcher(mode: EnforcementMode): string | undefined;
  /** Why `modeMatcher` can answer undefined, for panel descriptions (e.g. a mislabelled mode). */
  readonly modeCaveat?: string;
}

/** Which rules a result source counts, as the `check` label alerts and panels give its series. */
export type AdmissionCheck = 'signature' | 'attestations' | 'allowed';

/**
 * The result series of rule 1 (`signature`), rules 2 and 3 (`verify`) and rule 4 (`allowed`).
 * No two sources count the same result, so they can be summed.
 */
export interface KyvernoResultSources {
  /** Rule 1: signature by the customer's release workflow on its branch; its own series on every engine. */
  readonly signature: KyvernoResultSource;
  /** Rules 2 and 3 (and, on the CEL engines, `kubectl debug`'s rules 1 to 4 in one policy). */
  readonly verify: KyvernoResultSource;
  readonly allowed: KyvernoResultSource;
}

export type TestTrustRoots =
  | { readonly rootsPem: string }
  | { readonly publicKeyPem: string }
  /** A test TUF repository: its URL and its `1.root.json`, base64 (`tuf.root.data`). */
  | { readonly tufMirror: string; readonly tufRootBase64: string };

/** The plain JSON of a policy, as `ApiObject.toJson()` or a parsed YAML document gives it. */
export type PolicyJson = Record<string, unknown>;

/**
 * The customer fields the admission policies read: `name` and `github` (policy names, labels, the
 * signing identity), `admission` (engine, image references, production namespaces), `scan`
 * (`maxAge`), `vulnerabilities` (the one vulnerability rule) and `registry` (Kyverno's registry
 * credentials). Nothing else of the customer file changes a policy.
 */
export type AdmissionCustomer = Pick<Customer, 'name' | 'github' | 'admission' | 'scan' | 'vulnerabilities' | 'registry'>;

/** Props of every admission policy construct, on every engine: one twin of one policy. */
export interface AdmissionPolicyProps {
  /** The customer fields the policy encodes. */
  readonly customer: AdmissionCustomer;
  /** The flip date and any mode override (the synth clock does not change the output). */
  readonly enforcement: EnforcementState;
  /** Which twin to render (src/admission/flip-gate.ts): the report twin until the flip, the enforce twin from it. */
  readonly role: PolicyRole;
  /**
   * Allowlisted images, admitted and skipped by digest.
   * @default - none
   */
  readonly exemptions?: readonly AllowlistExemption[];
}

/** The fields the drift-control policy needs. */
export interface DriftPolicyProps {
  readonly customer: Pick<Customer, 'name' | 'github'> & { readonly admission: Pick<Customer['admission'], 'namespaces'> };
  readonly enforcement: EnforcementState;
}

/** The policies of rules 1 to 4, as objects other constructs and facts can refer to. */
export interface AdmissionPolicies {
  readonly verifyImages: ApiObject;
  readonly allowedImages: ApiObject;
  /** Further policies of the twin (e.g. the ephemeral-containers policy of the CEL engine). */
  readonly others: readonly ApiObject[];
}

/** What installs the engine. */
export interface AdmissionEngineInstall {
  readonly chart: typeof KYVERNO_CHART;
  /** Namespace the chart is installed into by default. */
  readonly namespace: string;
  /** API groups of the objects the engine renders. */
  readonly apiGroups: readonly string[];
}

/**
 * Everything engine-specific, in one object: a new engine implements this interface and the
 * compiler lists whatever it lacks. Nothing outside `src/admission/engines/` tests an engine's name.
 */
export interface AdmissionEngine extends AdmissionEngineDescriptor {
  readonly name: AdmissionEngineName;
  readonly install: AdmissionEngineInstall;
  /** Policy kinds the engine renders; `withTestTrustRoots` picks the engine by a policy's kind. */
  readonly policyKinds: readonly string[];
  /** Rules 1 to 3 and rule 4, as one twin (called once per rendered twin). */
  admissionPolicies(scope: Construct, props: AdmissionPolicyProps): AdmissionPolicies;
  /** The optional drift control: containers in production namespaces keep a read-only root filesystem. */
  readOnlyRootFilesystemPolicy(scope: Construct, id: string, props: DriftPolicyProps): ApiObject;
  /** Where and how Kyverno counts the results of the admission policies, for alerts and panels. */
  resultSources(customerName: string, enforcement: EnforcementState): KyvernoResultSources;
  /**
   * Test overlay: makes `policy` (a deep copy, changed in place) trust a test CA, key or TUF
   * repository instead of the public Sigstore instance; refuses roots the verifier ignores.
   */
  trustTestRoots(policy: PolicyJson, roots: TestTrustRoots): void;
}
