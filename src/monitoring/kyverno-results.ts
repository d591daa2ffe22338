import { policyNames } from '../admission/policy-metadata';
import type { Customer } from '../model/customer';
import type { EnforcementMode, EnforcementState } from '../model/enforcement';
import { KYVERNO_METRICS } from './metrics';
import { quote } from './promql';

/** Kyverno's `execution_cause` / `rule_execution_cause` values (pkg/metrics/common_types.go). */
export type ExecutionCause = 'admission_request' | 'background_scan';

/**
 * Where Kyverno 1.19 counts the results of one of the customer's image policies, and how its
 * labels read. The label names and values differ per policy kind (pkg/metrics/ivpol.go,
 * vpol.go, policy_engine.go in kyverno/kyverno v1.19.0).
 */
export interface KyvernoResultSource {
  /** The policy's name, exactly (a prefix regex would also match customer `acme-eu` for `acme`). */
  readonly policy: string;
  readonly metric: string;
  /** The matchers that pick this policy's results, without a result or cause matcher. */
  readonly selector: string;
  /** `result` on the CEL policies' counters, `rule_result` on ClusterPolicy's. */
  readonly resultLabel: 'result' | 'rule_result';
  /** `execution_cause` on the CEL policies' counters, `rule_execution_cause` on ClusterPolicy's. */
  readonly causeLabel: 'execution_cause' | 'rule_execution_cause';
  /**
   * The matcher that keeps results recorded while the policy was in `mode`: `""` when every
   * result of the policy is in that mode, `undefined` when none can be (the metric cannot tell
   * and the policy rendered at this clock is in the other mode).
   */
  modeMatcher(mode: EnforcementMode): string | undefined;
}

/**
 * The result series of the customer's image policies on their engine: rules 1 to 3
 * (`verify-images`) and rule 4 (`allowed-images`).
 *
 * - ImageValidatingPolicy / ValidatingPolicy: `policy_validation_mode` is the CEL validation
 *   action, "Deny" when `validationActions` holds Deny, else "Audit" (GetCELPolicyInfos in
 *   pkg/metrics/parsers.go), so the metric tells the mode truthfully.
 * - ClusterPolicy: `policy_validation_mode` is "enforce" only when `Spec.HasValidateEnforce()`
 *   (api/kyverno/v1/spec_types.go), which reads validate rules and the deprecated
 *   `spec.validationFailureAction` only. The allowed-images policy is a validate rule, so its
 *   label is true; the verify-images policy sets `failureAction` per verifyImages entry and is
 *   labelled "audit" even while it enforces. Its mode is taken from the model instead.
 */
export function kyvernoResultSources(customer: Customer, enforcement: EnforcementState): { verify: KyvernoResultSource; allowed: KyvernoResultSource } {
  const names = policyNames(customer.name);
  if (customer.admission.engine === 'ImageValidatingPolicy') {
    const cel = (mode: EnforcementMode) => `policy_validation_mode="${mode === 'enforce' ? 'Deny' : 'Audit'}"`;
    return {
      verify: {
        policy: names.verifyImages,
        metric: KYVERNO_METRICS.imageValidatingPolicyResults,
        selector: `policy_name=${quote(names.verifyImages)}`,
        resultLabel: 'result',
        causeLabel: 'execution_cause',
        modeMatcher: cel,
      },
      allowed: {
        policy: names.allowedImages,
        metric: KYVERNO_METRICS.validatingPolicyResults,
        selector: `policy_name=${quote(names.allowedImages)}`,
        resultLabel: 'result',
        causeLabel: 'execution_cause',
        modeMatcher: cel,
      },
    };
  }
  return {
    verify: {
      policy: names.verifyImages,
      metric: KYVERNO_METRICS.policyResults,
      selector: `policy_name=${quote(names.verifyImages)}, rule_type="imageVerify"`,
      resultLabel: 'rule_result',
      causeLabel: 'rule_execution_cause',
      modeMatcher: (mode) => (mode === enforcement.mode ? '' : undefined),
    },
    allowed: {
      policy: names.allowedImages,
      metric: KYVERNO_METRICS.policyResults,
      selector: `policy_name=${quote(names.allowedImages)}, rule_type="validate"`,
      resultLabel: 'rule_result',
      causeLabel: 'rule_execution_cause',
      modeMatcher: (mode) => `policy_validation_mode="${mode}"`,
    },
  };
}

export interface ResultFilter {
  /** A matcher value for the result label, e.g. `"fail"` (quoted) or a `=~` regex via `resultRegex`. */
  readonly result?: string;
  readonly resultRegex?: string;
  readonly cause?: ExecutionCause;
  /** Keep only results recorded in this mode; sources that cannot be in it are left out. */
  readonly mode?: EnforcementMode;
}

/** The selector of one source under a filter, or undefined when the source cannot match it. */
export function resultSelector(source: KyvernoResultSource, filter: ResultFilter): string | undefined {
  const matchers = [source.selector];
  if (filter.result !== undefined) matchers.push(`${source.resultLabel}=${quote(filter.result)}`);
  if (filter.resultRegex !== undefined) matchers.push(`${source.resultLabel}=~${quote(filter.resultRegex)}`);
  if (filter.mode !== undefined) {
    const mode = source.modeMatcher(filter.mode);
    if (mode === undefined) return undefined;
    if (mode !== '') matchers.push(mode);
  }
  if (filter.cause !== undefined) matchers.push(`${source.causeLabel}="${filter.cause}"`);
  return `${source.metric}{${matchers.join(', ')}}`;
}

/**
 * `increase` over the window per policy, the sources joined with `or` (their policy names
 * differ, so no series hides another), or undefined when no source can match the filter.
 */
export function increaseByPolicy(sources: readonly KyvernoResultSource[], filter: ResultFilter, window: string): string | undefined {
  const terms = sources.flatMap((source) => {
    const selector = resultSelector(source, filter);
    return selector === undefined ? [] : [`sum by (policy_name) (increase(${selector}[${window}]))`];
  });
  return terms.length === 0 ? undefined : terms.join('\nor\n');
}

/**
 * `increase` over the window per policy and result, the result label renamed to `result` on
 * every engine; undefined when no source can match.
 */
export function increaseByPolicyAndResult(sources: readonly KyvernoResultSource[], filter: ResultFilter, window: string): string | undefined {
  const terms = sources.flatMap((source) => {
    const selector = resultSelector(source, filter);
    if (selector === undefined) return [];
    const sum = `sum by (policy_name, ${source.resultLabel}) (increase(${selector}[${window}]))`;
    return [source.resultLabel === 'result' ? sum : `label_replace(${sum}, "result", "$1", "rule_result", "(.*)")`];
  });
  return terms.length === 0 ? undefined : terms.join('\nor\n');
}
