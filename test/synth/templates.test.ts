import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { TEMPLATES_DIR, exampleStackFiles, makeTempDir, readTree, synthToTree } from '../support/synth-helper';

/** A unified diff of two trees, for a failure message a reviewer can act on. */
function treeDiff(expected: Record<string, string>, actual: Record<string, string>): string {
  const root = makeTempDir('scb-diff-');
  for (const [side, tree] of [['templates', expected], ['synthesized', actual]] as const) {
    for (const [path, content] of Object.entries(tree)) {
      mkdirSync(dirname(join(root, side, path)), { recursive: true });
      writeFileSync(join(root, side, path), content);
    }
    mkdirSync(join(root, side), { recursive: true });
  }
  const diff = spawnSync('diff', ['-ruN', 'templates', 'synthesized'], { cwd: root, encoding: 'utf8' });
  return diff.stdout || diff.error?.message || '(no diff available)';
}

describe('reference bundles in templates/', () => {
  it('match a fresh synth of the example customers byte for byte (refresh with `npm run templates`)', () => {
    const expected = readTree(TEMPLATES_DIR);
    const actual = synthToTree(exampleStackFiles());
    assert.ok(Object.keys(expected).length > 0, 'templates/ is empty; run `npm run templates`');
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      assert.fail(`templates/ differs from the synthesized bundles; review and run \`npm run templates\`:\n${treeDiff(expected, actual)}`);
    }
  });
});
