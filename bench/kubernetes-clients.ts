/**
 * Which Kubernetes client can list the rescanner's inventory within its targets (10,000 pods,
 * 300 digests, ≤ 2000 ms, ≤ 256 MB)? Runs the inventory benchmark's rescan in a fresh process per
 * variant, interleaved, and reports each process's wall time (start-up and imports included: the
 * rescanner is a CronJob, every run is a cold process) and peak RSS:
 * - `lean`: the project's node:https client (src/kubernetes/client.ts) with a token, as the
 *   rescanner runs it;
 * - `client-node-raw`: the same client authenticated by @kubernetes/client-node's KubeConfig
 *   (`applyToHTTPSOptions` on every request), as `scb flip-check` runs it;
 * - `client-node-typed`: client-node's `CoreV1Api.listPodForAllNamespaces` with `limit`/`_continue`
 *   (typed models).
 * Not part of `npm run bench`'s targets; `node lib/bench/kubernetes-clients.js [runs]` prints JSON.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PodListPage } from '../src/rescanner/inventory';
import { KubernetesClient, type ListOptions, type ListResult } from '../src/kubernetes/client';
import { silentLogger } from '../src/rescanner/logger';
import { runRescan } from '../src/rescanner/rescan';
import type { TrivyReport } from '../src/rescanner/trivy-report';
import { startFakeApi, trivyFixturesDir } from '../test/rescanner/support';
import { CountingScanner, benchmarkPods } from './rescanner-inventory';

const VARIANTS = ['lean', 'client-node-raw', 'client-node-typed'] as const;
type Variant = (typeof VARIANTS)[number];

type ClientNode = typeof import('@kubernetes/client-node');
const loadClientNode = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<ClientNode>;

function kubeconfigFor(k8s: ClientNode, server: string) {
  const kubeconfig = new k8s.KubeConfig();
  kubeconfig.loadFromOptions({
    // The API stand-in speaks plain HTTP, which client-node allows only with skipTLSVerify.
    clusters: [{ name: 'bench', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'bench', token: 'bench-token' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  return kubeconfig;
}

async function clientFor(variant: Variant, apiUrl: string): Promise<KubernetesClient> {
  if (variant === 'lean') return new KubernetesClient({ apiServer: apiUrl, token: 'bench-token' });
  const k8s = await loadClientNode('@kubernetes/client-node');
  const kubeconfig = kubeconfigFor(k8s, apiUrl);
  if (variant === 'client-node-raw') {
    // The project's client, authenticated by client-node's KubeConfig on every request (as flip-check does).
    return new KubernetesClient({ apiServer: apiUrl, authenticate: (options) => kubeconfig.applyToHTTPSOptions(options) });
  }
  const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  const typed = {
    async listPods(options: ListOptions<unknown>): Promise<ListResult> {
      options.onStart?.(0);
      let pages = 0;
      let token: string | undefined;
      do {
        const page = await core.listPodForAllNamespaces({ limit: options.limit ?? 500, ...(token ? { _continue: token } : {}) });
        pages += 1;
        options.onPage(page as unknown as PodListPage);
        token = page.metadata?._continue || undefined;
      } while (token);
      return { pages, relists: 0 };
    },
    async getDockerConfig() {
      return undefined;
    },
  };
  return typed as unknown as KubernetesClient;
}

async function child(variant: Variant, apiUrl: string): Promise<void> {
  const fixture = resolve(trivyFixturesDir(), 'alpine-310.json');
  const scanner = new CountingScanner(JSON.parse(readFileSync(fixture, 'utf8')) as TrivyReport);
  const started = process.hrtime.bigint();
  const kubernetes = await clientFor(variant, apiUrl);
  const clientMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = await runRescan({ customer: 'bench', cluster: 'bench', kubernetes, scanner, concurrency: 8, logger: silentLogger });
  const rescanMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    JSON.stringify({
      clientMs,
      rescanMs,
      processMs: performance.now(),
      maxRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
      podsListed: result.podsListed,
      scansIssued: scanner.scans,
    }),
  );
}

export async function run(runs = 5): Promise<object> {
  const api = await startFakeApi({ pods: benchmarkPods(), token: 'bench-token' });
  const samples: Record<Variant, Record<string, number>[]> = { lean: [], 'client-node-raw': [], 'client-node-typed': [] };
  try {
    for (let round = 0; round < runs; round++) {
      for (const variant of VARIANTS) {
        const { stdout } = await promisify(execFile)(process.execPath, [__filename, '--child', variant, api.url], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
        samples[variant].push(JSON.parse(stdout) as Record<string, number>);
      }
    }
  } finally {
    await api.close();
  }
  const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  return Object.fromEntries(
    VARIANTS.map((variant) => {
      const rows = samples[variant];
      return [
        variant,
        {
          processMs: range(rows.map((row) => row.processMs)),
          clientMs: range(rows.map((row) => row.clientMs)),
          rescanMs: range(rows.map((row) => row.rescanMs)),
          maxRssMB: range(rows.map((row) => row.maxRssMB)),
          podsListed: rows[0].podsListed,
          scansIssued: rows[0].scansIssued,
        },
      ];
    }),
  );
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    child(process.argv[3] as Variant, process.argv[4]).catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
  } else {
    run(Number(process.argv[2] ?? 5)).then((result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`));
  }
}
