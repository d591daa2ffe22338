/** Calendar arithmetic on YYYY-MM-DD dates, in UTC: the soft period and allowlist reviews. */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days between reviews of an allowlist entry when the entry does not say. */
export const DEFAULT_REVIEW_INTERVAL_DAYS = 90;

/** A date written as YYYY-MM-DD. */
export const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether year, month and day name a real day (2026-02-30 does not). */
export function isRealDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Whether `text` is a real calendar date written as YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  const match = CALENDAR_DATE.exec(text);
  return match !== null && isRealDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** Adds whole days to a YYYY-MM-DD date, in UTC. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 00:00 UTC of a YYYY-MM-DD date, in milliseconds since the epoch. */
export function startOfDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The day an allowlist entry's next review is due. */
export function reviewDueDate(lastReviewed: string, reviewIntervalDays: number): string {
  return addDays(lastReviewed, reviewIntervalDays);
}

/** Whether an allowlist entry is past its review date at `at`. */
export function isReviewOverdue(entry: { lastReviewed: string; reviewIntervalDays: number }, at: Date): boolean {
  return at.getTime() >= startOfDay(reviewDueDate(entry.lastReviewed, entry.reviewIntervalDays));
}
