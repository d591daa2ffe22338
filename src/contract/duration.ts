/** Go durations of hours, minutes and seconds (`168h`, `1h30m`), the form the schema accepts. */

/** The accepted form: any of `<n>h`, `<n>m`, `<n>s`, in that order (the empty string is refused by the parser). */
export const GO_DURATION = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/;

const NANOSECONDS = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n } as const;

/** Nanoseconds of a Go duration, or undefined when the text is not one. */
export function parseGoDuration(duration: string): bigint | undefined {
  const match = GO_DURATION.exec(duration);
  if (!match || duration === '') return undefined;
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return BigInt(hours) * NANOSECONDS.h + BigInt(minutes) * NANOSECONDS.m + BigInt(seconds) * NANOSECONDS.s;
}

/** Nanoseconds of a Go duration; throws when the text is not one. */
export function goDurationNanoseconds(duration: string): bigint {
  const parsed = parseGoDuration(duration);
  if (parsed === undefined) throw new Error(`"${duration}" is not a Go duration of hours, minutes and seconds`);
  return parsed;
}

/** Whole seconds of a Go duration, or NaN when the text is not one. */
export function goDurationSeconds(duration: string): number {
  const parsed = parseGoDuration(duration);
  return parsed === undefined ? NaN : Number(parsed / NANOSECONDS.s);
}
