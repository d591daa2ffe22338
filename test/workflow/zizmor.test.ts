import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '../support/synth-helper';
import { findTool, runTool, toolVersion } from '../support/workflow-tools';
import { allWorkflowFiles } from '../support/workflow-customers';

describe('zizmor', () => {
  it('reports no findings on any generated workflow (offline audits)', () => {
    const zizmor = findTool('zizmor');
    assert.ok(zizmor, 'zizmor is not installed; run scripts/install-test-deps.sh (it installs it under $SCB_TOOLS_DIR)');
    const root = makeTempDir('scb-zizmor-');
    const paths = allWorkflowFiles().map((file, index) => {
      // zizmor audits files under a .github/workflows folder as workflows.
      const dir = join(root, String(index), '.github', 'workflows');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, file.name);
      writeFileSync(path, file.content);
      return path;
    });
    const result = runTool(zizmor, ['--offline', '--no-progress', '--format', 'plain', ...paths]);
    assert.equal(result.status, 0, `${toolVersion(zizmor)}:\n${result.output}`);
    assert.match(result.output, /No findings to report/);
  });
});
