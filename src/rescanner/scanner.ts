/**
 * The scanning seam and the bounded, retrying scan pool.
 */
import type { RegistryCredentials } from './credentials';
import type { TrivyReport } from './trivy-report';

/** Scans one image. Implementations must reject (not resolve empty) on any failure and honour `signal`. */
export interface ImageScanner {
  scan(ref: string, credentials: RegistryCredentials | undefined, signal: AbortSignal): Promise<TrivyReport>;
}

export interface ScanTarget {
  /** Key the outcome is reported under (the digest). */
  readonly key: string;
  /** `repository@sha256:...`. */
  readonly ref: string;
  readonly credentials?: RegistryCredentials;
}

export type ScanOutcome =
  | { readonly ok: true; readonly report: TrivyReport; readonly attempts: number }
  | { readonly ok: false; readonly error: string; readonly attempts: number };

export interface ScanPoolOptions {
  /** Scans in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Milliseconds one attempt may take; the attempt's signal is aborted then. @default 300000 */
  readonly timeoutMs?: number;
  /** Extra attempts after a failure. @default 2 */
  readonly retries?: number;
  /** Delay before the first retry; doubles on each further retry. @default 2000 */
  readonly backoffMs?: number;
  /** Injectable sleep (tests). @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after every failed attempt (for logging). */
  readonly onAttemptFailed?: (target: ScanTarget, attempt: number, error: string) => void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `scanner.scan` once, aborting it after `timeoutMs`. */
async function attemptScan(scanner: ImageScanner, target: ScanTarget, timeoutMs: number): Promise<TrivyReport> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`scan timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    // Race as well as abort: a scanner that ignores its signal must still not hold the slot.
    return await Promise.race([scanner.scan(target.ref, target.credentials, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Scans every target with at most `concurrency` scans in flight, retrying failures with
 * exponential backoff. Never rejects: each target gets an outcome.
 */
export async function scanAll(scanner: ImageScanner, targets: readonly ScanTarget[], options: ScanPoolOptions = {}): Promise<Map<string, ScanOutcome>> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 2_000;
  const sleep = options.sleep ?? defaultSleep;
  const outcomes = new Map<string, ScanOutcome>();
  let next = 0;

  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++] as ScanTarget;
      let lastError = '';
      let outcome: ScanOutcome | undefined;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        try {
          const report = await attemptScan(scanner, target, timeoutMs);
          outcome = { ok: true, report, attempts: attempt };
          break;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
          options.onAttemptFailed?.(target, attempt, lastError);
          if (attempt <= retries) await sleep(backoffMs * 2 ** (attempt - 1));
        }
      }
      outcomes.set(target.key, outcome ?? { ok: false, error: lastError, attempts: retries + 1 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return outcomes;
}
