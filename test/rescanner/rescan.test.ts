/**
 * End to end: Kubernetes API stand-in → runRescan → a REAL Pushgateway (Debian package
 * prometheus-pushgateway, started here on a random loopback port, no persistence file).
 * Scanning is done by a stand-in that replays real Trivy reports, because no Trivy DB or
 * server is reachable on these machines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubernetesClient } from '../../src/kubernetes/client';
import type { RescanLogger } from '../../src/rescanner/logger';
import { SCB_METRICS } from '../../src/monitoring/metrics';
import { runRescan, RESCAN_METRIC_NAMES, type RescanOptions } from '../../src/rescanner/rescan';
import { TrivyServerClient } from '../../src/rescanner/trivy-server';
import { clusterPods, clusterSecrets, D, GHCR_PASSWORD, replayPlan } from './cluster';
import { readFixture, ReplayScanner, scrape, startFakeApi, startFakeTrivyServer, startPushgateway, type FakeApi, type Pushgateway, type ScrapedSeries } from './support';

const NOW = new Date('2026-11-25T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const HOUR_MS = 3_600_000;
const KEY = { cluster: 'prod-eu-1', customer: 'acme' };
const ALLOWLIST = [
  // The distroless postgres image is pinned on purpose; last reviewed long ago.
  { image: `docker.io/library/postgres@${D.postgres}`, owner: 'team-data', reason: 'vendor pin', lastReviewed: '2026-06-01', reviewIntervalDays: 90 },
  // Not running at all: its review bookkeeping is still exported.
  { image: `ghcr.io/acme/legacy@sha256:${'9'.repeat(64)}`, owner: 'platform@acme.example', lastReviewed: '2026-11-01' },
  // The mesh injects its sidecar by tag: allowlisted by repository, every digest from it.
  { repository: 'docker.io/istio/proxyv2', owner: 'mesh-team', lastReviewed: '2026-10-01', reviewIntervalDays: 30 },
];

function rawSeverityCounts(fixture: string): Record<string, number> {
  const counts: Record<string, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  const raw = readFixture(fixture) as { Results?: Array<{ Vulnerabilities?: Array<{ Severity: string }> }> };
  for (const r of raw.Results ?? []) for (const v of r.Vulnerabilities ?? []) counts[v.Severity] = (counts[v.Severity] ?? 0) + 1;
  return counts;
}

function select(series: ScrapedSeries[], name: string, labels: Record<string, string> = {}): ScrapedSeries[] {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function one(series: ScrapedSeries[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = select(series, name, labels);
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matched ${found.length} series`);
  return found[0]?.value;
}

function collectingLogger(): { logger: RescanLogger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: (level, event, fields) => lines.push(JSON.stringify({ level, event, ...fields })) };
}

describe('rescanner end to end with a real Pushgateway', () => {
  let gateway: Pushgateway;
  let api: FakeApi;

  before(async () => {
    gateway = await startPushgateway();
  });
  after(async () => {
    await gateway?.stop();
    await api?.close();
  });

  const baseOptions = (apiUrl: string, scanner: ReplayScanner, now: Date, logger: RescanLogger): RescanOptions => ({
    ...KEY,
    kubernetes: new KubernetesClient({ apiServer: apiUrl, token: 'sa-token' }),
    scanner,
    pushgateway: gateway.url,
    allowlist: ALLOWLIST,
    maxImageAgeDays: 30,
    pageLimit: 2,
    backoffMs: 0,
    scanRetries: 1,
    maxScanErrorRatio: 0.5,
    now: () => now,
    logger,
  });

  it('given a cluster listed in pages with one 410, when a run completes, then the pushed group holds every image fact and no secret is logged', async () => {
    api = await startFakeApi({ pods: clusterPods(), secrets: clusterSecrets, goneOnPage: 2, token: 'sa-token' });
    const scanner = new ReplayScanner(replayPlan);
    const { logger, lines } = collectingLogger();

    const result = await runRescan(baseOptions(api.url, scanner, NOW, logger));

    assert.equal(result.outcome, 'success');
    assert.equal(result.exitCode, 0);
    assert.equal(result.relists, 1);
    assert.equal(result.podsListed, 9);
    assert.equal(result.images.length, 6);
    assert.equal(result.scanErrors, 2);
    assert.equal(result.pushed, true);

    // Each digest scanned once (the failing one twice: one retry), with pull-secret credentials for ghcr.io only.
    const refs = scanner.calls.map((c) => c.ref).sort();
    assert.equal(refs.filter((r) => r.endsWith(D.web)).length, 1);
    assert.equal(refs.filter((r) => r.endsWith(D.exporter)).length, 2);
    for (const call of scanner.calls) {
      const expectCreds = call.ref.startsWith('ghcr.io/');
      assert.equal(call.credentials?.password === GHCR_PASSWORD, expectCreds, call.ref);
    }
    // Logs: one JSON object per line, never the registry password or the SA token.
    for (const line of lines) {
      JSON.parse(line);
      assert.ok(!line.includes(GHCR_PASSWORD) && !line.includes('sa-token'), line);
    }
    assert.ok(lines.some((l) => l.includes('"event":"pod_list_restarted"')));

    const s = await scrape(gateway);
    // Every series carries the grouping labels and the job.
    for (const x of s) {
      assert.equal(x.labels.cluster, KEY.cluster, `${x.name} lacks cluster`);
      assert.equal(x.labels.customer, KEY.customer, `${x.name} lacks customer`);
      assert.equal(x.labels.job, 'supply_chain_rescanner');
    }
    // Severity counts equal what the raw report says.
    for (const [dg, fixture] of [[D.web, 'alpine-39-high-critical.json'], [D.proxy, 'alpine-310.json'], [D.migrate, 'debian-buster.json'], [D.postgres, 'distroless-base.json']] as const) {
      const expected = rawSeverityCounts(fixture);
      for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']) {
        assert.equal(one(s, 'scb_image_vulnerabilities', { digest: dg, severity }), expected[severity], `${fixture} ${severity}`);
      }
    }
    assert.equal(one(s, 'scb_image_vulnerabilities', { digest: D.web, severity: 'CRITICAL' }), 2);
    assert.equal(select(s, 'scb_image_vulnerabilities', { digest: D.web })[0]?.labels.image, 'ghcr.io/acme/web');
    // Failed scans: an error, and no vulnerability series at all (never zero).
    for (const dg of [D.exporter, D.tools]) {
      assert.equal(one(s, 'scb_image_scan_errors', { digest: dg }), 1);
      assert.deepEqual(select(s, 'scb_image_vulnerabilities', { digest: dg }), []);
      assert.deepEqual(select(s, 'scb_image_vulnerability_info', { digest: dg }), []);
      assert.deepEqual(select(s, 'scb_image_stale', { digest: dg }), []);
    }
    assert.equal(one(s, 'scb_image_scan_errors', { digest: D.web }), 0);
    // HIGH/CRITICAL findings only, with IDs, package and fix.
    const webInfo = select(s, 'scb_image_vulnerability_info', { digest: D.web });
    assert.equal(webInfo.length, 2);
    assert.ok(webInfo.every((x) => x.labels.severity === 'CRITICAL' && /^CVE-/.test(x.labels.vulnerability_id ?? '') && x.labels.package && x.value === 1));
    assert.deepEqual(select(s, 'scb_image_vulnerability_info', { digest: D.proxy }), []);
    assert.equal(select(s, 'scb_image_vulnerability_info', { digest: D.migrate }).length, 1);
    // Build time: real for alpine, unknown (absent) for the 1970 distroless build.
    const webCreated = (readFixture('alpine-39-high-critical.json') as { Metadata: { ImageConfig: { created: string } } }).Metadata.ImageConfig.created;
    assert.equal(one(s, 'scb_image_build_timestamp_seconds', { digest: D.web }), Math.floor(Date.parse(webCreated) / 1000));
    assert.equal(one(s, 'scb_image_build_time_source', { digest: D.web, source: 'image_config' }), 1);
    // The 1970 distroless build: its age is unknown, so first seen (now) stands in and says so.
    assert.equal(one(s, 'scb_image_build_timestamp_seconds', { digest: D.postgres }), NOW_S);
    assert.equal(one(s, 'scb_image_build_time_source', { digest: D.postgres, source: 'first_seen' }), 1);
    assert.equal(one(s, 'scb_image_first_seen_timestamp_seconds', { digest: D.postgres }), NOW_S);
    assert.equal(one(s, 'scb_image_stale', { digest: D.web, allowlisted: 'false' }), 1);
    assert.equal(one(s, 'scb_image_stale', { digest: D.postgres, allowlisted: 'true' }), 0);
    // Per-digest scan state: when the findings were obtained, failure streaks and why.
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: D.web }), NOW_S);
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: D.exporter }), undefined);
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: D.web }), 0);
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: D.exporter }), 1);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: D.exporter, reason: 'other', credentials: 'none' }), 1);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: D.tools, reason: 'invalid_report', credentials: 'none' }), 1);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: D.web }), undefined);
    // Allowlist membership by digest, and review bookkeeping for every entry.
    assert.equal(one(s, 'scb_image_allowlisted', { digest: D.postgres }), 1);
    assert.equal(one(s, 'scb_image_allowlisted', { digest: D.web }), 0);
    assert.equal(one(s, 'scb_image_allowlisted', { digest: D.proxy }), 1, 'the sidecar repository entry covers the running proxy digest');
    assert.equal(one(s, 'scb_allowlist_review_due_timestamp_seconds', { owner: 'mesh-team', image: 'docker.io/istio/proxyv2' }), Date.parse('2026-10-31T00:00:00Z') / 1000);
    assert.equal(one(s, 'scb_allowlist_review_overdue', { owner: 'mesh-team' }), 1);
    assert.equal(one(s, 'scb_allowlist_review_due_timestamp_seconds', { owner: 'team-data' }), Date.parse('2026-08-30T00:00:00Z') / 1000);
    assert.equal(one(s, 'scb_allowlist_review_overdue', { owner: 'team-data' }), 1);
    assert.equal(one(s, 'scb_allowlist_review_due_timestamp_seconds', { owner: 'platform@acme.example' }), Date.parse('2027-01-30T00:00:00Z') / 1000);
    assert.equal(one(s, 'scb_allowlist_review_overdue', { owner: 'platform@acme.example' }), 0);
    // Inventory fan-out.
    assert.deepEqual(
      select(s, 'scb_image_workloads', { digest: D.web }).map((x) => [x.labels.namespace, x.labels.workload, x.labels.container]),
      [['shop', 'Deployment/web', 'web']],
    );
    assert.deepEqual(
      select(s, 'scb_image_workloads', { digest: D.postgres }).map((x) => [x.labels.namespace, x.labels.workload, x.labels.container]),
      [['batch', 'CronJob/backup', 'pg-dump']],
    );
    assert.equal(select(s, 'scb_image_workloads').length, 6);
    // Run health.
    assert.equal(one(s, 'scb_rescan_pods_listed'), 9);
    assert.equal(one(s, 'scb_rescan_images_scanned'), 4);
    assert.equal(one(s, 'scb_rescan_scan_errors_total'), 2);
    assert.equal(one(s, 'scb_rescan_last_success_timestamp_seconds'), NOW_S);
    assert.equal(one(s, 'scb_rescan_last_run_timestamp_seconds'), NOW_S);
    assert.ok((one(s, 'scb_rescan_duration_seconds') ?? -1) >= 0);
    // Nothing outside the documented names.
    assert.deepEqual([...new Set(s.map((x) => x.name))].filter((n) => !RESCAN_METRIC_NAMES.includes(n)), []);
  });

  it('given the monitoring bundle\'s metric list, then the rescanner emits exactly those names (one source: a rename cannot mute an alert)', () => {
    assert.deepEqual([...RESCAN_METRIC_NAMES].sort(), Object.values(SCB_METRICS).sort());
  });

  it('given images that stopped running, when the next run pushes, then their series are gone (group replaced, not merged)', async () => {
    // The web Deployment goes away: with it every HIGH/CRITICAL finding and every known build
    // time, so whole metric families vanish. A merging POST would have kept them alerting.
    await api.close();
    api = await startFakeApi({ pods: clusterPods().filter((p) => !p.metadata?.name?.startsWith('web-')), secrets: clusterSecrets, token: 'sa-token' });
    const later = new Date(NOW.getTime() + 6 * HOUR_MS);
    // The node-exporter registry is reachable again.
    const plan = { ...replayPlan, [D.exporter]: { fixture: 'alpine-310.json' } };

    const result = await runRescan(baseOptions(api.url, new ReplayScanner(plan), later, collectingLogger().logger));

    assert.equal(result.exitCode, 0);
    const s = await scrape(gateway);
    for (const gone of [D.web, D.proxy, D.migrate]) {
      assert.deepEqual(s.filter((x) => x.labels.digest === gone).map((x) => x.name), [], `series of ${gone} survived`);
    }
    assert.deepEqual(select(s, 'scb_image_vulnerability_info'), []);
    assert.deepEqual(select(s, 'scb_image_build_timestamp_seconds').map((x) => x.labels.digest).sort(), [D.exporter, D.postgres].sort());
    // First seen is carried from run to run: the 1970 image's age keeps growing from the first sighting.
    assert.equal(one(s, 'scb_image_first_seen_timestamp_seconds', { digest: D.postgres }), NOW_S);
    assert.equal(one(s, 'scb_image_build_timestamp_seconds', { digest: D.postgres }), NOW_S);
    // The exporter, failing before, scanned now: its streak is back to 0, its error info gone.
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: D.exporter }), 0);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: D.exporter }), undefined);
    assert.equal(one(s, 'scb_image_scan_errors', { digest: D.exporter }), 0);
    assert.equal(one(s, 'scb_image_vulnerabilities', { digest: D.exporter, severity: 'MEDIUM' }), 4);
    assert.equal(one(s, 'scb_rescan_pods_listed'), 5);
    assert.equal(one(s, 'scb_rescan_last_success_timestamp_seconds'), later.getTime() / 1000);
  });

  it('given the Trivy server is down, when a run starts, then no scan is tried, every finding is kept with its age, streaks do not move, and last success is carried over', async () => {
    const previousSuccess = NOW_S + 6 * 3600;
    const before = await scrape(gateway);
    const evenLater = new Date(NOW.getTime() + 12 * HOUR_MS);
    const trivy = await startFakeTrivyServer({ healthy: false });
    const scanner = new ReplayScanner(replayPlan);
    try {
      const result = await runRescan({ ...baseOptions(api.url, scanner, evenLater, collectingLogger().logger), scannerServer: new TrivyServerClient({ server: trivy.url, timeoutMs: 2000 }) });
      assert.equal(result.outcome, 'scan-errors');
      assert.equal(result.exitCode, 3);
      assert.equal(result.scannerHealthy, false);
      assert.equal(scanner.calls.length, 0);
    } finally {
      await trivy.close();
    }
    const s = await scrape(gateway);
    // The findings of the last good run are still there, unchanged, so open pages hold.
    const facts = (xs: typeof s) => select(xs, 'scb_image_vulnerabilities').map((x) => `${x.labels.digest} ${x.labels.severity} ${x.value}`).sort();
    assert.deepEqual(facts(s), facts(before));
    assert.ok(facts(s).length > 0);
    assert.equal(one(s, 'scb_image_vulnerabilities', { digest: D.exporter, severity: 'MEDIUM' }), 4);
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: D.exporter }), NOW_S + 6 * 3600);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: D.exporter, reason: 'scanner_unavailable' }), 1);
    // The outage is the server's fault, not the images': no digest's streak moves.
    assert.deepEqual(select(s, 'scb_image_scan_consecutive_failures').map((x) => x.value), select(before, 'scb_image_scan_consecutive_failures').map((x) => x.value));
    assert.equal(one(s, 'scb_trivy_server_up'), 0);
    assert.equal(select(s, 'scb_image_scan_errors').filter((x) => x.value === 1).length, 3);
    assert.equal(one(s, 'scb_rescan_scan_errors_total'), 3);
    assert.equal(one(s, 'scb_rescan_images_scanned'), 0);
    assert.equal(one(s, 'scb_rescan_last_run_timestamp_seconds'), evenLater.getTime() / 1000);
    assert.equal(one(s, 'scb_rescan_last_success_timestamp_seconds'), previousSuccess);
    // The inventory is still exported: what runs is known even when scanning is not.
    assert.equal(select(s, 'scb_image_workloads').length, 3);
  });

  it('given listing is forbidden, when a run starts, then exit 1 and the last good group is kept, only the run time moves', async () => {
    const previous = await scrape(gateway);
    const forbidden = await startFakeApi({ pods: [], listStatus: 403 });
    const latest = new Date(NOW.getTime() + 18 * HOUR_MS);
    try {
      const { logger, lines } = collectingLogger();
      const result = await runRescan(baseOptions(forbidden.url, new ReplayScanner(replayPlan), latest, logger));
      assert.equal(result.outcome, 'list-failed');
      assert.equal(result.exitCode, 1);
      assert.ok(lines.some((l) => l.includes('"event":"pod_list_failed"') && l.includes('403')));
    } finally {
      await forbidden.close();
    }
    const s = await scrape(gateway);
    assert.equal(one(s, 'scb_rescan_last_run_timestamp_seconds'), latest.getTime() / 1000);
    assert.equal(one(s, 'scb_rescan_last_success_timestamp_seconds'), NOW_S + 6 * 3600);
    assert.deepEqual(
      select(s, 'scb_image_workloads').map((x) => x.labels.digest).sort(),
      select(previous, 'scb_image_workloads').map((x) => x.labels.digest).sort(),
    );
  });

  it('given an unreachable Pushgateway, when the run tries to push, then exit 4', async () => {
    const result = await runRescan({ ...baseOptions(api.url, new ReplayScanner(replayPlan), NOW, collectingLogger().logger), pushgateway: 'http://127.0.0.1:1' });
    assert.equal(result.outcome, 'push-failed');
    assert.equal(result.exitCode, 4);
    assert.equal(result.pushed, false);
  });

  it('given no Pushgateway (dry run), when the run completes, then the body is returned and identical for identical input', async () => {
    const full = await startFakeApi({ pods: clusterPods(), secrets: clusterSecrets, token: 'sa-token' });
    const opts = (): RescanOptions => {
      const o = baseOptions(full.url, new ReplayScanner(replayPlan), NOW, collectingLogger().logger);
      return { ...o, pushgateway: undefined };
    };
    const a = await runRescan(opts());
    const b = await runRescan(opts());
    await full.close();
    assert.equal(a.pushed, false);
    assert.equal(a.outcome, 'success');
    const strip = (t: string) => t.replace(/^scb_rescan_duration_seconds\{.*$/m, '');
    assert.equal(strip(a.exposition), strip(b.exposition));
    assert.match(a.exposition, /^scb_image_vulnerabilities\{cluster="prod-eu-1",customer="acme",digest="sha256:a{64}",image="ghcr.io\/acme\/web",severity="CRITICAL"\} 2$/m);
  });
});
