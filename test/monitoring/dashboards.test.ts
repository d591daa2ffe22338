import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { loadCustomers } from '../../src/model/load';
import { enforcementState } from '../../src/model/enforcement';
import { DASHBOARD_VARIABLES, customerDashboards, dashboardUid } from '../../src/monitoring/dashboards';
import { KNOWN_METRICS } from '../../src/monitoring/metrics';
import { KYVERNO_SERIES } from '../support/kyverno-series';
import { parsedCustomer } from '../support/monitoring-customer';
import { promtool, writeRuleFile } from '../support/promtool';
import { REPO_ROOT, TEMPLATE_CLOCK, exampleStackFiles, synthToTree } from '../support/synth-helper';

const customers = loadCustomers(exampleStackFiles(), REPO_ROOT);

interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly expr: string;
}

function panelsOf(model: any): any[] {
  return (model.panels ?? []).flatMap((panel: any) => [panel, ...(panel.panels ?? [])]);
}

function queriesOf(name: string, model: any): PanelQuery[] {
  return panelsOf(model).flatMap((panel) =>
    (panel.targets ?? []).map((target: any) => ({ dashboard: name, panel: panel.title, expr: target.expr as string })),
  );
}

/** Grafana's variables replaced by values a Prometheus query would receive. */
function substitute(expr: string, customer: string): string {
  return expr
    .replaceAll(`$${DASHBOARD_VARIABLES.cluster}`, '.*')
    .replaceAll(`$${DASHBOARD_VARIABLES.customer}`, customer)
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range', '1d');
}

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: strings, label matchers, ranges and grouping
 * clauses are removed, then every identifier that is not a function call or a keyword is a metric.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))/g)) {
    if (match[1] === '(' || PROMQL_KEYWORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

describe('monitoring dashboards', () => {
  it('have stable, unique uids of at most 40 characters', () => {
    const uids = customers.flatMap((customer) => Object.values(customerDashboards(customer, enforcementState(customer, TEMPLATE_CLOCK))).map((model) => model.uid!));
    assert.equal(new Set(uids).size, uids.length);
    for (const uid of uids) assert.ok(uid.length <= 40, uid);
    const long = dashboardUid('a-customer-with-a-very-long-name-indeed', 'vulnerabilities');
    assert.equal(long.length, 40);
    assert.equal(dashboardUid('a-customer-with-a-very-long-name-indeed', 'vulnerabilities'), long, 'the same input gives the same uid');
    assert.notEqual(dashboardUid('a-customer-with-a-very-long-name-indeed', 'admission'), long);
  });

  it('take the data source, the cluster and the customer from template variables', () => {
    for (const customer of customers) {
      for (const model of Object.values(customerDashboards(customer, enforcementState(customer, TEMPLATE_CLOCK)))) {
        const variables = (model.templating?.list ?? []).map((variable) => [variable.name, variable.type]);
        assert.deepEqual(variables, [
          ['datasource', 'datasource'],
          ['customer', 'constant'],
          ['cluster', 'query'],
        ]);
        for (const panel of panelsOf(model).filter((entry) => entry.type !== 'row')) {
          assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
          for (const target of panel.targets ?? []) assert.deepEqual(target.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
        }
      }
    }
  });

  it('show every required view', () => {
    const customer = customers[0];
    const titles = Object.values(customerDashboards(customer, enforcementState(customer, TEMPLATE_CLOCK))).flatMap((model) => panelsOf(model).map((panel) => panel.title as string));
    for (const required of [/Signature coverage of running production containers/, /Trivy vulnerability DB age/, /failing to scan/, /build time is unknown/, /pass, fail and error/, /Denied admission/, /by severity/, /per image/, /Top vulnerable/, /Stale images/, /Allowlist reviews due/, /Flip readiness/, /rescan/i]) {
      assert.ok(titles.some((title) => required.test(title)), `no panel matches ${required}`);
    }
  });

  it('use only metrics that the bundle, Kyverno or Falco produce', () => {
    for (const customer of customers) {
      for (const [name, model] of Object.entries(customerDashboards(customer, enforcementState(customer, TEMPLATE_CLOCK)))) {
        for (const query of queriesOf(name, model)) {
          const metrics = metricNamesIn(query.expr);
          assert.ok(metrics.length > 0, `${name} / ${query.panel}: no metric in ${query.expr}`);
          for (const metric of metrics) assert.ok(KNOWN_METRICS.has(metric), `${name} / ${query.panel}: unknown metric ${metric}`);
        }
      }
    }
    assert.deepEqual(metricNamesIn('sum by (image) (rate(foo_total{a="b"}[5m])) and on (x) bar == bool 1'), ['foo_total', 'bar'], 'the extractor sees every selector');
  });

  it('have PromQL that Prometheus parses (each query checked by promtool as a recording rule)', () => {
    const customer = parsedCustomer({ name: 'example' });
    const queries = Object.entries(customerDashboards(customer, enforcementState(customer, TEMPLATE_CLOCK))).flatMap(([name, model]) => queriesOf(name, model));
    assert.ok(queries.length >= 10);
    const rules = queries.map((query, index) => ({ record: `scb:dashboard_query:${index}`, expr: substitute(query.expr, customer.name) }));
    const { dir, file } = writeRuleFile([{ name: 'dashboard-queries', rules }]);
    const result = promtool(['check', 'rules', file], dir);
    assert.equal(result.status, 0, result.output);
    const broken = writeRuleFile([{ name: 'broken', rules: [{ record: 'scb:broken', expr: 'sum by (image (scb_image_vulnerabilities)' }] }]);
    assert.notEqual(promtool(['check', 'rules', broken.file], broken.dir).status, 0, 'promtool rejects a malformed query');
  });

  it('ship one dashboard per ConfigMap, labelled for the Grafana sidecar with a folder', () => {
    const tree = synthToTree(exampleStackFiles());
    const documents = parseAllDocuments(tree['acme/kubernetes/monitoring-dashboards.yaml']).map((document) => document.toJS());
    assert.equal(documents.length, 2);
    for (const configMap of documents) {
      assert.equal(configMap.kind, 'ConfigMap');
      assert.equal(configMap.metadata.labels.grafana_dashboard, '1');
      assert.equal(configMap.metadata.annotations.grafana_folder, 'Supply chain');
      const files = Object.keys(configMap.data);
      assert.equal(files.length, 1);
      const model = JSON.parse(configMap.data[files[0]]);
      assert.match(model.uid, /^scb-acme-/);
      assert.equal(model.id, undefined, 'no numeric id: Grafana assigns one');
    }
  });

  it('count flip readiness and the verified share on the series Kyverno really writes, per engine and mode (`promtool test rules`)', () => {
    const K = KYVERNO_SERIES;
    const ivp = parsedCustomer({ name: 'example' });
    const legacy = parsedCustomer({ name: 'example', admission: { engine: 'ClusterPolicy' } });
    const soft = new Date('2026-09-10T00:00:00Z');
    const late = new Date('2026-11-01T00:00:00Z');
    const panelExpr = (customer: typeof ivp, at: Date, title: RegExp) => {
      const query = queriesOf('admission', customerDashboards(customer, enforcementState(customer, at)).admission).find((entry) => title.test(entry.panel));
      assert.ok(query, `no panel ${title}`);
      return substitute(query.expr, customer.name);
    };
    // One sample a minute for 25 hours: increase over 24h is 1440 per counter growing by 1 a minute.
    const growing = (series: readonly string[], step = 1) => series.map((name) => ({ series: name, values: `0+${step}x1500` }));
    const cases: Array<{ name: string; expr: string; series: Array<{ series: string; values: string }>; value: number; labels?: string }> = [
      {
        name: 'IVP: failures and errors of both CEL report twins count; enforce twins and customer example-eu do not',
        expr: panelExpr(ivp, soft, /Flip readiness/),
        series: growing([K.ivpAuditFail, K.ivpAuditError, K.vpolAuditFail, K.ivpDenyFail, K.otherCustomerDenyFail, K.ivpAuditPass]),
        value: 4320,
      },
      {
        name: 'ClusterPolicy: report-twin failures of verifyImages and rule 4 count, the enforce twins do not',
        expr: panelExpr(legacy, soft, /Flip readiness/),
        series: growing([K.cpolVerifyAuditFail, K.cpolAllowedAuditFail, K.cpolAllowedEnforceFail, K.cpolVerifyFail]),
        value: 2880,
      },
      {
        name: 'the same panel rendered after the flip date reads the same series (the flip happens in the cluster)',
        expr: panelExpr(legacy, late, /Flip readiness/),
        series: growing([K.cpolVerifyAuditFail, K.cpolAllowedAuditFail, K.cpolAllowedEnforceFail]),
        value: 2880,
      },
    ];
    // Coverage from what runs: containers in production whose digest the rescanner verified.
    const R = 'job="supply_chain_rescanner", cluster="example", customer="example"';
    const running = (digest: string, namespace: string, pod: string) => ({
      series: `scb_image_workloads{${R}, image="ghcr.io/example-org/shop", digest="${digest}", namespace="${namespace}", workload="Deployment/${pod}", container="app"}`,
      values: '1x1500',
    });
    const verified = (digest: string, value: 0 | 1) => ({ series: `scb_image_signature_verified{${R}, image="ghcr.io/example-org/shop", digest="${digest}"}`, values: `${value}x1500` });
    const coverageCases = [
      {
        name: 'coverage: 3 of 4 production containers verified; an unverified kube-system container does not count',
        expr: panelExpr(ivp, late, /Signature coverage of running/),
        series: [
          running('sha256:a', 'production-a', 'a1'), running('sha256:a', 'production-a', 'a2'), running('sha256:b', 'production-b', 'b'), verified('sha256:a', 1), verified('sha256:b', 1),
          running('sha256:u', 'production-a', 'u'), verified('sha256:u', 0),
          running('sha256:k', 'kube-system', 'k'), verified('sha256:k', 0),
        ],
        labels: '{cluster="example"}',
        value: 0.75,
      },
      {
        name: 'coverage: nothing verified is 0%, not "no data"',
        expr: panelExpr(legacy, soft, /Signature coverage of running/),
        series: [running('sha256:u', 'production-a', 'u'), verified('sha256:u', 0)],
        labels: '{cluster="example"}',
        value: 0,
      },
    ];
    cases.push(...coverageCases);
    const { dir, file } = writeRuleFile([]);
    const tests = cases.map((entry) => ({
      name: entry.name,
      interval: '1m',
      input_series: entry.series,
      promql_expr_test: [{ expr: entry.expr.replaceAll('1d', '24h'), eval_time: '25h', exp_samples: [{ labels: entry.labels ?? '{}', value: entry.value }] }],
    }));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests }));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    assert.equal(result.status, 0, result.output);
  });
});
