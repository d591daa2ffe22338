/**
 * The rescanner's gauges as prom-client metrics. A run describes its series as plain families
 * (pure, easy to test and to compare), and {@link toRegistry} turns them into a fresh prom-client
 * {@link Registry} with typed {@link Gauge}s: prom-client does the exposition format, the label
 * escaping and the Pushgateway PUT.
 *
 * Determinism: prom-client writes metrics in registration order and series in insertion order,
 * so families are registered in the given order and samples inserted sorted by their label text;
 * two runs over the same cluster give byte-identical bodies.
 */
import { Gauge, Registry } from 'prom-client';

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

/** Escapes a label value as the text format does: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The sort key of a sample: its labels in name order, as they would be written. */
function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}="${escapeLabelValue(labels[name] ?? '')}"`)
    .join(',');
}

/** The same labels with their names in sorted order (prom-client writes them in key order). */
function sortedLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name "${name}"`);
    out[name] = labels[name] ?? '';
  }
  return out;
}

/**
 * A fresh registry holding one gauge per non-empty family. Families without samples are left
 * out (prom-client would still write their HELP and TYPE lines). Duplicate series (same labels)
 * are a bug upstream and rejected here, because the Pushgateway would refuse the whole push.
 */
export function toRegistry(families: readonly MetricFamily[]): Registry {
  const registry = new Registry();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name "${family.name}"`);
    if (family.samples.length === 0) continue;
    const sorted = family.samples.map((s) => ({ key: labelKey(s.labels), sample: s })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const labelNames = [...new Set(family.samples.flatMap((s) => Object.keys(s.labels)))].sort();
    const gauge = new Gauge({ name: family.name, help: family.help, labelNames, registers: [registry] });
    for (let i = 0; i < sorted.length; i++) {
      const { key, sample } = sorted[i] as { key: string; sample: Sample };
      if (i > 0 && sorted[i - 1]?.key === key) throw new Error(`duplicate series ${family.name}{${key}}`);
      gauge.set(sortedLabels(sample.labels), sample.value);
    }
  }
  return registry;
}

/** The text exposition (format 0.0.4) of the families, as prom-client writes it. */
export async function renderExposition(families: readonly MetricFamily[]): Promise<string> {
  const text = await toRegistry(families).metrics();
  return text.trim() === '' ? '' : text;
}
