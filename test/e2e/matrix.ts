/**
 * The live suite's result: one row per step, expected against actual, and where it exists the
 * verdict the conformance suite's `kyverno test` gives for the same case (so a disagreement
 * between the CLI and the live cluster is visible, not hidden).
 *
 * Row status:
 *   ok        actual equals expected
 *   MISMATCH  it does not: the run fails
 *   gap       a named known gap (engine behaviour with an upstream reference, or work another
 *             issue delivers): shown with the behaviour seen, never counted as a pass
 */
export type RowStatus = 'ok' | 'MISMATCH' | 'gap';

export interface Row {
  readonly group: string;
  readonly step: string;
  readonly expected: string;
  readonly actual: string;
  /** What `kyverno test` (test/conformance) reports for the same case, when it has the case. */
  readonly kyvernoTest?: string;
  readonly status: RowStatus;
  readonly note?: string;
}

export class Matrix {
  readonly rows: Row[] = [];

  /** Adds a row judged by equality of expected and actual. */
  check(group: string, step: string, expected: string, actual: string, extra: { kyvernoTest?: string; note?: string } = {}): Row {
    return this.add({ group, step, expected, actual, status: expected === actual ? 'ok' : 'MISMATCH', ...extra });
  }

  /** Adds a known-gap row: the behaviour seen, and why it is not (yet) what the bundle intends. */
  gap(group: string, step: string, expected: string, actual: string, note: string, kyvernoTest?: string): Row {
    return this.add({ group, step, expected, actual, status: 'gap', note, kyvernoTest });
  }

  /**
   * A row whose intended behaviour another issue delivers: judged strictly once `landed`; before
   * that, a pass if the cluster already behaves, else a gap showing what it does today.
   */
  pending(issue: number, landed: boolean, group: string, step: string, expected: string, actual: string, note: string, kyvernoTest?: string): Row {
    if (landed) return this.check(group, step, expected, actual, { kyvernoTest, note });
    if (expected === actual) return this.check(group, step, expected, actual, { kyvernoTest });
    return this.gap(group, step, `${expected} (after #${issue})`, actual, note, kyvernoTest);
  }

  add(input: Row): Row {
    // One line per row: refusal messages carry newlines.
    const row = input.note ? { ...input, note: input.note.replace(/\s+/g, ' ').trim() } : input;
    this.rows.push(row);
    process.stderr.write(`[e2e] ${row.status.padEnd(8)} ${row.group} | ${row.step} | expected ${row.expected} | actual ${row.actual}${row.note ? ` (${row.note})` : ''}\n`);
    return row;
  }

  get mismatches(): number {
    return this.rows.filter((row) => row.status === 'MISMATCH').length;
  }

  /** A fixed-width table, then one summary line: `<ok> <mismatched> <gaps>`. */
  render(): string {
    const headers = ['group', 'step', 'expected', 'actual', 'kyverno test', 'result'];
    const cells = this.rows.map((row) => [row.group, row.step, row.expected, row.actual, row.kyvernoTest ?? '-', row.status + (row.note ? `: ${row.note}` : '')]);
    const widths = headers.map((header, i) => Math.min(60, Math.max(header.length, ...cells.map((cell) => cell[i].length))));
    const line = (values: string[]) =>
      values
        .map((value, i) => (i === values.length - 1 ? value : value.length > widths[i] ? `${value.slice(0, widths[i] - 1)}…` : value.padEnd(widths[i])))
        .join(' | ');
    const ok = this.rows.filter((row) => row.status === 'ok').length;
    const gaps = this.rows.filter((row) => row.status === 'gap').length;
    return [line(headers), widths.map((w) => '-'.repeat(w)).join('-+-') + '-+-------', ...cells.map(line), `${ok} ${this.mismatches} ${gaps}`].join('\n');
  }
}
