import type { Customer } from './customer';

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

const DAY_MS = 24 * 60 * 60 * 1000;

/** Adds whole days to a YYYY-MM-DD date, in UTC. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Decides audit or enforce at the injected clock `at`. The soft period runs from
 * `onboardedAt` for `softDays` days; from `onboardedAt + softDays` (00:00 UTC) on, policies
 * enforce. An explicit `enforcement.mode` wins.
 */
export function enforcementState(customer: { readonly enforcement: Pick<Customer['enforcement'], 'onboardedAt' | 'softDays' | 'mode'> }, at: Date): EnforcementState {
  const flipDate = addDays(customer.enforcement.onboardedAt, customer.enforcement.softDays);
  if (customer.enforcement.mode) return { mode: customer.enforcement.mode, flipDate, source: 'override' };
  const flipped = at.getTime() >= Date.parse(`${flipDate}T00:00:00Z`);
  return { mode: flipped ? 'enforce' : 'audit', flipDate, source: flipped ? 'flipped' : 'soft-period' };
}

/** Whether an allowlist entry is past its review date at `at`. */
export function reviewDueDate(lastReviewed: string, reviewIntervalDays: number): string {
  return addDays(lastReviewed, reviewIntervalDays);
}

export function isReviewOverdue(entry: { lastReviewed: string; reviewIntervalDays: number }, at: Date): boolean {
  return at.getTime() >= Date.parse(`${reviewDueDate(entry.lastReviewed, entry.reviewIntervalDays)}T00:00:00Z`);
}
