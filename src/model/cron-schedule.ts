/**
 * The longest gap between two runs of a five-field cron schedule, which the dead man's switch
 * needs ("no success in two intervals"). Computed over a whole (non-leap) year plus a
 * week, so irregular schedules ("0 2 * * 1-5", "0 0 1 * *") get their real worst
 * gap rather than an average.
 */

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const FIELD_RANGES: readonly (readonly [number, number])[] = [
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 7], // day of week (0 and 7 are Sunday)
];

function parseField(field: string, index: number): Set<number> {
  const [low, high] = FIELD_RANGES[index];
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let [from, to] = [low, high];
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b === undefined ? (stepText === undefined ? a : high) : b;
    }
    if (!Number.isInteger(step) || step < 1 || from < low || to > high || from > to) {
      throw new Error(`${FIELD_NAMES[index]} "${field}" is outside ${low}-${high}`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

const cache = new Map<string, number>();

/**
 * Maximum number of seconds between consecutive firings of `schedule` (evaluated in UTC).
 * Throws when a field is out of range or the schedule never fires (e.g. 30 February).
 */
export function maxCronIntervalSeconds(schedule: string): number {
  const cached = cache.get(schedule);
  if (cached !== undefined) return cached;
  const result = computeMaxInterval(schedule);
  cache.set(schedule, result);
  return result;
}

function computeMaxInterval(schedule: string): number {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`"${schedule}" is not a five-field cron expression`);
  const [minutes, hours, days, months, weekdays] = fields.map((field, index) => parseField(field, index));
  if (weekdays.has(7)) weekdays.add(0);
  // Vixie cron: when both day fields are restricted, a day matches if EITHER matches.
  const dayOr = fields[2] !== '*' && fields[4] !== '*';
  // Every matching day fires at the same minutes of the day, so the walk is per day (372 steps)
  // rather than per minute: the longest gap is either inside a day or from one matching day's
  // last firing to the next matching day's first. Same window and result as a per-minute walk.
  const minutesOfDay = [...hours].sort((a, b) => a - b).flatMap((hour) => [...minutes].sort((a, b) => a - b).map((minute) => hour * 60 + minute));
  let longestInDay = 0;
  for (let index = 1; index < minutesOfDay.length; index++) longestInDay = Math.max(longestInDay, minutesOfDay[index] - minutesOfDay[index - 1]);
  const start = Date.UTC(2027, 0, 1); // a non-leap year that starts on a Friday; any fixed year works
  let previousDay: number | undefined;
  let matchingDays = 0;
  let longest = 0; // minutes
  for (let day = 0; day < 365 + 7; day++) {
    const date = new Date(start + day * 86_400_000);
    if (!months.has(date.getUTCMonth() + 1)) continue;
    const dayMatch = days.has(date.getUTCDate());
    const weekdayMatch = weekdays.has(date.getUTCDay());
    if (!(dayOr ? dayMatch || weekdayMatch : dayMatch && weekdayMatch)) continue;
    if (previousDay !== undefined) longest = Math.max(longest, (day - previousDay) * 1440 + minutesOfDay[0] - minutesOfDay[minutesOfDay.length - 1]);
    longest = Math.max(longest, longestInDay);
    previousDay = day;
    matchingDays++;
  }
  if (matchingDays === 0) throw new Error('it never fires (no such date)');
  if (matchingDays === 1 && minutesOfDay.length === 1) return 366 * 86_400; // fires once a year at most
  return longest * 60;
}
