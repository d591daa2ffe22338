/**
 * Admission latency, live: the wall time of `POST /api/v1/namespaces/NS/pods` (straight HTTPS
 * with the admin client certificate, so kubectl's own start-up is not measured), p50 and p99 over
 * N pod creations (default 100):
 *   - baseline: no policy of the bundle installed;
 *   - warm: the bundle's enforcing policies, the same good image every time (Kyverno's image
 *     verification cache on, after one verification);
 *   - cold: the same, after restarting the admission controller with the cache off
 *     (`--imageVerifyCacheEnabled=false`), so every creation verifies against the registry.
 * The target (issue #13): warm p99 within 3× the baseline p99. Results go to the matrix and, when
 * SCB_E2E_LATENCY_OUT is set, to that JSON file (read by `npm run bench`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import { synthLiveCustomer, type Engine } from '../live-customer';
import { ensureNamespaces, image, installPolicies, podObject, removeLivePolicies, type AdmissionContext } from './admission';

export interface LatencyContext extends AdmissionContext {
  /** Restarts Kyverno's controllers with extra admission-controller flags (run.sh's helper). */
  readonly restartKyverno: (extraArgs: string) => boolean;
}

export interface LatencyStats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function clientOf(kubeconfig: string) {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  return {
    server: new URL(cluster.server as string),
    ca: readFileSync(cluster['certificate-authority']),
    cert: readFileSync(user['client-certificate']),
    key: readFileSync(user['client-key']),
  };
}

function post(client: ReturnType<typeof clientOf>, path: string, body: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request(
      { host: client.server.hostname, port: client.server.port, path, method: 'POST', ca: client.ca, cert: client.cert, key: client.key, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.end(body);
  });
}

async function measure(context: AdmissionContext, label: string, namespace: string, img: string, n: number): Promise<LatencyStats> {
  const client = clientOf(context.kube.kubeconfig);
  const times: number[] = [];
  let failures = 0;
  // One unmeasured creation first: connection set-up, and (warm) the first verification.
  for (let i = -1; i < n; i++) {
    const pod = podObject(`lat-${label}-${i + 1}-${Date.now().toString(36)}`, namespace, img);
    const result = await post(client, `/api/v1/namespaces/${namespace}/pods`, JSON.stringify(pod));
    if (i < 0) continue;
    if (result.status !== 201) failures++;
    times.push(result.ms);
  }
  context.kube.run(['delete', 'pods', '--all', '-n', namespace, '--wait=false']);
  const sorted = [...times].sort((a, b) => a - b);
  return { n, p50: percentile(sorted, 50), p99: percentile(sorted, 99), failures };
}

export async function runLatency(context: LatencyContext, engine: Engine = 'ImageValidatingPolicy'): Promise<void> {
  const { kube, matrix } = context;
  const n = Number(process.env.SCB_E2E_LATENCY_N ?? 100);
  const group = `latency ${engine === 'ClusterPolicy' ? 'cp' : 'ivp'}`;
  const ns = 'production-latency';
  await ensureNamespaces(kube, [ns]);
  const good = image(context, engine === 'ClusterPolicy' ? 'good_REF' : 't_good_REF');
  removeLivePolicies(kube);
  const baseline = await measure(context, 'base', ns, good, n);
  const bundle = synthLiveCustomer(
    context.repoRoot,
    join(context.work, 'latency'),
    { name: 'live-latency', engine, registry: image(context, 'REGISTRY'), allowlisted: image(context, 'allowed_REF'), onboardedDaysAgo: 60, softDays: 30 },
    context.trust,
    new Date(),
  );
  await installPolicies(context, bundle, engine, 'enforce');
  const warm = await measure(context, 'warm', ns, good, n);
  let cold: LatencyStats | undefined;
  if (context.restartKyverno('--imageVerifyCacheEnabled=false')) {
    await installPolicies(context, bundle, engine, 'enforce');
    cold = await measure(context, 'cold', ns, good, n);
    context.restartKyverno('');
  }
  removeLivePolicies(kube);
  const fmt = (s: LatencyStats | undefined) => (s ? `p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms${s.failures ? `, ${s.failures} failed` : ''}` : 'not measured');
  matrix.check(group, `baseline, no policies (${n} pods)`, 'all created', baseline.failures === 0 ? 'all created' : `${baseline.failures} failed`, { note: fmt(baseline) });
  matrix.check(group, `bundle enforcing, cache warm (${n} pods)`, 'all created', warm.failures === 0 ? 'all created' : `${warm.failures} failed`, { note: fmt(warm) });
  matrix.check(group, `bundle enforcing, cache off/cold (${n} pods)`, 'all created', cold && cold.failures === 0 ? 'all created' : cold ? `${cold.failures} failed` : 'not measured', { note: fmt(cold) });
  const ratio = warm.p99 / baseline.p99;
  matrix.add({
    group,
    step: 'warm p99 / baseline p99',
    expected: '≤ 3.0',
    actual: ratio.toFixed(2),
    status: ratio <= 3 ? 'ok' : 'gap',
    note: ratio <= 3 ? undefined : 'target missed: reported, not failed (a loaded 2-core machine); see docs/e2e.md',
  });
  const out = process.env.SCB_E2E_LATENCY_OUT;
  if (out) {
    writeFileSync(out, JSON.stringify({ engine, n, baseline, warm, cold: cold ?? null, warmP99Ratio: ratio, coldP99Ratio: cold ? cold.p99 / baseline.p99 : null }, null, 2));
  }
}
