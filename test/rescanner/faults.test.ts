/**
 * The rescanner under faults, run after run against a REAL Pushgateway (its memory between
 * CronJob runs): a flaky registry, repeated per-digest failures, a stale or unreadable Trivy DB,
 * a private ECR image without credentials, and a gateway whose previous group cannot be read.
 * Scans and the Trivy server's endpoints are stand-ins (no Trivy DB or server runs here).
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubernetesClient } from '../../src/kubernetes/client';
import type { PodLike } from '../../src/rescanner/inventory';
import { silentLogger } from '../../src/rescanner/logger';
import { runRescan, type RescanOptions } from '../../src/rescanner/rescan';
import { WORKLOAD_IDENTITY_REGISTRIES } from '../../src/rescanner/config';
import { TrivyServerClient } from '../../src/rescanner/trivy-server';
import { digest, ReplayScanner, scrape, startFakeApi, startFakeTrivyServer, startPushgateway, type FakeApi, type FakeTrivyServer, type Pushgateway, type ReplayBehaviour, type ScrapedSeries } from './support';

const T0 = new Date('2026-11-25T00:00:00Z');
const HOUR = 3600;
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR * 1000);
const S = (hours: number) => T0.getTime() / 1000 + hours * HOUR;

const APP = digest('1');
const ECR = digest('2');
const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments';
/** What Trivy prints when ECR refuses an anonymous pull (go-containerregistry's transport error, wrapped by Trivy). */
const ECR_401 = `FATAL Fatal error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to find the specified image "${ECR_IMAGE}@${ECR}" in ["docker" "containerd" "podman" "remote"]: 4 errors occurred:\n\t* remote error: GET https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/payments/manifests/${ECR}: unexpected status code 401 Unauthorized: Not Authorized`;

function pod(name: string, namespace: string, image: string, dg: string): PodLike {
  return {
    metadata: { name, namespace, ownerReferences: [{ kind: 'ReplicaSet', name: `${name}-5d8f7c9b4d`, controller: true }] },
    status: { containerStatuses: [{ name: 'app', image: `${image}:1`, imageID: `${image}@${dg}` }] },
  };
}

