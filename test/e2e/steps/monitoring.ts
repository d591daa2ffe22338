/**
 * Monitoring, live. A customer's running pods (a few dozen, shared digests), the real rescanner
 * (`scb rescan`, as its CronJob runs it) listing them through the live API with the token of the
 * bundle's own `scb-rescanner` ServiceAccount, scanning through the Trivy STAND-IN (fixture
 * reports, trivy-standin.ts), verifying signatures against the test trust root, and pushing to a
 * real Pushgateway; a real Prometheus scraping the
 * Pushgateway and Kyverno's admission-controller metrics, with the bundle's PrometheusRule
 * groups loaded as rule files. The alerts must fire, then resolve, in Prometheus's alerts API.
 *
 * Two honest adjustments, both printed in the matrix notes:
 *   - rules' `for:` durations are shortened to 5 s (expressions untouched), so that a run takes
 *     seconds, not hours;
 *   - there is no kubelet: each pod's status gets the imageID a kubelet would report (its
 *     digest), through the status subresource.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { LANDED } from '../landed';
import { synthLiveCustomer, type Engine } from '../live-customer';
import { createPod, ensureNamespaces, image, installPolicies, podObject, removeLivePolicies, type AdmissionContext } from './admission';

export interface MonitoringContext extends AdmissionContext {
  /** The admission controller's metrics endpoint, host:port. */
  readonly kyvernoMetrics: string;
  /** The API server URL and its CA file (for the rescanner). */
  readonly apiServer: string;
  readonly caFile: string;
  readonly fixtures: string;
  /** The test trusted_root.json (test CA, timestamp authority) the images are signed under. */
  readonly trustedRoot: string;
}

const DAY = 24 * 3600 * 1000;
const FOR = '5s';

function freePort(): number {
  const out = spawnSync('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'], { encoding: 'utf8' });
  return Number(out.stdout.trim());
}

async function httpGet(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, { method });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

interface Alert {
  labels: Record<string, string>;
  state: string;
}

