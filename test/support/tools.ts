import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where scripts/install-test-deps.sh (test/conformance/install-tools.sh) puts the real tools. */
export const TOOLS_BIN = join(process.env.SCB_TOOLS_DIR ?? join(process.env.HOME ?? '/root', '.cache', 'scb-tools'), 'bin');

/**
 * Finds a real tool: `$<NAME>_BIN` (e.g. KYVERNO_BIN), the tools cache, the venv, then PATH.
 * Returns undefined when absent.
 */
export function findTool(name: string): string | undefined {
  const override = process.env[`${name.toUpperCase().replace(/-/g, '_')}_BIN`];
  const candidates = [override, join(TOOLS_BIN, name), join(TOOLS_BIN, '..', 'venv', 'bin', name)];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

/** A missing real peer is a failure that says how to install it, never a silent skip. */
export function requireTool(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed; run \`bash scripts/install-test-deps.sh\` (it installs every real tool the tests use into ${TOOLS_BIN})`);
  return path;
}
