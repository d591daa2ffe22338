import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadCustomers } from '../../src/model/load';
import { synthesize } from '../../src/synth/synthesize';

import { REPO_ROOT, STACKS_DIR, TEMPLATES_DIR, TEMPLATE_CLOCK, exampleStackFiles } from '../../scripts/template-examples';

export { REPO_ROOT, STACKS_DIR, TEMPLATES_DIR, TEMPLATE_CLOCK, exampleStackFiles };
/** shared/ sits beside the project root, on developer machines and in CI alike; $SCB_SHARED_DIR overrides. */
export const SHARED_DIR = process.env.SCB_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');

/** Reads every file below a folder into `{relativePath: content}`, sorted by path. */
export function readTree(root: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else tree[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return tree;
}

export function makeTempDir(prefix = 'scb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Synthesizes customer files into a fresh temp dir and returns `{path: content}` for snapshot
 * assertions (paths are `<customer>/…`). The temp dir is removed afterwards.
 */
export function synthToTree(files: readonly string[], at: Date = TEMPLATE_CLOCK): Record<string, string> {
  const outDir = makeTempDir('scb-synth-');
  try {
    synthesize(loadCustomers(files, REPO_ROOT), { at, outDir });
    return readTree(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
