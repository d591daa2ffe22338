import { policyRoles, twinName } from '../admission/flip-gate';
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
  /** The policy's base name (its twins add `-audit`); series are selected by exact names, since a prefix regex would also match customer `acme-eu` for `acme`. */
  readonly policy: string;
  readonly metric: string;
  /** The matchers that pick this policy's results, without a result or cause matcher. */
  readonly selector: string;
  /** `result` on the CEL policies' counters, `rule_result` on ClusterPolicy's. */
  readonly resultLabel: 'result' | 'rule_result';
  /** `execution_cause` on the CEL policies' counters, `rule_execution_cause` on ClusterPolicy's. */
  readonly causeLabel: 'execution_cause' | 'rule_execution_cause';
  /**
   * The matcher that keeps the results of the twins in `mode` (audit: the report twins; enforce:
   * the enforce twins), `undefined` when no such twin is rendered.
   */
  modeMatcher(mode: EnforcementMode): string | undefined;
}

/** A PromQL matcher for exactly these policy names (an anchored alternation; names are DNS labels). */
function policyNameMatcher(names: readonly string[]): string {
  return names.length === 1 ? `policy_name=${quote(names[0])}` : `policy_name=~${quote(names.join('|'))}`;
}

/**
 * The result series of the customer's image policies on their engine: rules 1 to 3
 * (`verify-images`, plus `ephemeral-containers` on the CEL engines) and rule 4 (`allowed-images`), each as two twins (see
 * admission/flip-gate.ts): the report twin `…-audit` never blocks, the enforce twin refuses from
 * the flip on. The mode of a result is therefore told by the policy's NAME, on both engines:
 * `mode: 'audit'` selects the report twins, `mode: 'enforce'` the enforce twins (none when an
 * `enforcement.mode: audit` override renders no enforce twin).
 */
export function kyvernoResultSources(customer: Customer, enforcement: EnforcementState): { verify: KyvernoResultSource; allowed: KyvernoResultSource } {
  const names = policyNames(customer.name);
  const roles = policyRoles(enforcement);
  const source = (policies: readonly string[], metric: string, extra: string, cel: boolean): KyvernoResultSource => ({
    policy: policies[0],
    metric,
    selector: [policyNameMatcher(roles.flatMap((role) => policies.map((name) => twinName(name, role)))), ...(extra ? [extra] : [])].join(', '),
    resultLabel: cel ? 'result' : 'rule_result',
    causeLabel: cel ? 'execution_cause' : 'rule_execution_cause',
    modeMatcher: (mode) => {
      const role = mode === 'enforce' ? 'enforce' : 'report';
      return roles.includes(role) ? policyNameMatcher(policies.map((name) => twinName(name, role))) : undefined;
    },
  });
  if (customer.admission.engine === 'ImageValidatingPolicy') {
    return {
      verify: source([names.verifyImages, names.ephemeralContainers], KYVERNO_METRICS.imageValidatingPolicyResults, '', true),
      allowed: source([names.allowedImages], KYVERNO_METRICS.validatingPolicyResults, '', true),
    };
  }
  return {
    verify: source([names.verifyImages], KYVERNO_METRICS.policyResults, 'rule_type="imageVerify"', false),
    allowed: source([names.allowedImages], KYVERNO_METRICS.policyResults, 'rule_type="validate"', false),
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
