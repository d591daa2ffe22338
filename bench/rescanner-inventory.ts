/**
 * Rescanner orchestration benchmark: 10,000 pods running 300 unique digests, listed in pages
 * from a local API stand-in (no API server runs here), scanned by a zero-latency stub so that
 * only inventory, de-duplication and scheduling are measured. The rescan runs in a child process
 * so that its peak RSS is its own; the API stand-in runs in the parent.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubernetesClient } from '../src/kubernetes/client';
import type { PodLike } from '../src/rescanner/inventory';
import { silentLogger } from '../src/rescanner/logger';
import { runRescan } from '../src/rescanner/rescan';
import type { ImageScanner } from '../src/rescanner/scanner';
import type { TrivyReport } from '../src/rescanner/trivy-report';
import { startFakeApi, trivyFixturesDir } from '../test/rescanner/support';

const PODS = 10_000;
const DIGESTS = 300;

export function benchmarkPods(pods = PODS, digests = DIGESTS): PodLike[] {
  return Array.from({ length: pods }, (_, index) => {
    const app = index % digests;
    const digest = `sha256:${app.toString(16).padStart(64, '0')}`;
    const image = `ghcr.io/bench/app-${app}`;
    return {
      metadata: {
        name: `app-${app}-7d9f8c6b5-${index.toString(36).padStart(5, '0')}`,
        namespace: `production-${index % 20}`,
        ownerReferences: [{ kind: 'ReplicaSet', name: `app-${app}-7d9f8c6b5`, controller: true }],
      },
      spec: {},
      status: { containerStatuses: [{ name: 'app', image: `${image}:1.0`, imageID: `${image}@${digest}` }] },
    };
  });
}

/** Zero-latency scanner that counts the scans it is asked for. */
export class CountingScanner implements ImageScanner {
  scans = 0;
  constructor(private readonly report: TrivyReport) {}
  async scan(): Promise<TrivyReport> {
    this.scans += 1;
    return this.report;
  }
}

export async function run(): Promise<object> {
  const api = await startFakeApi({ pods: benchmarkPods() });
  try {
    // Asynchronous on purpose: the API stand-in answers from this process's event loop.
    const child = await promisify(execFile)(process.execPath, [__filename, '--child', api.url], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
    const measured = JSON.parse(child.stdout) as Record<string, number>;
    return { pods: PODS, uniqueDigests: DIGESTS, ...measured, scansEqualUniqueDigests: measured.scansIssued === DIGESTS, targets: 'at most 2000 ms and 256 MB' };
  } finally {
    await api.close();
  }
}

async function child(apiUrl: string): Promise<void> {
  const fixture = resolve(trivyFixturesDir(), 'alpine-310.json');
  const scanner = new CountingScanner(JSON.parse(readFileSync(fixture, 'utf8')) as TrivyReport);
  const started = process.hrtime.bigint();
  const result = await runRescan({
    customer: 'bench',
    cluster: 'bench',
    kubernetes: new KubernetesClient({ apiServer: apiUrl }),
    scanner,
    concurrency: 8,
    logger: silentLogger,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    JSON.stringify({ ms, maxRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, podsListed: result.podsListed, scansIssued: scanner.scans, imagesScanned: result.imagesScanned }),
  );
}

if (require.main === module && process.argv[2] === '--child') {
  child(process.argv[3]).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
