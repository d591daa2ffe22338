/**
 * The drift alerts against the series the agent REALLY emitted in the conformance `drift` step:
 * its `--dry-run` exposition after the change (helpers/drift.sh writes it) becomes promtool input,
 * with the grouping labels the Pushgateway would add, and each alert must fire for exactly the
 * containers it should. Prints matrix rows (tab-separated, as helpers/matrix.py prints them).
 *
 *   node lib/test/conformance/drift-alerts.js --exposition after.prom --out DIR
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { driftAlertRuleGroups } from '../../src/monitoring/drift-agent-alerts';
import { DRIFT_AGENT_JOB } from '../../src/monitoring/metrics';
import { parsedCustomer } from '../support/monitoring-customer';
import { PROMTOOL } from '../support/promtool';

const SAMPLE = /^(\w+)(?:\{(.*)\})? (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const row = (cells: string[]) => cells.map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t');

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line.trim());
    if (!match || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] as string] = label[2] as string;
    out.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return out;
}

export function driftAlertRows(exposition: string, out: string): string[] {
  const customer = parsedCustomer({ admission: { namespaces: ['prod'] }, monitoring: { cluster: 'conformance', driftAgent: { alertSeverity: 'critical' } } });
  const fixed = { job: DRIFT_AGENT_JOB, cluster: 'conformance', customer: customer.name, node: 'node-1' };
  const samples = parse(exposition);
  const seriesText = (sample: Sample) => `${sample.name}{${Object.entries({ ...sample.labels, ...fixed }).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  // 90 minutes of the same pass, the heartbeat advancing with promtool's clock.
  const input = samples.map((sample) => ({ series: seriesText(sample), values: sample.name === 'scb_drift_agent_last_pass_timestamp_seconds' ? '0+60x90' : `${sample.value}x90` }));
  const groups = driftAlertRuleGroups(customer).map((group) => ({ ...group, rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule) }));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'rules.yaml'), stringify({ groups }));
  const where = (container: string, extra: Record<string, string> = {}) => {
    const sample = samples.find((s) => s.labels.container === container);
    if (!sample) return undefined;
    const { namespace, workload, container: name, image, digest } = sample.labels;
    return { cluster: 'conformance', customer: customer.name, node: 'node-1', namespace, workload, container: name, image, digest, ...extra } as Record<string, string>;
  };
  const cases: Array<{ alert: string; expected: string; alerts: Array<Record<string, string> | undefined> }> = [
    { alert: 'SupplyChainPackageDrift', expected: 'fires for debian only (critical)', alerts: [where('debian', { severity: 'critical' })] },
    { alert: 'SupplyChainPackageDriftRemoved', expected: 'quiet', alerts: [] },
    {
      alert: 'SupplyChainPackageDriftUnverifiable',
      expected: 'fires for debian-other (unverified) and debian-none (missing)',
      alerts: [where('debian-none', { severity: 'warning', reason: 'missing' }), where('debian-other', { severity: 'warning', reason: 'unverified' })],
    },
    { alert: 'SupplyChainDriftAgentNotReporting', expected: 'quiet', alerts: [] },
  ];
  return cases.map(({ alert, expected, alerts }) => {
    const file = join(out, `${alert}.test.yaml`);
    writeFileSync(
      file,
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: input, alert_rule_test: [{ eval_time: '70m', alertname: alert, exp_alerts: alerts.map((labels) => ({ exp_labels: labels ?? { missing: 'container not in the exposition' } })) }] }],
      }),
    );
    const result = spawnSync(PROMTOOL, ['test', 'rules', `${alert}.test.yaml`], { cwd: out, encoding: 'utf8' });
    writeFileSync(join(out, `${alert}.out`), `${result.stdout ?? ''}${result.stderr ?? ''}`);
    const actual = result.status === 0 ? expected : `promtool: not as expected (${alert}.out)`;
    return row([`alert ${alert}`, 'drift-agent', 'promtool', "the agent's own series", expected, actual, actual === expected ? 'ok' : 'MISMATCH', 'severity from monitoring.driftAgent.alertSeverity']);
  });
}

if (require.main === module) {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set((argv[i] ?? '').replace(/^--/, ''), argv[i + 1] ?? '');
  const exposition = args.get('exposition');
  const out = args.get('out');
  if (!exposition || !out) {
    console.error('usage: drift-alerts.js --exposition FILE --out DIR');
    process.exit(2);
  }
  for (const line of driftAlertRows(readFileSync(exposition, 'utf8'), out)) console.log(line);
}
