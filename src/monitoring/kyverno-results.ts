import { admissionEngine, type ExecutionCause, type KyvernoResultSource, type KyvernoResultSources } from '../admission/engines';
import type { Customer } from '../model/customer';
import type { EnforcementMode, EnforcementState } from '../model/enforcement';
import { quote } from './promql';

export type { AdmissionCheck, ExecutionCause, KyvernoResultSource, KyvernoResultSources } from '../admission/engines';

/**
 * The result series of the customer's image policies on their engine: rule 1 (`signature`),
 * rules 2 and 3 (`verify`) and rule 4 (`allowed`). What the labels mean is the engine's to say
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

/** `expr` with the label `check` set to the source's check (`label_replace` over an empty source label always matches). */
export function withCheck(source: KyvernoResultSource, expr: string): string {
  return `label_replace(${expr}, "check", ${quote(source.check)}, "", "")`;
}

/**
 * Per series, what the last `window` added to a counter. Kyverno (its OpenTelemetry exporter)
 * creates a result series at its first count, so the series is born at 1, and `increase()` sees
 * no change in it: the first refusal of a kind since Kyverno started would never alert. A series
 * that did not exist `window` ago therefore counts whole (its value is all new); any other series
 * counts its `increase()`, counter resets included. The arithmetic drops the metric name, so both
 * sides carry the same labels and `or` keeps exactly one per series.
 */
export function windowIncrease(selector: string, window: string): string {
  return `(${selector} - 0 unless ${selector} offset ${window})\nor\nincrease(${selector}[${window}])`;
}

/**
 * What the window added per policy (`windowIncrease`: new series count whole), labelled with each source's `check`, the sources joined
 * with `or` (a policy name or a check differs between any two, so no series hides another), or
 * undefined when no source can match the filter.
 */
export function increaseByPolicy(sources: readonly KyvernoResultSource[], filter: ResultFilter, window: string): string | undefined {
  const terms = sources.flatMap((source) => {
    const selector = resultSelector(source, filter);
    return selector === undefined ? [] : [withCheck(source, `sum by (policy_name) (\n${windowIncrease(selector, window).replace(/^/gm, '  ')}\n)`)];
  });
  return terms.length === 0 ? undefined : terms.join('\nor\n');
}

/**
 * `increase` over the window per policy and result, labelled with each source's `check`, the
 * result label renamed to `result` on every engine; undefined when no source can match.
 */
export function increaseByPolicyAndResult(sources: readonly KyvernoResultSource[], filter: ResultFilter, window: string): string | undefined {
  const terms = sources.flatMap((source) => {
    const selector = resultSelector(source, filter);
    if (selector === undefined) return [];
    const sum = `sum by (policy_name, ${source.resultLabel}) (increase(${selector}[${window}]))`;
    return [withCheck(source, source.resultLabel === 'result' ? sum : `label_replace(${sum}, "result", "$1", ${quote(source.resultLabel)}, "(.*)")`)];
  });
  return terms.length === 0 ? undefined : terms.join('\nor\n');
}
