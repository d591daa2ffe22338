import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadOwnCustomer, ownReleaseWorkflow } from '../../src/workflow/own-release';
import { REPO_ROOT } from '../support/synth-helper';

describe('this repository\'s own release workflow', () => {
  it('is exactly what .github/supply-chain.yaml generates (run npm run release-workflow after a change)', () => {
    const { path, content } = ownReleaseWorkflow(REPO_ROOT);
    assert.equal(path, '.github/workflows/release.yml');
    const committed = readFileSync(join(REPO_ROOT, path), 'utf8');
    assert.ok(committed === content, `${path} drifted from the generator; run: npm run release-workflow`);
  });

  it('releases the rescanner image from the repository root Dockerfile, signed as this repository\'s workflow', () => {
    const customer = loadOwnCustomer(REPO_ROOT);
    assert.equal(customer.image, 'ghcr.io/supply-chain-bundle/supply-chain-bundle/rescanner');
    const workflow = parse(ownReleaseWorkflow(REPO_ROOT).content) as { jobs: Record<'build' | 'sign', { steps: { id?: string; with?: Record<string, unknown>; env?: Record<string, string> }[] }> };
    const build = workflow.jobs.build.steps.find((step) => step.id === 'build');
    assert.equal(build?.with?.context, '.');
    const check = workflow.jobs.sign.steps.find((step) => step.env?.CERTIFICATE_IDENTITY);
    assert.equal(check?.env?.CERTIFICATE_IDENTITY, 'https://github.com/supply-chain-bundle/supply-chain-bundle/.github/workflows/release.yml@refs/heads/main');
  });
});
