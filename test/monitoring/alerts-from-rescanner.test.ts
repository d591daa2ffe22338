/**
 * The alerts against the series the rescanner REALLY pushes: four hourly runs of `runRescan`
 * into a real Pushgateway (a CVE found; a Trivy outage; then two failed scans of the same digest,
 * with a DB that ages past its limit), each scraped from the gateway as Prometheus would, then
 * replayed minute by minute into `promtool test rules` against the generated rule expressions.
 * Scans and the Trivy server's endpoints are stand-ins (no Trivy DB or server runs here).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { enforcementState } from '../../src/model/enforcement';
import { alertRuleGroups } from '../../src/monitoring/alert-rules';
import type { PodLike } from '../../src/rescanner/inventory';
import { KubernetesClient } from '../../src/kubernetes/client';
import { silentLogger } from '../../src/rescanner/logger';
import { runRescan } from '../../src/rescanner/rescan';
import { TrivyServerClient } from '../../src/rescanner/trivy-server';
import { digest, ReplayScanner, scrape, startFakeApi, startFakeTrivyServer, startPushgateway, type FakeApi, type FakeTrivyServer, type Pushgateway, type ReplayBehaviour, type ScrapedSeries } from '../rescanner/support';
import { parsedCustomer } from '../support/monitoring-customer';
import { promtool, writeRuleFile } from '../support/promtool';

const T0 = Date.parse('2026-11-25T00:00:00Z');
const APP = digest('a');
const customer = parsedCustomer({ scan: { rescanSchedule: '0 * * * *' } });
const rules = alertRuleGroups(customer, enforcementState(customer, new Date(T0)))[0]!.rules;
const exprOf = (alert: string) => rules.find((rule) => rule.alert === alert)!.expr;

const pod: PodLike = {
  metadata: { name: 'shop-5d8f7c9b4d-x1', namespace: 'production-a', ownerReferences: [{ kind: 'ReplicaSet', name: 'shop-5d8f7c9b4d', controller: true }] },
  status: { containerStatuses: [{ name: 'app', image: 'ghcr.io/example-org/shop:1', imageID: `ghcr.io/example-org/shop@${APP}` }] },
};

describe('alerts on the series the rescanner really pushes, run after run', () => {
  let gateway: Pushgateway;
  let api: FakeApi;
  let trivy: FakeTrivyServer;
  /** Scrapes after each run, by series identity. */
  const runs: Array<Map<string, number>> = [];

  before(async () => {
    gateway = await startPushgateway();
    api = await startFakeApi({ pods: [pod] });
    // 47h old at the first run: fresh (limit 48h); the server never updates it again.
    trivy = await startFakeTrivyServer({ updatedAt: new Date(T0 - 47 * 3600_000).toISOString() });
    const plan: Array<{ scan: ReplayBehaviour; trivyUp: boolean }> = [
      { scan: { fixture: 'alpine-39-high-critical.json' }, trivyUp: true },
      { scan: { fixture: 'alpine-39-high-critical.json' }, trivyUp: false },
      { scan: { fail: 'GET https://ghcr.io/v2/example-org/shop/manifests/x: net/http: TLS handshake timeout' }, trivyUp: true },
      { scan: { fail: 'GET https://ghcr.io/v2/example-org/shop/manifests/x: net/http: TLS handshake timeout' }, trivyUp: true },
    ];
    for (const [hour, step] of plan.entries()) {
      trivy.options.healthy = step.trivyUp;
      await runRescan({
        customer: 'example', cluster: 'example', kubernetes: new KubernetesClient({ apiServer: api.url }), scanner: new ReplayScanner({ [APP]: step.scan }),
        scannerServer: new TrivyServerClient({ server: trivy.url, timeoutMs: 2000 }), pushgateway: gateway.url, scanRetries: 0, backoffMs: 0,
        now: () => new Date(T0 + hour * 3600_000), logger: silentLogger,
      });
      runs.push(new Map((await scrape(gateway)).map((s: ScrapedSeries) => [identity(s), s.value])));
    }
  });
  after(async () => {
    await gateway?.stop();
    await api?.close();
    await trivy?.close();
  });

  /** `name{label="value",...}` without the gateway's empty `instance`. */
  function identity(series: ScrapedSeries): string {
    const labels = Object.entries(series.labels).filter(([name, value]) => !(name === 'instance' && value === ''));
    return `${series.name}{${labels.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}}`;
  }

  /**
   * promtool input: each run's value held for 60 one-minute samples, `_` while absent. Times are
   * relative to 0, so time() in the rules is shifted: the series' timestamps are shifted with it.
   */
  function inputSeries(): Array<{ series: string; values: string }> {
    const names = new Set(runs.flatMap((run) => [...run.keys()]));
    return [...names].sort().map((series) => ({
      series,
      values: runs
        .map((run) => {
          const value = run.get(series);
          if (value === undefined) return '_x59 _';
          // Seconds since the epoch become seconds since T0, as promtool's clock starts at 0.
          const shifted = /_timestamp_seconds\{/.test(series) ? value - T0 / 1000 : value;
          return `${shifted}+0x59`;
        })
        .join(' '),
    }));
  }

  it('the CVE page holds through a Trivy outage and failed scans; the DB-age alert fires only past 48h; a digest alerts only after two failed runs', () => {
    const checks: Array<{ alert: string; at: string; fires: boolean }> = [
      { alert: 'SupplyChainVulnerableRunningImage', at: '30m', fires: true },
      { alert: 'SupplyChainVulnerableRunningImage', at: '90m', fires: true }, // Trivy down: findings carried
      { alert: 'SupplyChainVulnerableRunningImage', at: '210m', fires: true }, // two failed scans: still carried
      { alert: 'SupplyChainTrivyDbStale', at: '30m', fires: false }, // 47.5h old
      { alert: 'SupplyChainTrivyDbStale', at: '90m', fires: true }, // 48.5h old, reading carried while the server was down
      { alert: 'SupplyChainImageScanFailing', at: '90m', fires: false }, // the outage does not count against the digest
      { alert: 'SupplyChainImageScanFailing', at: '150m', fires: false }, // one failure
      { alert: 'SupplyChainImageScanFailing', at: '210m', fires: true }, // two in a row
      { alert: 'SupplyChainTrivyServerDown', at: '90m', fires: true }, // the expression (its `for` needs a second run)
      { alert: 'SupplyChainTrivyServerDown', at: '150m', fires: false },
    ];
    const { dir, file } = writeRuleFile([]);
    const tests = [
      {
        name: 'rescanner runs',
        interval: '1m',
        input_series: inputSeries(),
        promql_expr_test: checks.map((check) => ({
          // time() runs from 0 in promtool; the timestamps were shifted by T0 the same way.
          expr: `count(${exprOf(check.alert)})`,
          eval_time: check.at,
          exp_samples: check.fires ? [{ labels: '{}', value: check.alert === 'SupplyChainVulnerableRunningImage' ? 2 : 1 }] : [],
        })),
      },
    ];
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests }));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    assert.equal(result.status, 0, result.output);
    // The series really came from the rescanner: the CVE's finding survived the outage in the gateway.
    assert.ok([...runs[1]!.keys()].some((k) => k.startsWith('scb_image_vulnerability_info{') && k.includes('severity="CRITICAL"')));
  });
});
