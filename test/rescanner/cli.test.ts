/**
 * `scb rescan` as the CronJob runs it: flags + config file, an API server stand-in, a stand-in
 * `trivy` executable replaying real reports (no Trivy DB here), and a real Pushgateway.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_USAGE, rescanCommand } from '../../src/rescanner/cli';
import { parseRescannerConfig, type RescannerConfig } from '../../src/rescanner/config';
import { jsonLogger, type RescanLogger } from '../../src/rescanner/logger';
import { clusterPods, clusterSecrets, D, GHCR_PASSWORD, replayPlan } from './cluster';
import { parseExposition, scrape, startFakeApi, startFakeTrivyServer, startPushgateway, trivyFixturesDir, type FakeApi, type FakeTrivyServer, type Pushgateway } from './support';

let dir: string;
let gateway: Pushgateway;
let api: FakeApi;
let trivyBin: string;
let recordFile: string;
let trivyServer: FakeTrivyServer;
const DB_UPDATED_AT = '2026-11-25T06:00:00Z';

function collecting(): { logger: RescanLogger; lines: string[] } {
  const lines: string[] = [];
  const logger = jsonLogger({ write: (c: string) => lines.push(...c.split('\n').filter(Boolean)) });
  return { logger, lines };
}

function sink(): { write(c: string): void; text: () => string } {
  let buf = '';
  return { write: (c: string) => void (buf += c), text: () => buf };
}

describe('scb rescan command', () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'scb-rescan-cli-'));
    gateway = await startPushgateway();
    api = await startFakeApi({ pods: clusterPods(), secrets: clusterSecrets, token: 'sa-token' });
    trivyServer = await startFakeTrivyServer({ updatedAt: DB_UPDATED_AT, token: 'trivy-server-token' });
    writeFileSync(path.join(dir, 'sa-token'), 'sa-token\n');
    writeFileSync(path.join(dir, 'trivy-token'), 'trivy-server-token\n');
    recordFile = path.join(dir, 'trivy-calls.txt');
    // Stand-in trivy: answers by digest from the real reports, records what it was given.
    const cases = Object.entries(replayPlan)
      .map(([dg, b]) => ('fixture' in b ? `  *${dg}) cat '${path.join(trivyFixturesDir(), String(b.fixture))}' ;;` : `  *${dg}) echo 'FATAL ${b.fail}' >&2; exit 1 ;;`))
      .join('\n');
    trivyBin = path.join(dir, 'trivy');
    writeFileSync(
      trivyBin,
      `#!/bin/sh\nfor last; do :; done\necho "$last token=$TRIVY_TOKEN user=$TRIVY_USERNAME" >> '${recordFile}'\ncase "$last" in\n${cases}\n  *) exit 2 ;;\nesac\n`,
    );
    chmodSync(trivyBin, 0o755);
  });
  after(async () => {
    await gateway?.stop();
    await api?.close();
    await trivyServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given --help, when run, then usage is printed and the exit code is 0', async () => {
    const out = sink();
    assert.equal(await rescanCommand(['--help'], { stdout: out, logger: collecting().logger }), 0);
    assert.match(out.text(), /Usage: scb rescan/);
    assert.match(out.text(), /--max-image-age-days/);
  });

  it('given bad flags or configuration, when run, then exit 64 with the reason logged', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--no-such-flag'], /unknown option --no-such-flag\. Options: --config, /],
      [['--concurrency', 'zero'], /--concurrency: expected a whole number/],
      [['--customer', 'acme'], /missing cluster, trivyServer, pushgateway/],
    ];
    const badConfig = path.join(dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ customer: 'acme', maxImageAge: 30 }));
    cases.push([['--config', badConfig], /unknown field .{0,3}maxImageAge/]);
    for (const [argv, reason] of cases) {
      const { logger, lines } = collecting();
      assert.equal(await rescanCommand(argv, { logger, stdout: sink() }), EXIT_USAGE, argv.join(' '));
      assert.match(lines.join('\n'), reason);
    }
  });

  it('given a config file and overriding flags, when run against the cluster, then the trivy binary scans every digest and the metrics land in the gateway', async () => {
    const config: RescannerConfig = {
      customer: 'acme',
      cluster: 'from-config',
      trivyServer: trivyServer.url,
      pushgateway: gateway.url,
      maxImageAgeDays: 30,
      trivyTokenFile: path.join(dir, 'trivy-token'),
      trivyPath: trivyBin,
      scanRetries: 0,
      maxScanErrorRatio: 0.5,
      allowlist: [{ image: `docker.io/library/postgres@${D.postgres}`, owner: 'team-data', reason: 'pinned', lastReviewed: '2026-11-01', reviewIntervalDays: 90 }],
    };
    // The ConfigMap content round-trips through the validator unchanged.
    assert.deepEqual(parseRescannerConfig(JSON.parse(JSON.stringify(config))), config);
    const configFile = path.join(dir, 'rescanner.json');
    writeFileSync(configFile, JSON.stringify(config));
    const { logger, lines } = collecting();

    const code = await rescanCommand(
      ['--config', configFile, '--cluster', 'prod-eu-1', '--api-server', api.url, '--token-file', path.join(dir, 'sa-token'), '--page-limit', '3', '--concurrency', '2'],
      { logger, stdout: sink(), now: () => new Date('2026-11-25T12:00:00Z') },
    );

    assert.equal(code, 0, lines.join('\n'));
    const calls = readFileSync(recordFile, 'utf8').trim().split('\n').sort();
    assert.equal(calls.length, 6);
    assert.ok(calls.every((c) => c.includes('token=trivy-server-token')));
    assert.ok(calls.find((c) => c.startsWith(`ghcr.io/acme/web@${D.web}`))?.endsWith('user=acme-bot'));
    const s = await scrape(gateway);
    const ours = s.filter((x) => x.labels.cluster === 'prod-eu-1');
    assert.ok(ours.length > 0);
    assert.deepEqual(s.filter((x) => x.labels.cluster === 'from-config'), []);
    assert.equal(ours.find((x) => x.name === 'scb_image_vulnerabilities' && x.labels.digest === D.web && x.labels.severity === 'CRITICAL')?.value, 2);
    assert.equal(ours.find((x) => x.name === 'scb_image_scan_errors' && x.labels.digest === D.exporter)?.value, 1);
    assert.equal(ours.find((x) => x.name === 'scb_allowlist_review_overdue')?.labels.owner, 'team-data');
    // Logs: JSON lines with time/level/event; no secrets.
    for (const line of lines) {
      const parsed = JSON.parse(line) as { time?: string; level?: string; event?: string };
      assert.ok(parsed.time && parsed.level && parsed.event, line);
      for (const secret of [GHCR_PASSWORD, 'trivy-server-token', 'sa-token\n', 'Bearer']) assert.ok(!line.includes(secret), line);
    }
    assert.ok(lines.some((l) => l.includes('"event":"rescan_finished"') && l.includes('"outcome":"success"')));
    // The Trivy server's DB age, read from its /version endpoint with the server token.
    const run = s.filter((x) => x.labels.cluster === 'prod-eu-1');
    assert.equal(run.find((x) => x.name === 'scb_trivy_db_updated_timestamp_seconds')?.value, Date.parse(DB_UPDATED_AT) / 1000);
    assert.equal(run.find((x) => x.name === 'scb_trivy_server_up')?.value, 1);
    assert.ok(trivyServer.requests.some((r) => r.path === '/version' && r.token === 'trivy-server-token'));
  });

  it('given --dry-run, when run, then the exposition goes to stdout and nothing is pushed', async () => {
    const out = sink();
    const code = await rescanCommand(
      ['--customer', 'acme', '--cluster', 'dry', '--trivy-server', trivyServer.url, '--trivy-path', trivyBin, '--api-server', api.url,
        '--token-file', path.join(dir, 'sa-token'), '--scan-retries', '0', '--max-scan-error-ratio', '0.5', '--dry-run'],
      { logger: collecting().logger, stdout: out },
    );
    assert.equal(code, 0);
    const series = parseExposition(out.text());
    assert.ok(series.some((x) => x.name === 'scb_rescan_pods_listed' && x.value === 9));
    assert.deepEqual((await scrape(gateway)).filter((x) => x.labels.cluster === 'dry'), []);
  });

  it('given the API server rejects the token, when run, then exit 1', async () => {
    writeFileSync(path.join(dir, 'wrong-token'), 'nope');
    const { logger, lines } = collecting();
    const code = await rescanCommand(
      ['--customer', 'acme', '--cluster', 'unauth', '--trivy-server', 'http://t:4954', '--trivy-path', trivyBin, '--pushgateway', gateway.url,
        '--api-server', api.url, '--token-file', path.join(dir, 'wrong-token')],
      { logger, stdout: sink() },
    );
    assert.equal(code, 1);
    assert.ok(lines.some((l) => l.includes('pod_list_failed') && l.includes('401')));
    assert.ok(!lines.join('\n').includes('nope'));
  });
});
