import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrustOptions } from '../../src/verification/trust';
import { REPO_ROOT, SHARED_DIR, makeTempDir } from './synth-helper';
import { requireTool } from './tools';

/**
 * A running loopback registry holding real cosign artifacts in both formats, made by
 * test/verification/signed-registry.sh from the conformance helpers (needs cosign, crane and
 * scb-tsa from scripts/install-test-deps.sh). `stop()` ends its servers and removes its work dir.
 */
export interface SignedRegistry {
  readonly work: string;
  readonly registry: string;
  /** images.env: `good_REF`, `t_good_REF`, `good_TAG`, `allowed_REF`, ... */
  readonly images: ReadonlyMap<string, string>;
  /** The test CA and TSA, no transparency log or SCT (as every offline suite here). */
  readonly trust: TrustOptions;
  /** Environment for cosign: its own HOME (TUF cache), the tools' cosign. */
  readonly env: NodeJS.ProcessEnv;
  readonly cosign: string;
  image(key: string): string;
  stop(): void;
}

export function startSignedRegistry(cases?: string): SignedRegistry {
  const cosign = requireTool('cosign');
  const crane = requireTool('crane');
  requireTool('scb-tsa');
  const work = makeTempDir('scb-signed-registry-');
  // shared/ beside the project root, or two levels up from a worktree under wt/.
  const shared = [process.env.SCB_SHARED_DIR, SHARED_DIR, join(REPO_ROOT, '..', '..', 'shared')].find((dir) => dir && existsSync(join(dir, 'fixtures', 'trivy')));
  if (!shared) throw new Error(`shared/fixtures/trivy not found beside ${REPO_ROOT}; set SCB_SHARED_DIR`);
  const script = join(__dirname, '..', '..', '..', 'test', 'verification', 'signed-registry.sh');
  const result = spawnSync('bash', [script, work], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, COSIGN: cosign, CRANE: crane, SCB_SHARED_DIR: shared, ...(cases ? { SCB_SCENARIO_CASES: cases } : {}) },
  });
  const pids = (() => {
    try {
      return readFileSync(join(work, 'pids'), 'utf8').trim().split(/\s+/).map(Number);
    } catch {
      return [];
    }
  })();
  const stop = () => {
    for (const pid of pids) {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    }
    // Keys, certificates and registry logs are throwaway: nothing of a run stays in the temp dir.
    rmSync(work, { recursive: true, force: true });
  };
  if (result.status !== 0) {
    stop();
    throw new Error(`signed-registry.sh failed (${result.status}): ${result.stderr}`);
  }
  const images = new Map<string, string>();
  for (const line of readFileSync(join(work, 'images.env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) images.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    work,
    registry: images.get('REGISTRY') ?? '',
    images,
    trust: { trustedRootPath: join(work, 'trusted-root.json'), insecureIgnoreTlog: true, insecureIgnoreSct: true },
    env: { ...process.env, HOME: join(work, 'home'), COSIGN: cosign },
    cosign,
    image(key: string) {
      const value = images.get(key);
      if (!value) throw new Error(`images.env has no ${key}`);
      return value;
    },
    stop,
  };
}
