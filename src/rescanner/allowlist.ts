/**
 * Allowlist membership (by digest) and review bookkeeping. Review dates follow the customer
 * contract's one definition (src/contract/dates.ts), as the model's, so the rescanner, the admission policies
 * and the alert rules agree on the day an entry becomes overdue.
 */
import { DEFAULT_REVIEW_INTERVAL_DAYS, IMAGE_DIGEST_SUFFIX, isReviewOverdue, reviewDueDate } from '../contract';
import type { RescannerAllowlistEntry } from './config';

/** The model's default review interval, for entries that leave it out. */
export { DEFAULT_REVIEW_INTERVAL_DAYS };

export interface AllowlistReview {
  readonly image: string;
  readonly owner: string;
  /** Seconds since the epoch at which the next review is due (00:00 UTC of the due day). */
  readonly dueSeconds: number;
  readonly overdue: boolean;
}

/** `sha256:...` of a digest-pinned reference, or undefined. */
export function digestOf(reference: string): string | undefined {
  return IMAGE_DIGEST_SUFFIX.exec(reference)?.[1];
}

/** Digests of all allowlisted images. */
export function allowlistedDigests(entries: readonly RescannerAllowlistEntry[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const e of entries) {
    const d = e.image === undefined ? undefined : digestOf(e.image);
    if (d) set.add(d);
  }
  return set;
}

/** Repositories of the repository entries (injected sidecars): any digest seen under one is allowlisted. */
export function allowlistedRepositories(entries: readonly RescannerAllowlistEntry[]): ReadonlySet<string> {
  return new Set(entries.flatMap((e) => (e.repository !== undefined ? [e.repository] : [])));
}

/** Review status of every entry at `now`. */
export function reviewAllowlist(entries: readonly RescannerAllowlistEntry[], now: Date): AllowlistReview[] {
  return entries.map((e) => {
    const interval = e.reviewIntervalDays ?? DEFAULT_REVIEW_INTERVAL_DAYS;
    const due = reviewDueDate(e.lastReviewed, interval);
    return {
      // A repository entry's review is tracked under the repository's name.
      image: e.image ?? e.repository ?? '',
      owner: e.owner,
      dueSeconds: Date.parse(`${due}T00:00:00Z`) / 1000,
      overdue: isReviewOverdue({ lastReviewed: e.lastReviewed, reviewIntervalDays: interval }, now),
    };
  });
}
