import { isRealDay } from './dates';

/**
 * The injected clock, parsed one way wherever it is given (`scb synth --at`, `$SCB_AT`,
 * `supply-chain:at`): a date, taken as 00:00 UTC, or an ISO 8601 timestamp with `Z` or an offset.
 */

/** How to write a clock value, for error messages. */
export const CLOCK_FORMAT_HINT = 'write YYYY-MM-DD or an ISO 8601 timestamp such as 2026-10-01T00:00:00Z';

const CLOCK = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** The instant a clock value names, or undefined when it is not a real date or timestamp. */
export function parseClockValue(raw: string): Date | undefined {
  const match = CLOCK.exec(raw);
  if (!match) return undefined;
  // The written calendar date must exist (2026-02-30 is refused), whatever the offset does to the UTC day.
  if (!isRealDay(Number(match[1]), Number(match[2]), Number(match[3]))) return undefined;
  const at = new Date(match[4] === undefined ? `${raw}T00:00:00Z` : raw);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
