import { addDays, isReviewOverdue, reviewDueDate, startOfDay } from '../contract';
import type { Customer } from './customer';

export { addDays, isReviewOverdue, reviewDueDate };

export type EnforcementMode = 'audit' | 'enforce';

/** Where the mode in force came from. */
export type EnforcementSource = 'override' | 'soft-period' | 'flipped';

export interface EnforcementState {
  /** The mode the policies are rendered in at the injected clock. */
  readonly mode: EnforcementMode;
  /** First day (UTC, YYYY-MM-DD) on which the policies enforce unless overridden. */
  readonly flipDate: string;
  readonly source: EnforcementSource;
}

/**
 * Decides audit or enforce at the injected clock `at`. The soft period runs from
 * `onboardedAt` for `softDays` days; from `onboardedAt + softDays` (00:00 UTC) on, policies
 * enforce. An explicit `enforcement.mode` wins.
 */
export function enforcementState(customer: { readonly enforcement: Pick<Customer['enforcement'], 'onboardedAt' | 'softDays' | 'mode'> }, at: Date): EnforcementState {
  const flipDate = addDays(customer.enforcement.onboardedAt, customer.enforcement.softDays);
  if (customer.enforcement.mode) return { mode: customer.enforcement.mode, flipDate, source: 'override' };
  const flipped = at.getTime() >= startOfDay(flipDate);
  return { mode: flipped ? 'enforce' : 'audit', flipDate, source: flipped ? 'flipped' : 'soft-period' };
}
