import { admissionEngine, type ExecutionCause, type KyvernoResultSource, type KyvernoResultSources } from '../admission/engines';
import type { Customer } from '../model/customer';
import type { EnforcementMode, EnforcementState } from '../model/enforcement';
import { quote } from './promql';

export type { ExecutionCause, KyvernoResultSource, KyvernoResultSources } from '../admission/engines';

/**
 * The result series of the customer's image policies on their engine: rules 1 to 3
 * (`verify-images`) and rule 4 (`allowed-images`). What the labels mean is the engine's to say
 * (src/admission/engines/).
 */
export function kyvernoResultSources(customer: Pick<Customer, 'name' | 'admission'>, enforcement: EnforcementState): KyvernoResultSources {
  return admissionEngine(customer.admission.engine).resultSources(customer.name, enforcement);
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
    return [source.resultLabel === 'result' ? sum : `label_replace(${sum}, "result", "$1", ${quote(source.resultLabel)}, "(.*)")`];
  });
  return terms.length === 0 ? undefined : terms.join('\nor\n');
}
