import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxCronIntervalSeconds } from '../../src/model/cron-schedule';

/**
 * The reference: walk every minute of the same window (2027 plus a week, UTC) and keep the
 * longest gap between two firings. Slow (half a million steps), so only the test runs it.
 */
function minuteWalk(schedule: string): number {
  const ranges = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const sets = schedule.split(/\s+/).map((field, index) => {
    const values = new Set<number>();
    for (const part of field.split(',')) {
      const [range, stepText] = part.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      let [from, to] = ranges[index];
      if (range !== '*') {
        const [a, b] = range.split('-').map(Number);
        from = a;
        to = b === undefined ? (stepText === undefined ? a : ranges[index][1]) : b;
      }
      for (let value = from; value <= to; value += step) values.add(value);
    }
    return values;
  });
  const [minutes, hours, days, months, weekdays] = sets;
  if (weekdays.has(7)) weekdays.add(0);
  const fields = schedule.split(/\s+/);
  const dayOr = fields[2] !== '*' && fields[4] !== '*';
  const start = Date.UTC(2027, 0, 1);
  let previous: number | undefined;
  let first: number | undefined;
  let longest = 0;
  for (let t = start; t < start + 372 * 86_400_000; t += 60_000) {
    const date = new Date(t);
    if (!minutes.has(date.getUTCMinutes()) || !hours.has(date.getUTCHours()) || !months.has(date.getUTCMonth() + 1)) continue;
    const dayMatch = days.has(date.getUTCDate());
    const weekdayMatch = weekdays.has(date.getUTCDay());
    if (!(dayOr ? dayMatch || weekdayMatch : dayMatch && weekdayMatch)) continue;
    if (previous !== undefined) longest = Math.max(longest, t - previous);
    first ??= t;
    previous = t;
  }
  if (first === previous) return 366 * 86_400;
  return longest / 1000;
}

describe('cron schedule: longest gap', () => {
  it('given irregular schedules, when the gap is computed day by day, then it equals a walk over every minute', () => {
    for (const schedule of ['0 */6 * * *', '*/15 * * * *', '0 9,17 * * *', '0 2 * * 1-5', '0 0 1 * *', '5,50 1-3 * * *', '0 0 28 2 *', '0 12 13 * 5', '*/7 */5 1-10 1,6 *', '30 4 * * 0', '0 0 31 * *', '* * * * *']) {
      assert.equal(maxCronIntervalSeconds(schedule), minuteWalk(schedule), schedule);
    }
  });

  it('given a schedule that never fires, when the gap is computed, then it says so', () => {
    assert.throws(() => maxCronIntervalSeconds('0 0 30 2 *'), /never fires/);
  });
});
