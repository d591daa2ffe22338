/**
 * `scb fleet up|preview`: drives every customer stack through Pulumi, a bounded number at a
 * time, continuing past failures and ending with one summary row per customer. The Pulumi side
 * is behind the StackRunner interface: automation-runner.ts is the real one (Automation API inline
 * programs, run for real by `npm run test:pulumi-live`); the unit tests inject a fake.
 */

/** `destroy` is not offered by `scb fleet` (offboarding is one stack at a time); the live test uses it. */
export type FleetOperation = 'up' | 'preview' | 'destroy';

/** Resource operation counts, as Pulumi reports them (`create`, `update`, `delete`, `same`, ...). */
export type ChangeCounts = Readonly<Record<string, number>>;

/** One resource a run created, updated, replaced or deleted (or a preview would). */
export interface ChangedResource {
  /** The engine's step operation: `create`, `update`, `replace`, `delete`, `create-replacement`, ... */
  readonly op: string;
  readonly type: string;
  readonly name: string;
  /**
   * The resource group it belongs to: the name of its `yaml/v2` ConfigGroup (one per bundle file,
   * e.g. `bundle-admission-policies`) for the objects of a bundle file, else its own name.
   */
  readonly group: string;
}

/** What one stack run produced. */
export interface StackOutcome {
  readonly changes: ChangeCounts;
  /** Every resource that changed, in the order the engine reported them. */
  readonly resources?: readonly ChangedResource[];
  /** A short note for the summary, e.g. the pull request URL. */
  readonly note?: string;
}

/** One worker: its own work directory and PULUMI_HOME, reused for the stacks it runs one after another. */
export interface StackWorker {
  run(stack: string, operation: FleetOperation, progress: (message: string) => void): Promise<StackOutcome>;
  /** Removes the worker's directories. */
  dispose?(): Promise<void> | void;
}

export interface StackRunner {
  /** Prepares worker `index` (0-based). Called at most `concurrency` times. */
  createWorker(index: number): Promise<StackWorker> | StackWorker;
}

export interface FleetRow {
  readonly stack: string;
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly changes: ChangeCounts;
  readonly durationMs: number;
  /** The error (first line) of a failed stack, or the outcome's note. */
  readonly note?: string;
  /** The resources that changed (succeeded runs only). */
  readonly resources?: readonly ChangedResource[];
}

export interface FleetOptions {
  readonly operation: FleetOperation;
  /** Stacks run at the same time. */
  readonly concurrency: number;
  readonly runner: StackRunner;
  /** Stacks that must not run (e.g. invalid stack files), with the reason. */
  readonly skipped?: ReadonlyMap<string, string>;
  readonly onProgress?: (stack: string, message: string) => void;
  readonly now?: () => number;
}

export interface FleetResult {
  readonly rows: readonly FleetRow[];
  readonly failed: number;
}

/**
 * Runs the stacks with at most `concurrency` at once. A failing stack is recorded and the others
 * carry on; the rows come back in the order of `stacks`, whatever order they finished in.
 */
export async function runFleet(stacks: readonly string[], options: FleetOptions): Promise<FleetResult> {
  const now = options.now ?? Date.now;
  const rows = new Map<string, FleetRow>();
  const queue = stacks.filter((stack) => {
    const reason = options.skipped?.get(stack);
    if (reason !== undefined) rows.set(stack, { stack, status: 'skipped', changes: {}, durationMs: 0, note: reason });
    return reason === undefined;
  });
  const progress = (stack: string) => (message: string) => options.onProgress?.(stack, message);
  const workerCount = Math.max(1, Math.min(options.concurrency, queue.length));
  const workers: StackWorker[] = [];
  const work = async (index: number) => {
    let worker: StackWorker | undefined;
    for (let stack = queue.shift(); stack !== undefined; stack = queue.shift()) {
      const started = now();
      progress(stack)(`${options.operation} started (worker ${index + 1})`);
      try {
        if (!worker) {
          worker = await options.runner.createWorker(index);
          workers.push(worker);
        }
        const outcome = await worker.run(stack, options.operation, progress(stack));
        rows.set(stack, { stack, status: 'succeeded', changes: outcome.changes, durationMs: now() - started, note: outcome.note, resources: outcome.resources ?? [] });
        progress(stack)(`${options.operation} succeeded`);
      } catch (error) {
        const message = firstLine(error);
        rows.set(stack, { stack, status: 'failed', changes: {}, durationMs: now() - started, note: message });
        progress(stack)(`${options.operation} FAILED: ${message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workerCount }, (_, index) => work(index)));
  } finally {
    for (const worker of workers) await worker.dispose?.();
  }
  const ordered = stacks.map((stack) => rows.get(stack)!);
  return { rows: ordered, failed: ordered.filter((row) => row.status !== 'succeeded').length };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? 'unknown error';
}

/** The rows as JSON for `scb fleet --json`: for scripts and CI, with every changed resource. */
export function fleetJson(result: FleetResult, operation: FleetOperation): string {
  return `${JSON.stringify({ operation, failed: result.failed, rows: result.rows }, null, 2)}\n`;
}

const CHANGE_COLUMNS = ['create', 'update', 'replace', 'delete', 'same'] as const;

/** The end-of-run table: one row per customer, fixed columns, plain text that reads well in CI logs. */
export function summaryTable(result: FleetResult, operation: FleetOperation): string {
  const header = ['customer', 'status', ...CHANGE_COLUMNS, 'time', 'note'];
  const body = result.rows.map((row) => [
    row.stack,
    row.status,
    ...CHANGE_COLUMNS.map((column) => (row.status === 'succeeded' ? String(row.changes[column] ?? 0) : '-')),
    row.status === 'skipped' ? '-' : `${(row.durationMs / 1000).toFixed(1)}s`,
    row.note ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd();
  const succeeded = result.rows.length - result.failed;
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...body.map(format),
    '',
    `fleet ${operation}: ${succeeded} of ${result.rows.length} customer${result.rows.length === 1 ? '' : 's'} succeeded${result.failed > 0 ? `, ${result.failed} failed or skipped` : ''}.`,
  ].join('\n');
}
