import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KYVERNO_CHART } from '../../src/admission/kyverno-values';
import { REPO_ROOT } from '../support/synth-helper';
import { describe, it } from 'node:test';
import { ACTION_PINS, COMPROMISED_TRIVY_VERSIONS, MIN_VERIFIER_COSIGN_VERSION, TOOL_VERSIONS, assertTrivyVersionTrusted } from '../../src/workflow/pins';
import { releaseWorkflow } from '../../src/workflow/release-workflow';
import { customerFrom } from '../support/workflow-customers';
import { validCustomer } from '../support/customer-files';

const EXACT_VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+$/;

function semver(version: string): number[] {
  return version.replace(/^v/, '').split('.').map(Number);
}

describe('the pin table', () => {
  it('pins every action by a full 40-hex commit SHA and names an exact release', () => {
    for (const [name, pin] of Object.entries(ACTION_PINS)) {
      assert.match(pin.sha, /^[0-9a-f]{40}$/, `${name}: ${pin.sha} is not a full commit SHA`);
      assert.match(pin.version, EXACT_VERSION, `${name}: ${pin.version} is not an exact version`);
      assert.match(pin.repository, /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, `${name}: ${pin.repository} is not owner/repo`);
    }
  });

  it('pins every tool at an exact version', () => {
    for (const [tool, version] of Object.entries(TOOL_VERSIONS)) {
      assert.match(version, EXACT_VERSION, `${tool}: ${version} is not an exact version`);
    }
  });

  it('installs a cosign no older than the verifier minimum', () => {
    const [major, minor, patch] = semver(TOOL_VERSIONS.cosign);
    const [minMajor, minMinor, minPatch] = semver(MIN_VERIFIER_COSIGN_VERSION);
    assert.ok(major * 1e6 + minor * 1e3 + patch >= minMajor * 1e6 + minMinor * 1e3 + minPatch, `${TOOL_VERSIONS.cosign} < ${MIN_VERIFIER_COSIGN_VERSION}`);
  });

  it('does not itself pin a compromised Trivy', () => {
    assert.ok(!COMPROMISED_TRIVY_VERSIONS.includes(TOOL_VERSIONS.trivy));
  });
});

describe('the compromised-Trivy refusal', () => {
  const customer = customerFrom(validCustomer());

  for (const version of ['v0.69.4', 'v0.69.5', 'v0.69.6', '0.69.4']) {
    it(`refuses to generate a workflow that installs Trivy ${version}`, () => {
      assert.throws(
        () => releaseWorkflow(customer, { ...TOOL_VERSIONS, trivy: version }),
        /known-compromised release \(GHSA-69fq-xp46-6x23\)/,
      );
    });
  }

  it('accepts the releases either side of the compromised ones', () => {
    for (const version of ['v0.69.3', 'v0.69.7']) {
      assert.doesNotThrow(() => assertTrivyVersionTrusted(version));
      assert.doesNotThrow(() => releaseWorkflow(customer, { ...TOOL_VERSIONS, trivy: version }));
    }
  });
});

describe('versions written outside TypeScript', () => {
  // A Dockerfile and a Go module cannot import the pin table, so a test holds them to it.
  it('builds the rescanner image with the same Trivy the workflow and the Trivy server use', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.equal(`v${/^ARG TRIVY_VERSION=(\S+)$/m.exec(dockerfile)?.[1]}`, TOOL_VERSIONS.trivy);
  });

  it('ships the verifier-floor cosign in the rescanner image, pinned by version and checksum, on PATH (legacy coverage)', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.equal(/^ARG COSIGN_VERSION=(\S+)$/m.exec(dockerfile)?.[1], TOOL_VERSIONS.cosign);
    const sha = /^ARG COSIGN_SHA256=([0-9a-f]{64})$/m.exec(dockerfile)?.[1];
    assert.ok(sha && sha !== '0'.repeat(64), 'a real SHA-256 of cosign-linux-amd64');
    assert.match(dockerfile, /ADD --checksum=sha256:\$\{COSIGN_SHA256\} \\\n\s+https:\/\/github\.com\/sigstore\/cosign\/releases\/download\/\$\{COSIGN_VERSION\}\/cosign-linux-amd64/);
    // The final stage copies it onto PATH, where the rescanner's verifier looks for `cosign` by default.
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(final, /^COPY --from=cosign \/usr\/local\/bin\/cosign \/usr\/local\/bin\/cosign$/m);
  });

  it('inventories running containers (drift agent image, tests) with the syft the workflow builds the attested SBOM with', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.equal(`v${/^ARG SYFT_VERSION=(\S+)$/m.exec(dockerfile)?.[1]}`, TOOL_VERSIONS.syft);
    const installer = readFileSync(join(REPO_ROOT, 'test', 'conformance', 'install-tools.sh'), 'utf8');
    assert.equal(/^SYFT_VERSION=(\S+)$/m.exec(installer)?.[1], TOOL_VERSIONS.syft);
  });

  it('builds the rescanner image on a Node LTS line the package supports, pinned by digest', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const base = /^ARG NODE_IMAGE=docker\.io\/library\/node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim@sha256:([0-9a-f]{64})$/m.exec(dockerfile);
    assert.ok(base, 'NODE_IMAGE names an exact node:<x.y.z>-<debian>-slim tag and its digest');
    const [major, minor] = [Number(base[1]), Number(base[2])];
    assert.ok([22, 24].includes(major), `Node ${major} is not a current LTS line (22, 24)`);
    assert.notEqual(base[4], '0'.repeat(64), 'a placeholder digest');
    // The package's engines field admits the image's Node.
    const engines: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).engines.node;
    const admitted = engines.split('||').some((range) => {
      const [, op, rangeMajor, rangeMinor] = /^\s*(\^|>=)(\d+)\.(\d+)\.\d+\s*$/.exec(range) ?? [];
      if (op === '^') return major === Number(rangeMajor) && minor >= Number(rangeMinor);
      return op === '>=' && (major > Number(rangeMajor) || (major === Number(rangeMajor) && minor >= Number(rangeMinor)));
    });
    assert.ok(admitted, `package.json engines "${engines}" does not admit Node ${major}.${minor}`);
  });

  it('builds the Kyverno CLI of the tests at the app version of the chart the bundle installs', () => {
    const goMod = readFileSync(join(REPO_ROOT, 'tools', 'kyverno', 'go.mod'), 'utf8');
    assert.equal(/^require github\.com\/kyverno\/kyverno (\S+)$/m.exec(goMod)?.[1], KYVERNO_CHART.appVersion);
  });
});
