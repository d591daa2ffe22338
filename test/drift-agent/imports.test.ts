import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/synth-helper';

describe('drift agent image weight', () => {
  it('the agent loads neither zod nor the customer schema (it reads its config by hand, like the rescanner)', () => {
    const before = new Set(Object.keys(require.cache));
    for (const path of Object.keys(require.cache)) if (path.includes(join('lib', 'src')) || path.includes(join('node_modules', 'zod'))) delete require.cache[path];
    require(join(REPO_ROOT, 'lib', 'src', 'drift-agent', 'index.js'));
    const modules = Object.keys(require.cache).filter((path) => !before.has(path));
    assert.ok(modules.some((path) => path.includes(join('drift-agent', 'agent.js'))), 'the agent itself was loaded');
    assert.deepEqual(modules.filter((path) => path.includes(join('node_modules', 'zod')) || path.includes(join('src', 'model'))), []);
  });
});
