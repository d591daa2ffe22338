/**
 * SBOM drift agent benchmark: what one container inventory costs on a node. A root file system
 * with real package databases, copied from this machine: its dpkg status (every Debian package
 * installed here), its Python dist-info folders, and the package.json files of this project's
 * node_modules (the npm tree). The agent's own SyftInventory runs the real syft on it, at the
 * agent's nice 19, three times (median wall time, peak syft RSS); the cheap path of an unchanged
 * container (the package-database fingerprint) is timed too. Skipped without syft
 * (test/conformance/install-tools.sh --only syft).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { packageFingerprint } from '../src/drift-agent/fingerprint';
import { packagesOf } from '../src/drift-agent/packages';
import { SyftInventory } from '../src/drift-agent/syft-inventory';

const ROOT = resolve(__dirname, '..', '..');
const RUNS = 3;

/**
 * Budget of one inventory, from the DaemonSet's defaults: 30 new containers on a node inventoried
 * within one 300 s interval under the 500m CPU limit is 150 CPU seconds, 5 per container; syft's
 * peak must leave the agent room under the 1Gi memory limit; an unchanged container costs a few
 * stat calls. Wall time is reported, not judged: at nice 19 it measures the machine's load.
 */
export const DRIFT_TARGETS = { cpuSeconds: 5, peakRssMB: 768, fingerprintMs: 50 } as const;

function copyInto(root: string, source: string, target: string): void {
  if (!existsSync(source)) return;
  mkdirSync(dirname(join(root, target)), { recursive: true });
  copyFileSync(source, join(root, target));
}

/** The package.json files of a node_modules tree (nested ones included), copied as they are. */
function copyPackageJsons(root: string, from: string, to: string): number {
  let count = 0;
  for (const name of readdirSync(from)) {
    const path = join(from, name);
    if (!statSync(path).isDirectory()) continue;
    if (name.startsWith('@')) {
      count += copyPackageJsons(root, path, join(to, name));
      continue;
    }
    if (existsSync(join(path, 'package.json'))) {
      copyInto(root, join(path, 'package.json'), join(to, name, 'package.json'));
      count += 1;
    }
    if (existsSync(join(path, 'node_modules'))) count += copyPackageJsons(root, join(path, 'node_modules'), join(to, name, 'node_modules'));
  }
  return count;
}

function benchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'scb-bench-drift-'));
  copyInto(root, '/etc/os-release', 'etc/os-release');
  copyInto(root, '/var/lib/dpkg/status', 'var/lib/dpkg/status');
  for (const base of ['/usr/lib/python3/dist-packages']) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).filter((entry) => entry.endsWith('.dist-info'))) copyInto(root, join(base, name, 'METADATA'), join(base.slice(1), name, 'METADATA'));
  }
  copyPackageJsons(root, join(ROOT, 'node_modules'), 'app/node_modules');
  return root;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export async function run(): Promise<Record<string, unknown>> {
  const syft = join(process.env.SCB_TOOLS_DIR ?? join(homedir(), '.cache', 'scb-tools'), 'bin', 'syft');
  if (!existsSync(syft)) return { skipped: `no syft at ${syft}; run test/conformance/install-tools.sh --only syft` };
  const root = benchRoot();
  try {
    const inventory = new SyftInventory({ syftPath: syft, niceness: 19 });
    const seconds: number[] = [];
    const cpu: number[] = [];
    let peak = 0;
    let packages = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await inventory.inventory(root, ['/tmp']);
      seconds.push(result.seconds);
      cpu.push(result.cpuSeconds);
      peak = Math.max(peak, result.peakRssBytes);
      packages = packagesOf(result.bom).packages.size;
    }
    const fingerprints: number[] = [];
    for (let run = 0; run < 20; run++) {
      const started = process.hrtime.bigint();
      await packageFingerprint(root);
      fingerprints.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return { packages, runs: RUNS, cpuSecondsMedian: median(cpu), inventorySecondsMedian: median(seconds), inventorySeconds: seconds, loadAverage1m: loadavg()[0], peakRssMB: peak / 2 ** 20, fingerprintMsMedian: median(fingerprints), niceness: 19 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
