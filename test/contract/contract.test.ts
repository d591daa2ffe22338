import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMISSION_ENGINES } from '../../src/admission/engines';
import { resolveClock } from '../../src/cli/args';
import { ADMISSION_ENGINE_NAMES, goDurationNanoseconds, goDurationSeconds, parseClockValue, shellQuote } from '../../src/contract';
import { admissionSchema } from '../../src/model/schema';
import { parseClock } from '../../src/pulumi/stack-config';
import { REPO_ROOT } from '../support/synth-helper';

describe('contract: one clock parser', () => {
  const accepted = ['2026-10-01', '2026-10-01T00:00:00Z', '2026-10-01T23:30:00-05:00', '2026-10-01T23:30:00.250+0200', '2026-10-01T23:30Z'];
  const refused = ['tomorrow', '2026-02-30', '2026-13-01', '2026-10-01T25:00:00Z', '2026-10-01T10:00:00', '10/01/2026', ''];

  it('given the same value, when --at, SCB_AT or supply-chain:at carries it, then all three accept or refuse it alike', () => {
    for (const value of accepted) {
      const expected = parseClockValue(value);
      assert.ok(expected, `${value} is a clock value`);
      assert.equal(resolveClock(value, {}).toISOString(), expected.toISOString(), `--at ${value}`);
      assert.equal(resolveClock(undefined, { SCB_AT: value }).toISOString(), expected.toISOString(), `SCB_AT=${value}`);
      assert.equal(parseClock(value).at.toISOString(), expected.toISOString(), `supply-chain:at ${value}`);
    }
    assert.equal(parseClockValue('2026-10-01T23:30:00-05:00')!.toISOString(), '2026-10-02T04:30:00.000Z');
    for (const value of refused.filter((value) => value !== '')) {
      assert.equal(parseClockValue(value), undefined, value);
      assert.throws(() => resolveClock(value, {}), /is not a date/, `--at ${value}`);
      assert.throws(() => parseClock(value), /is not a date/, `supply-chain:at ${value}`);
    }
  });
});

describe('contract: one Go-duration parser', () => {
  it('reads hours, minutes and seconds, and refuses anything else', () => {
    assert.equal(goDurationNanoseconds('168h'), 168n * 3_600_000_000_000n);
    assert.equal(goDurationSeconds('1h30m15s'), 5415);
    assert.ok(Number.isNaN(goDurationSeconds('')));
    assert.ok(Number.isNaN(goDurationSeconds('7d')));
    assert.throws(() => goDurationNanoseconds('1.5h'), /not a Go duration/);
  });
});

describe('contract: one shellQuote', () => {
  it('leaves safe words bare for people, quotes everything in scripts, and survives a quote inside', () => {
    assert.equal(shellQuote('https://github.com/a/b/.github/workflows/r.yml@refs/heads/main'), 'https://github.com/a/b/.github/workflows/r.yml@refs/heads/main');
    assert.equal(shellQuote('push', 'always'), `'push'`);
    assert.equal(shellQuote(`it's $HOME`), `'it'\\''s $HOME'`);
  });
});

describe('admission engines registry', () => {
  it('gives the schema its engine names: every name has one complete engine, and nothing else is accepted', () => {
    assert.deepEqual(Object.keys(ADMISSION_ENGINES), [...ADMISSION_ENGINE_NAMES]);
    assert.deepEqual((admissionSchema.shape.engine.unwrap() as unknown as { options: string[] }).options, [...ADMISSION_ENGINE_NAMES]);
    for (const [name, engine] of Object.entries(ADMISSION_ENGINES)) {
      assert.equal(engine.name, name);
      assert.ok(engine.policyKinds.length > 0 && engine.install.apiGroups.length > 0, `${name} declares its kinds and API groups`);
    }
    assert.equal(admissionSchema.safeParse({ engine: 'ValidatingAdmissionPolicy' }).success, false);
  });

  it('leaves no engine-name branch outside src/admission/engines/ and the contract', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of require('node:fs').readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!path.endsWith(join('admission', 'engines'))) walk(path);
        } else if (path.endsWith('.ts') && /engine\s*===|===\s*'(ClusterPolicy|ImageValidatingPolicy)'/.test(readFileSync(path, 'utf8'))) {
          offenders.push(path);
        }
      }
    };
    walk(join(REPO_ROOT, 'src'));
    assert.deepEqual(offenders, []);
  });
});

describe('import direction', () => {
  it('the rescanner loads neither zod nor the customer schema', () => {
    const before = new Set(Object.keys(require.cache));
    const loaded = () => Object.keys(require.cache).filter((path) => !before.has(path));
    // A fresh load of the rescanner's entry point and everything it pulls in.
    for (const path of Object.keys(require.cache)) if (path.includes(join('lib', 'src')) || path.includes(join('node_modules', 'zod'))) delete require.cache[path];
    require(join(REPO_ROOT, 'lib', 'src', 'rescanner', 'index.js'));
    const modules = loaded();
    assert.ok(modules.some((path) => path.includes(join('rescanner', 'rescan.js'))), 'the rescanner itself was loaded');
    assert.deepEqual(modules.filter((path) => path.includes(join('node_modules', 'zod')) || path.includes(join('src', 'model'))), []);
  });

  it('the contract imports nothing of the project or any package; the model imports no area; scripts import no test helper', () => {
    const imports = (file: string) => [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    const list = (dir: string) => (require('node:fs').readdirSync(join(REPO_ROOT, dir)) as string[]).filter((name) => name.endsWith('.ts')).map((name) => `${dir}/${name}`);
    for (const file of list('src/contract')) assert.deepEqual(imports(file).filter((target) => !target.startsWith('./')), [], file);
    for (const file of list('src/model')) assert.deepEqual(imports(file).filter((target) => target.startsWith('../') && !target.startsWith('../contract')), [], file);
    for (const file of list('scripts')) assert.deepEqual(imports(file).filter((target) => target.includes('test/')), [], file);
    for (const file of list('src/synth')) assert.deepEqual(imports(file).filter((target) => /customer-readme/.test(target)), [], file);
  });
});
