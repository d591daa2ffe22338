/**
 * Structured logging: one JSON object per line on stderr (stdout stays free for `--dry-run`
 * output). Callers pass only non-secret fields; there is no generic "dump the object" path.
 */

export type LogLevel = 'info' | 'warn' | 'error';

export type RescanLogger = (level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>) => void;

/** Writes `{"time":...,"level":...,"event":...,...fields}` lines to `stream`. */
export function jsonLogger(stream: { write(chunk: string): unknown } = process.stderr, now: () => Date = () => new Date()): RescanLogger {
  return (level, event, fields = {}) => {
    stream.write(`${JSON.stringify({ time: now().toISOString(), level, event, ...fields })}\n`);
  };
}

/** Discards everything (library callers that do their own reporting). */
export const silentLogger: RescanLogger = () => undefined;
