/**
 * The release job's run-time denylist check: the steps exactly as the generated workflow holds
 * them, run with GitHub's bash flags (`bash --noprofile --norc -eo pipefail`) and the step's own
 * `env:`, against stand-in `trivy` and `cosign` executables that print the version output of
 * the real tools (a stand-in: the real compromised binaries are not something to install).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { releaseWorkflow, workflowYaml } from '../../src/workflow/release-workflow';
import { TOOL_DENYLIST } from '../../src/workflow/tool-denylist';
import { validCustomer } from '../support/customer-files';
import { makeTempDir } from '../support/synth-helper';
import { customerFrom } from '../support/workflow-customers';

interface Step {
  name: string;
  uses?: string;
  env?: Record<string, string>;
  run?: string;
}

/** The release workflow as delivered, parsed back: every job's steps in order. */
function deliveredJobs(): Record<string, Step[]> {
  const workflow = parse(workflowYaml(releaseWorkflow(customerFrom(validCustomer())))) as { jobs: Record<string, { steps: Step[] }> };
  return Object.fromEntries(Object.entries(workflow.jobs).map(([name, job]) => [name, job.steps]));
}

const VERSION_OUTPUT = {
  trivy: (version: string) => `Version: ${version}\nVulnerability DB:\n  Version: 2\n  UpdatedAt: 2026-12-04 12:00:00 +0000 UTC\n`,
  cosign: (version: string) => `  ______   ______\n /      | /  __  \\\n\nGitVersion:    v${version}\nGitCommit:     0000000\nGitTreeState:  clean\nBuildDate:     2026-10-01T00:00:00Z\nGoVersion:     go1.25.5\nPlatform:      linux/amd64\n`,
};

/** Runs one step like the runner does, with a stand-in `binary` printing `output`. */
function runStep(step: Step, binary: string, output: string, exitCode = 0): { status: number | null; output: string } {
  const dir = makeTempDir('scb-denylist-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(dir, 'output.txt'), output);
  writeFileSync(join(bin, binary), `#!/bin/sh\ncat '${join(dir, 'output.txt')}'\nexit ${exitCode}\n`);
  chmodSync(join(bin, binary), 0o755);
  writeFileSync(join(dir, 'step.sh'), step.run ?? '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, ...step.env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('run-time tool denylist in the release job', () => {
  const jobs = deliveredJobs();
  const stepAfter = (uses: string) => {
    for (const steps of Object.values(jobs)) {
      const index = steps.findIndex((step) => step.uses?.startsWith(uses));
      if (index >= 0) return steps[index + 1];
    }
    throw new Error(`no ${uses} step`);
  };
  const trivyCheck = stepAfter('aquasecurity/setup-trivy@');
  const cosignCheck = stepAfter('sigstore/cosign-installer@');

  it('given the generated workflow, when read, then each denylisted tool is checked right after its setup step, in its own job', () => {
    assert.match(trivyCheck.name, /^Refuse a denylisted trivy/);
    assert.match(cosignCheck.name, /^Refuse a denylisted cosign/);
    assert.equal(trivyCheck.env?.DENIED_VERSIONS, TOOL_DENYLIST.trivy.denied.join(' '));
    assert.equal(cosignCheck.env?.MINIMUM_VERSION, TOOL_DENYLIST.cosign.minimum);
    assert.doesNotMatch(`${trivyCheck.run}${cosignCheck.run}`, /\$\{\{/, 'values reach the script through env only');
  });

  for (const version of TOOL_DENYLIST.trivy.denied) {
    it(`given a trivy that reports the denylisted ${version}, when the step runs, then the job fails with the advisory`, () => {
      const result = runStep(trivyCheck, 'trivy', VERSION_OUTPUT.trivy(version.replace(/^v/, '')));
      assert.equal(result.status, 1, result.output);
      assert.match(result.output, new RegExp(`::error::trivy ${version.replace(/^v/, '').replace(/\./g, '\\.')} is denylisted \\(GHSA-69fq-xp46-6x23`));
    });
  }

  it('given the pinned trivy 0.69.3 and a newer 0.70.0, when the step runs, then it passes', () => {
    for (const version of ['0.69.3', '0.70.0']) {
      const result = runStep(trivyCheck, 'trivy', VERSION_OUTPUT.trivy(version));
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, new RegExp(`trivy ${version.replace(/\./g, '\\.')} is not denylisted`));
    }
  });

  it('given cosign 3.0.5 (below the minimum), when the step runs, then the job fails; 3.0.6 and 3.1.2 pass', () => {
    const old = runStep(cosignCheck, 'cosign', VERSION_OUTPUT.cosign('3.0.5'));
    assert.equal(old.status, 1, old.output);
    assert.match(old.output, /::error::cosign 3\.0\.5 is older than 3\.0\.6 \(GHSA-w6c6-c85g-mmv6/);
    for (const version of ['3.0.6', '3.1.2', '3.10.0']) assert.equal(runStep(cosignCheck, 'cosign', VERSION_OUTPUT.cosign(version)).status, 0, version);
  });

  it('given a tool whose version cannot be read or that fails, when the step runs, then the job fails (closed)', () => {
    assert.equal(runStep(trivyCheck, 'trivy', 'no version here\n').status, 1);
    assert.equal(runStep(trivyCheck, 'trivy', VERSION_OUTPUT.trivy('0.69.3'), 2).status, 1);
  });
});
