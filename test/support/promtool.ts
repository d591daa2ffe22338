import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTempDir } from './synth-helper';

/** promtool from Debian's `prometheus` package (scripts/install-test-deps.sh installs it). */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs promtool in `cwd`; a missing binary is a test failure that says how to install it, never a skip. */
export function promtool(args: readonly string[], cwd: string): PromtoolResult {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ${PROMTOOL} (${result.error.message}); run scripts/install-test-deps.sh`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Writes rule groups to a temp dir as a Prometheus rule file and returns its directory and name. */
export function writeRuleFile(groups: unknown, name = 'rules.yaml'): { dir: string; file: string } {
  const dir = makeTempDir('scb-promtool-');
  writeFileSync(join(dir, name), stringify({ groups }));
  return { dir, file: name };
}