export async function runMonitoring(context: MonitoringContext, engine: Engine = 'ImageValidatingPolicy'): Promise<void> {
  const { kube, matrix } = context;
  const group = 'monitoring';
  const children: ChildProcess[] = [];
  const dir = join(context.work, 'monitoring');
  mkdirSync(dir, { recursive: true });
  const key = (name: string) => (engine === 'ClusterPolicy' ? name : `t_${name}`);
  try {
    const customer = 'live-mon';
    const bundle = synthLiveCustomer(
      context.repoRoot,
      join(context.work, 'monitoring-synth'),
      { name: customer, engine, registry: image(context, 'REGISTRY'), allowlisted: image(context, 'allowed_REF'), onboardedDaysAgo: 200, softDays: 30, reviewedDaysAgo: 100 },
      context.trust,
      new Date(),
    );
    const k8sDir = join(bundle.dir, 'kubernetes');
    // The bundle's own namespace and rescanner RBAC: the rescanner runs with exactly those rights.
    const rbac = kube.run(['apply', '--server-side', '-f', join(k8sDir, 'monitoring-namespace.yaml'), '-f', join(k8sDir, 'rescanner-rbac.yaml')]);
    matrix.check(group, "bundle's namespace and rescanner RBAC applied", 'exit 0', `exit ${rbac.code}`, { note: rbac.code === 0 ? undefined : rbac.stderr.slice(0, 200) });

    // Workloads admitted earlier (no policy yet): shared digests across two production namespaces.
    removeLivePolicies(kube);
    const namespaces = ['production-mon-a', 'production-mon-b'];
    await ensureNamespaces(kube, namespaces);
    const created = new Date();
    const images: Record<string, { ref: string; fixture: string; createdDaysAgo?: number; count: number }> = {
      fresh: { ref: image(context, key('good_REF')), fixture: 'alpine-310.json', createdDaysAgo: 2, count: 10 },
      vulnerable: { ref: image(context, key('critold_REF')), fixture: 'debian-buster.json', createdDaysAgo: 3, count: 8 },
      stale: { ref: image(context, key('stalescan_REF')), fixture: 'alpine-310.json', createdDaysAgo: 45, count: 6 },
      allowlisted: { ref: image(context, 'allowed_REF'), fixture: 'distroless-base.json', count: 4 },
    };
    const standinMap: Record<string, { fixture: string; created?: string }> = {};
    let pods = 0;
    for (const [name, spec] of Object.entries(images)) {
      const digest = spec.ref.slice(spec.ref.indexOf('@') + 1);
      standinMap[digest] = {
        fixture: join(context.fixtures, spec.fixture),
        ...(spec.createdDaysAgo !== undefined ? { created: new Date(created.getTime() - spec.createdDaysAgo * DAY).toISOString() } : {}),
      };
      for (let i = 0; i < spec.count; i++) {
        const ns = namespaces[i % namespaces.length];
        const podName = `${name}-${i}`;
        const pod = podObject(podName, ns, spec.ref, { labels: { app: name } });
        if (kube.create(pod).code !== 0) continue;
        // What a kubelet would report once running (there is none): the digest it resolved.
        const status = {
          status: {
            phase: 'Running',
            containerStatuses: [{ name: 'app', image: spec.ref, imageID: spec.ref, ready: true, restartCount: 0, state: { running: { startedAt: created.toISOString() } } }],
          },
        };
        if (kube.run(['patch', 'pod', podName, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]).code === 0) pods++;
      }
    }
    const wanted = Object.values(images).reduce((sum, spec) => sum + spec.count, 0);
    matrix.check(group, 'running pods with a declared imageID (no kubelet)', `${wanted} pods`, `${pods} pods`, { note: '4 digests shared across 2 namespaces' });

    // Enforcing policies from now on (for the signature-failure alert).
    await installPolicies(context, bundle, engine, 'enforce');

    // Pushgateway and Prometheus, real, on loopback.
    const pgPort = freePort();
    const startPushgateway = () => {
      const child = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${pgPort}`], { stdio: 'ignore' });
      children.push(child);
      return child;
    };
    startPushgateway();
    await kube.waitFor(() => undefined, 1500);
    const configMap = parseAllDocuments(readFileSync(join(k8sDir, 'rescanner.yaml'), 'utf8'))
      .map((doc) => doc.toJS())
      .find((doc) => doc?.kind === 'ConfigMap' && doc.data?.['rescanner.json']);
    // The generated config, with the test trust root (as the policies get it: the images are
    // signed by the test CA and timestamp authority, not by the public Sigstore instance).
    const rescannerConfig = JSON.parse(configMap.data['rescanner.json']);
    if (rescannerConfig.signingIdentity) rescannerConfig.trustedRootFile = context.trustedRoot;
    writeFileSync(join(dir, 'rescanner.json'), JSON.stringify(rescannerConfig, null, 2));
    writeFileSync(join(dir, 'standin-map.json'), JSON.stringify(standinMap, null, 2));
    writeFileSync(join(dir, 'trivy-token'), 'e2e-not-a-secret\n');
    writeFileSync(join(dir, 'trivy'), `#!/bin/sh\n# Trivy STAND-IN (test/e2e/trivy-standin.ts)\nexec "${process.execPath}" "${join(context.repoRoot, 'lib/test/e2e/trivy-standin.js')}" "$@"\n`, { mode: 0o755 });
    const trivyPort = freePort();
    children.push(
      spawn(process.execPath, [join(context.repoRoot, 'lib/test/e2e/trivy-standin.js'), 'server', '--listen', `127.0.0.1:${trivyPort}`], { stdio: 'ignore' }),
    );
    const token = kube.run(['create', 'token', 'scb-rescanner', '-n', 'supply-chain-monitoring', '--duration', '2h']);
    writeFileSync(join(dir, 'rescanner-token'), token.stdout.trim());
    const rescan = () =>
      spawnSync(
        process.execPath,
        [
          join(context.repoRoot, 'bin/scb.js'), 'rescan',
          '--config', join(dir, 'rescanner.json'),
          '--api-server', context.apiServer, '--token-file', join(dir, 'rescanner-token'), '--ca-file', context.caFile,
          '--trivy-server', `http://127.0.0.1:${trivyPort}`, '--trivy-path', join(dir, 'trivy'), '--trivy-token-file', join(dir, 'trivy-token'),
          '--pushgateway', `http://127.0.0.1:${pgPort}`,
        ],
        { encoding: 'utf8', env: { ...process.env, SCB_TRIVY_STANDIN_MAP: join(dir, 'standin-map.json') } },
      );
    const first = rescan();
    matrix.check(group, 'scb rescan against the live API (scb-rescanner token), pushed', 'exit 0', `exit ${first.status}`, {
      note: first.status === 0 ? undefined : first.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 200),
    });
    const pushed = await httpGet(`http://127.0.0.1:${pgPort}/metrics`);
    const digestsPushed = new Set([...pushed.body.matchAll(/scb_image_workloads\{[^}]*digest="(sha256:[0-9a-f]+)"/g)].map((m) => m[1])).size;
    matrix.check(group, 'Pushgateway holds one series set per running digest', '4 digests', `${digestsPushed} digests`);
    // The pre-flip alert names workloads from Kyverno's PolicyReports, read with the bundle's own
    // ClusterRole (list only): the live API server must let the rescanner read them.
    const reportsRead = /^scb_admission_reports_read\{[^}]*\} (\S+)$/m.exec(pushed.body)?.[1];
    const named = [...pushed.body.matchAll(/^scb_admission_would_refuse\{[^}]*workload="([^"]+)"[^}]*\}/gm)].map((m) => m[1]);
    matrix.check(group, "rescanner reads Kyverno's PolicyReports with the bundle's ClusterRole", 'read (1)', reportsRead === '1' ? 'read (1)' : `not read (${reportsRead ?? 'no series'})`, {
      note: `scb_admission_would_refuse names ${named.length} workload series${named.length > 0 ? ` (e.g. ${[...new Set(named)].slice(0, 3).join(', ')})` : ''}`,
    });

    // Rule files: the bundle's PrometheusRule groups, `for` shortened.
    const rule = parse(readFileSync(join(k8sDir, 'monitoring-alerts.yaml'), 'utf8'));
    const groups = (rule.spec.groups as any[]).map((g) => ({ ...g, rules: g.rules.map((r: any) => (r.for ? { ...r, for: FOR } : r)) }));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
    const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    matrix.check(group, 'generated rule groups load (promtool check rules)', 'exit 0', `exit ${check.status}`, { note: check.status === 0 ? undefined : check.stdout.slice(-200) });
    const promPort = freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '2s', evaluation_interval: '2s' },
        rule_files: [join(dir, 'rules.yaml')],
        scrape_configs: [
          { job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${pgPort}`] }] },
          { job_name: 'kyverno-admission-controller', static_configs: [{ targets: [context.kyvernoMetrics] }] },
        ],
      }),
    );
    children.push(
      spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], {
        stdio: ['ignore', 'ignore', 'ignore'],
      }),
    );
    const alerts = async (): Promise<Alert[]> => {
      const response = await httpGet(`http://127.0.0.1:${promPort}/api/v1/alerts`);
      return response.status === 200 ? (JSON.parse(response.body).data.alerts as Alert[]) : [];
    };
    const kyvernoUp = async () => {
      const response = await httpGet(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('up{job="kyverno-admission-controller"}')}`);
      return response.status === 200 && /"1"\]/.test(response.body);
    };


    // What Kyverno really emits for the customer's policies: shown when an alert does not fire.
    const kyvernoSeries = async () => {
      const query = `{__name__=~"kyverno_.*policy_results_total", policy_name=~"scb-${customer}-.*"}`;
      const response = await httpGet(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`);
      if (response.status !== 200) return 'query failed';
      const result = JSON.parse(response.body).data.result as { metric: Record<string, string> }[];
      return result
        .map(({ metric }) => `${metric.__name__}{${['policy_name', 'result', 'rule_result', 'policy_validation_mode', 'execution_cause', 'rule_execution_cause'].filter((k) => metric[k]).map((k) => `${k}="${metric[k]}"`).join(',')}}`)
        .join('; ');
    };
    const firing = async (name: string, timeoutMs: number, match: (a: Alert) => boolean = () => true) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await alerts()).find((a) => a.labels.alertname === name && a.state === 'firing' && match(a));
        if (found) return found;
        if (Date.now() > deadline) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    };
    const resolved = async (name: string, timeoutMs: number, match: (a: Alert) => boolean = () => true) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!(await alerts()).some((a) => a.labels.alertname === name && match(a))) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    };
    let up = false;
    for (let i = 0; i < 30 && !up; i++) {
      up = await kyvernoUp();
      if (!up) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    matrix.check(group, 'Prometheus scrapes Kyverno’s admission metrics', 'up', up ? 'up' : 'down');
    // A refused unsigned pod: Kyverno's own metric drives the signature-failure alert, which
    // reads rule 1's series alone (its own policy on the IVP engine, its rule name on the
    // ClusterPolicy engine). The first refusal creates the counter's series at 1, which
    // increase() alone cannot see; the alert counts a series born inside its window whole.
    const refuseUnsigned = () => createPod(kube, podObject(`unsigned-${Date.now().toString(36)}`, 'production-mon-a', image(context, key('unsigned_REF')))).verdict;
    matrix.check(group, 'unsigned pod refused (feeds Kyverno’s metrics)', 'refuse', refuseUnsigned());
    const firstAlert = await firing('SupplyChainSignatureVerificationFailed', 30_000, (a) => a.labels.check === 'signature');
    matrix.pending(
      15,
      LANDED.monitoringAlerts,
      group,
      'signature-failure alert on the first refusal since Kyverno started',
      'firing',
      firstAlert ? 'firing' : 'not firing',
      `a counter series born at 1 counts whole; Kyverno emitted: ${(await kyvernoSeries()) || 'no series'}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    matrix.check(group, 'a second unsigned pod refused', 'refuse', refuseUnsigned());
    const vulnerableDigest = images.vulnerable.ref.slice(images.vulnerable.ref.indexOf('@') + 1);
    const expectations: [string, string, (a: Alert) => boolean][] = [
      ['SupplyChainVulnerableRunningImage', 'CVE page (CRITICAL in a running image)', (a) => a.labels.vulnerability_severity === 'CRITICAL' && a.labels.digest === vulnerableDigest],
      ['SupplyChainStaleImage', 'stale-image alert (built 45 days ago)', () => true],
      ['SupplyChainAllowlistReviewOverdue', 'allowlist review alert (reviewed 100 days ago)', () => true],
      ['SupplyChainSignatureVerificationFailed', 'signature-failure alert (second refusal, Kyverno’s metric, rule 1 only)', (a) => a.labels.check === 'signature'],
    ];
    for (const [name, label, match] of expectations) {
      const alert = await firing(name, 60_000, match);
      const actual = alert ? 'firing' : 'not firing';
      const note = `rule ${name}, for: ${FOR}${!alert && name === 'SupplyChainSignatureVerificationFailed' ? `; Kyverno emitted: ${(await kyvernoSeries()) || 'no series'}` : ''}`;
      matrix.check(group, label, 'firing', actual, { note });
    }

    // Dead man's switch: the rescanner's group is gone (as after skipped runs expired it).
    const groupPath = `/metrics/job/supply_chain_rescanner/cluster/${customer}/customer/${customer}`;
    const deleted = await httpGet(`http://127.0.0.1:${pgPort}${groupPath}`, 'DELETE');
    const missing = deleted.status === 202 ? await firing('SupplyChainRescannerMetricsMissing', 90_000) : undefined;
    matrix.check(group, "rescanner dead man's switch (a run skipped: no series pushed)", 'firing', missing ? 'firing' : 'not firing', { note: `rule SupplyChainRescannerMetricsMissing, for: ${FOR}` });

    // Resolve: the vulnerable and stale workloads go away, the rescanner runs again.
    for (const ns of namespaces) kube.run(['delete', 'pods', '-n', ns, '-l', 'app in (vulnerable,stale)', '--wait=true']);
    const second = rescan();
    matrix.check(group, 'scb rescan after the vulnerable and stale pods are gone', 'exit 0', `exit ${second.status}`);
    for (const [name, label] of [
      ['SupplyChainVulnerableRunningImage', 'CVE page resolves'],
      ['SupplyChainStaleImage', 'stale-image alert resolves'],
      ['SupplyChainRescannerMetricsMissing', "dead man's switch resolves"],
    ] as const) {
      const ok = await resolved(name, 60_000);
      matrix.check(group, label, 'resolved', ok ? 'resolved' : 'still active');
    }
  } finally {
    for (const child of children) child.kill();
    removeLivePolicies(kube);
  }
}
