import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeCodeCaches } from '../../src/cli/code-cache';
import { makeTempDir } from '../support/synth-helper';

const CODE_CACHE = join(__dirname, '..', '..', 'src', 'cli', 'code-cache.js');

/** Runs a module through requireWithCodeCache in a fresh node, as scb does, and returns what it printed. */
function loadTwice(file: string, execArgv: string[] = []): string[] {
  const script = `console.log(require(${JSON.stringify(CODE_CACHE)}).requireWithCodeCache(${JSON.stringify(file)}).answer)`;
  return [0, 1].map(() => {
    const result = spawnSync(process.execPath, [...execArgv, '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  });
}

describe('V8 code cache of the bundles (Node 20)', () => {
  const nodeCompileCache = typeof (require('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

  it("given a module, when loaded twice, then it runs the same both times and, without Node's own cache, leaves one code cache beside it", () => {
    const dir = makeTempDir();
    const file = join(dir, 'm.bundle.js');
    writeFileSync(file, "exports.answer = require('node:path').basename(__filename) + ' ' + typeof require('./m.bundle.js');\n");
    assert.deepEqual(loadTwice(file), ['m.bundle.js object\n', 'm.bundle.js object\n']);
    const caches = readdirSync(dir).filter((entry) => entry.endsWith('.v8cache'));
    assert.equal(caches.length, nodeCompileCache ? 0 : 1, caches.join(', '));
  });

  it('given --enable-source-maps, when loaded, then it is a plain require and writes no cache', () => {
    const dir = makeTempDir();
    const file = join(dir, 'm.bundle.js');
    writeFileSync(file, 'exports.answer = 42;\n');
    assert.deepEqual(loadTwice(file, ['--enable-source-maps']), ['42\n', '42\n']);
    assert.deepEqual(readdirSync(dir).filter((entry) => entry.endsWith('.v8cache')), []);
  });

  it('given caches of older builds, when removed, then every cache of that file goes and nothing else', () => {
    const dir = makeTempDir();
    for (const name of ['m.bundle.js', 'm.bundle.js.10-1.v8cache', 'm.bundle.js.11-2.v8cache', 'other.js.1-1.v8cache']) writeFileSync(join(dir, name), '');
    removeCodeCaches(join(dir, 'm.bundle.js'));
    assert.deepEqual(readdirSync(dir).sort(), ['m.bundle.js', 'other.js.1-1.v8cache']);
  });
});