function select(series: ScrapedSeries[], name: string, labels: Record<string, string> = {}): ScrapedSeries[] {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
function one(series: ScrapedSeries[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = select(series, name, labels);
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matched ${found.length}`);
  return found[0]?.value;
}

describe('rescanner under faults, run after run', () => {
  let gateway: Pushgateway;
  let api: FakeApi;
  let trivy: FakeTrivyServer;

  before(async () => {
    gateway = await startPushgateway();
    api = await startFakeApi({ pods: [pod('shop', 'production-a', 'ghcr.io/acme/shop', APP), pod('payments', 'production-a', ECR_IMAGE, ECR)] });
    trivy = await startFakeTrivyServer({ updatedAt: '2026-11-24T18:00:00Z' });
  });
  after(async () => {
    await gateway?.stop();
    await api?.close();
    await trivy?.close();
  });

  const run = (cluster: string, plan: Record<string, ReplayBehaviour>, hours: number, extra: Partial<RescanOptions> = {}) =>
    runRescan({
      customer: 'acme', cluster, kubernetes: new KubernetesClient({ apiServer: api.url }), scanner: new ReplayScanner(plan),
      scannerServer: new TrivyServerClient({ server: trivy.url }), pushgateway: gateway.url, scanRetries: 0, backoffMs: 0,
      maxScanErrorRatio: 0.5, now: () => at(hours), logger: silentLogger, ...extra,
    });
  const mine = async (cluster: string) => (await scrape(gateway)).filter((x) => x.labels.cluster === cluster);

  it('given a flaky registry, when a digest fails one run and then two in a row, then its CRITICAL findings stay with their age and the streak reaches 2 only on the second failure in a row', async () => {
    const ok = { [APP]: { fixture: 'alpine-39-high-critical.json' }, [ECR]: { fixture: 'alpine-310.json' } };
    const flaky = { ...ok, [APP]: { fail: 'GET https://ghcr.io/v2/acme/shop/manifests/x: net/http: TLS handshake timeout' } };

    await run('flaky', ok, 0);
    let s = await mine('flaky');
    const findings = select(s, 'scb_image_vulnerability_info', { digest: APP }).map((x) => x.labels.vulnerability_id).sort();
    assert.equal(findings.length, 2);

    // One failure: findings kept, marked as obtained at hour 0; streak 1 (no alert yet).
    await run('flaky', flaky, 6);
    s = await mine('flaky');
    assert.deepEqual(select(s, 'scb_image_vulnerability_info', { digest: APP }).map((x) => x.labels.vulnerability_id).sort(), findings);
    assert.equal(one(s, 'scb_image_vulnerabilities', { digest: APP, severity: 'CRITICAL' }), 2);
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: APP }), S(0));
    assert.equal(one(s, 'scb_image_scan_errors', { digest: APP }), 1);
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: APP }), 1);
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: APP, reason: 'timeout', credentials: 'none' }), 1);

    // Back: streak 0. A blip never reaches 2.
    await run('flaky', ok, 12);
    s = await mine('flaky');
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: APP }), 0);
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: APP }), S(12));

    // Two failures in a row: 2 (the per-digest alert's threshold), findings still from hour 12.
    await run('flaky', flaky, 18);
    await run('flaky', flaky, 24);
    s = await mine('flaky');
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: APP }), 2);
    assert.equal(one(s, 'scb_image_last_scan_timestamp_seconds', { digest: APP }), S(12));
    assert.equal(select(s, 'scb_image_vulnerability_info', { digest: APP }).length, 2);
    // The other digest was unaffected.
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: ECR }), 0);
  });

  it('given the Trivy DB, when it is fresh, stale, or unreadable, then UpdatedAt is exported, and the last reading is carried when the server cannot say', async () => {
    const plan = { [APP]: { fixture: 'alpine-310.json' }, [ECR]: { fixture: 'alpine-310.json' } };
    await run('db', plan, 0);
    assert.equal(one(await mine('db'), 'scb_trivy_db_updated_timestamp_seconds'), Date.parse('2026-11-24T18:00:00Z') / 1000);

    // The server stops updating its DB: the same UpdatedAt, three days later (the alert fires at 48h).
    const result = await run('db', plan, 72);
    assert.equal(result.trivyDb?.updatedAtSeconds, Date.parse('2026-11-24T18:00:00Z') / 1000);
    assert.equal(one(await mine('db'), 'scb_trivy_db_updated_timestamp_seconds'), Date.parse('2026-11-24T18:00:00Z') / 1000);

    // No DB downloaded yet (Trivy reports the zero time): the previous reading is kept, never 0.
    trivy.options.updatedAt = undefined;
    try {
      await run('db', plan, 78);
    } finally {
      trivy.options.updatedAt = '2026-11-24T18:00:00Z';
    }
    assert.equal(one(await mine('db'), 'scb_trivy_db_updated_timestamp_seconds'), Date.parse('2026-11-24T18:00:00Z') / 1000);
  });

  it('given a private ECR image and no credentials, when it is scanned, then the failure names the cause (unauthorized, no credentials); with an IRSA identity it says so', async () => {
    const plan = { [APP]: { fixture: 'alpine-310.json' }, [ECR]: { fail: ECR_401 } };
    await run('ecr', plan, 0);
    await run('ecr', plan, 6);
    let s = await mine('ecr');
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: ECR, image: ECR_IMAGE, reason: 'unauthorized', credentials: 'none' }), 1);
    assert.equal(one(s, 'scb_image_scan_consecutive_failures', { digest: ECR }), 2);
    assert.deepEqual(select(s, 'scb_image_vulnerabilities', { digest: ECR }), []);

    // With the rescanner's own IRSA identity the credentials are the pod's: still refused means the role lacks ECR rights.
    await run('ecr', plan, 12, { workloadIdentityRegistries: WORKLOAD_IDENTITY_REGISTRIES.aws });
    s = await mine('ecr');
    assert.equal(one(s, 'scb_image_scan_failure_info', { digest: ECR, reason: 'unauthorized', credentials: 'workload_identity' }), 1);

    // With a registry Secret of its own, the credentials go to the scan.
    const scanner = new ReplayScanner({ [APP]: { fixture: 'alpine-310.json' }, [ECR]: { fixture: 'alpine-310.json' } });
    const result = await runRescan({
      customer: 'acme', cluster: 'ecr', kubernetes: new KubernetesClient({ apiServer: api.url }), scanner, pushgateway: gateway.url,
      scanRetries: 0, now: () => at(18), logger: silentLogger,
      registryCredentials: { '123456789012.dkr.ecr.eu-west-1.amazonaws.com': { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', password: 'ecr-token' } },
    });
    assert.equal(result.outcome, 'success');
    assert.equal(scanner.calls.find((c) => c.ref.startsWith(ECR_IMAGE))?.credentials?.password, 'ecr-token');
    assert.equal(result.images.find((i) => i.digest === ECR)?.credentialSource, 'registry_secret');
    assert.equal(one(await mine('ecr'), 'scb_image_scan_consecutive_failures', { digest: ECR }), 0);
  });

  it('given a gateway whose previous group cannot be read, when a run ends, then the group is not replaced (only the attempt is recorded) and the exit code is 4', async () => {
    const methods: string[] = [];
    // A stand-in gateway that answers writes but fails reads.
    const broken = http.createServer((req, res) => {
      methods.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(req.method === 'GET' ? 503 : 200).end());
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const result = await run('broken', { [APP]: { fixture: 'alpine-310.json' }, [ECR]: { fixture: 'alpine-310.json' } }, 0, {
        pushgateway: `http://127.0.0.1:${(broken.address() as AddressInfo).port}`,
      });
      assert.equal(result.exitCode, 4);
      assert.match(result.error ?? '', /previous push unreadable/);
      assert.deepEqual(methods, ['GET /api/v1/metrics', 'POST /metrics/job/supply_chain_rescanner/cluster/broken/customer/acme']);
    } finally {
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });
});
