/**
 * Prometheus text exposition (format 0.0.4) for the rescanner's gauges: label escaping and
 * deterministic ordering, so two runs over the same cluster produce byte-identical bodies.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge';
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names
    .map((name) => {
      if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name "${name}"`);
      return `${name}="${escapeLabelValue(labels[name] ?? '')}"`;
    })
    .join(',')}}`;
}

/**
 * Renders families in the given order; within a family, samples sorted by their label text.
 * Duplicate series (same labels) are a bug upstream and rejected here, because Pushgateway
 * would refuse the whole push.
 */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name "${family.name}"`);
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    const rendered = family.samples.map((s) => ({ labels: formatLabels(s.labels), value: formatValue(s.value) }));
    rendered.sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
    for (let i = 0; i < rendered.length; i++) {
      const r = rendered[i] as { labels: string; value: string };
      if (i > 0 && rendered[i - 1]?.labels === r.labels) throw new Error(`duplicate series ${family.name}${r.labels}`);
      lines.push(`${family.name}${r.labels} ${r.value}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
