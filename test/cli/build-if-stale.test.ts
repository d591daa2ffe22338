import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, makeTempDir } from '../support/synth-helper';

// Plain JavaScript in bin/ (it runs before anything is compiled), loaded as such.
const { staleness } = require(join(REPO_ROOT, 'bin', 'build-if-stale.js')) as { staleness: (target: string, root?: string) => string | undefined };

const older = new Date(Date.now() - 120_000);
const compiled = new Date(Date.now() - 60_000);
const SOURCES = ['src/cli/main.ts', 'src/model/schema.ts', 'imports/k8s.ts'];

/** A checkout whose sources date from two minutes ago and whose lib/ was compiled after them. */
function builtCheckout(): string {
  const root = makeTempDir();
  for (const source of SOURCES) {
    const output = join('lib', source.replace(/\.ts$/, '.js'));
    for (const file of [source, output]) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), '');
    }
    utimesSync(join(root, source), older, older);
    utimesSync(join(root, output), compiled, compiled);
  }
  writeFileSync(join(root, 'src', 'cli', 'types.d.ts'), ''); // declarations have no output
  return root;
}

describe('build-if-stale', () => {
  it('given an unchanged checkout, when asked, then nothing needs compiling', () => {
    assert.equal(staleness('cli', builtCheckout()), undefined);
  });

  it('given an edited source, when asked, then it compiles and says which', () => {
    const root = builtCheckout();
    writeFileSync(join(root, 'src', 'model', 'schema.ts'), 'export {};\n');
    assert.equal(staleness('cli', root), 'src/model/schema.ts changed');
  });

  it('given an added source or a missing output, when asked, then it compiles', () => {
    const added = builtCheckout();
    writeFileSync(join(added, 'imports', 'new.ts'), '');
    assert.equal(staleness('cli', added), 'lib/imports/new.js is missing');
    const cleaned = builtCheckout();
    rmSync(join(cleaned, 'lib'), { recursive: true });
    assert.match(staleness('cli', cleaned) ?? '', /^lib\/.+ is missing$/);
  });

  it('given a changed test only, when the CLI is asked for, then only the full build is stale', () => {
    const root = builtCheckout();
    mkdirSync(join(root, 'test'));
    writeFileSync(join(root, 'test', 'x.test.ts'), '');
    assert.equal(staleness('cli', root), undefined);
    assert.equal(staleness('all', root), 'lib/test/x.test.js is missing');
  });

  it('given an installed package without sources, when asked, then it runs lib/ as it is', () => {
    const root = builtCheckout();
    rmSync(join(root, 'src'), { recursive: true });
    assert.equal(staleness('cli', root), undefined);
  });
});
