/**
 * Admission latency on the live cluster (test/e2e, step `latency`): p50/p99 of pod creation with
 * no policy, with the bundle enforcing and Kyverno's verification cache warm, and with it off
 * (cold). Runs only when the live suite's tools are built (test/e2e/install-tools.sh); it starts
 * and stops its own control plane (about 2 minutes on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export async function run(): Promise<unknown> {
  const bin = join(process.env.SCB_TOOLS_DIR ?? join(homedir(), '.cache/scb-tools'), 'bin');
  const needed = ['kube-apiserver', 'etcd', 'kubectl', 'kyverno-admission-controller'];
  const missing = needed.filter((tool) => !existsSync(join(bin, tool)));
  if (missing.length > 0) return { skipped: `live tools not built (${missing.join(', ')}): run test/e2e/install-tools.sh` };
  const dir = mkdtempSync(join(tmpdir(), 'scb-bench-latency-'));
  const out = join(dir, 'latency.json');
  const result = spawnSync('bash', [join(ROOT, 'test/e2e/run.sh'), '--steps', 'latency'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SCB_E2E_LATENCY_OUT: out },
  });
  if (!existsSync(out)) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `the live run failed (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  const measured = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  return measured;
}
