/**
 * `scb inspect` end to end: the real CLI against a loopback registry holding real cosign artifacts
 * in both formats, for the conformance customer on each engine. The full case matrix, checked row
 * for row against the Kyverno CLI, is in the conformance run (test/conformance/helpers/inspect.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { InspectReport } from '../../src/inspect';
import { conformanceDescription } from '../conformance/generate-suite';
import { closedLoopbackPort } from '../support/closed-port';
import { type SignedRegistry, startSignedRegistry } from '../support/signed-registry';
import { REPO_ROOT } from '../support/synth-helper';

let signed: SignedRegistry;
let stacks: string;

before(() => {
  signed = startSignedRegistry('good unsigned branch nosbom critold');
  stacks = join(signed.work, 'stacks');
  mkdirSync(stacks);
  for (const [name, engine] of [['acme', 'ClusterPolicy'], ['acmeivp', 'ImageValidatingPolicy']] as const) {
    const description = { ...conformanceDescription(signed.registry, engine, signed.image('allowed_REF')), name };
    writeFileSync(join(stacks, `Pulumi.${name}.yaml`), stringify({ config: { 'supply-chain:customer': description } }));
  }
});
after(() => signed?.stop());

const NOW = new Date().toISOString();

function inspect(args: string[], env: NodeJS.ProcessEnv = signed.env): { status: number | null; stdout: string; stderr: string } {
  const trust = ['--trusted-root', signed.trust.trustedRootPath!, '--insecure-ignore-tlog', '--insecure-ignore-sct'];
  const result = spawnSync('node', [join(REPO_ROOT, 'bin', 'scb.js'), 'inspect', '--stacks', stacks, ...trust, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(args: string[]): { status: number | null; report: InspectReport } {
  const result = inspect([...args, '--output', 'json']);
  return { status: result.status, report: JSON.parse(result.stdout) as InspectReport };
}

describe('scb inspect', () => {
  it('given the good image by tag on the ClusterPolicy engine, when inspected as text, then the tree states the resolved digest, every verified artifact and "admitted" (exit 0)', () => {
    const result = inspect(['--customer', 'acme', '--at', NOW, signed.image('good_TAG')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`resolved from tag good; the verdict is about the digest`));
    assert.match(result.stdout, /├── signatures \(1\)\n│   └── ✓ legacy \.sig\/\.att/);
    assert.match(result.stdout, /CycloneDX [0-9.]+, [0-9]+ components/);
    assert.match(result.stdout, /CRITICAL 0, HIGH 0, MEDIUM [0-9]+, LOW [0-9]+, UNKNOWN [0-9]+/);
    assert.match(result.stdout, /└── verdict: ADMITTED\n$/);
  });

  it('given no --customer and two customers sharing the image, when inspected, then it asks for a name (exit 2)', () => {
    // Both example customers share the image; a name is then required (usage error, exit 2).
    const result = inspect(['--at', NOW, signed.image('good_REF')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /several customers match .* \(acme, acmeivp\); name one with --customer/);
  });

  it('given the bundle-format good image on the IVP engine, when inspected as JSON twice, then the report is admitted and byte-stable', () => {
    const first = inspect(['--customer', 'acmeivp', '--at', NOW, '--output', 'json', signed.image('t_good_REF')]);
    const second = inspect(['--customer', 'acmeivp', '--at', NOW, '--output', 'json', signed.image('t_good_REF')]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, second.stdout);
    const report = JSON.parse(first.stdout) as InspectReport;
    assert.deepEqual(Object.keys(report), ['schemaVersion', 'verdict', 'afterFlip', 'at', 'image', 'customer', 'identity', 'trust', 'referrersVia', 'artifacts', 'acceptedRisks', 'rules', 'enforcement', 'fixes', 'errors']);
    assert.equal(report.verdict, 'admitted');
    assert.deepEqual(report.artifacts.map((artifact) => [artifact.kind, artifact.format, artifact.counts]), [
      ['signature', 'sigstore-bundle', true],
      ['sbom', 'sigstore-bundle', true],
      ['vuln', 'sigstore-bundle', true],
    ]);
  });

  it('given the legacy-signed image on the IVP engine, when inspected, then the verified artifacts do not count and it is refused with a format fix (exit 1)', () => {
    const { status, report } = json(['--customer', 'acmeivp', '--at', NOW, signed.image('good_REF')]);
    assert.equal(status, 1);
    assert.equal(report.rules[0].result, 'fail');
    assert.match(report.rules[0].fix ?? '', /sign in the sigstore-bundle format/);
  });

  it('given the unsigned, wrong-branch, missing-SBOM and old-CRITICAL images, when inspected enforcing, then each is refused (exit 1) with its one-line fix', () => {
    const expectations: [string, string, string][] = [
      ['unsigned_REF', 'signature', 'sign the digest in .github/workflows/release.yml on `main`'],
      ['branch_REF', 'signature', 'rebuild on `main`'],
      ['nosbom_REF', 'sbom', 'attest the SBOM (cosign attest --type cyclonedx) in the release workflow'],
      ['critold_REF', 'scan', 'fix CVE-2019-18224 in libidn2-0 (upgrade to 2.0.5-1+deb10u1) and rebuild'],
    ];
    for (const [key, rule, fix] of expectations) {
      const { status, report } = json(['--customer', 'acme', '--at', NOW, signed.image(key)]);
      assert.equal(status, 1, key);
      assert.equal(report.verdict, 'refused');
      assert.equal(report.rules.find((verdict) => verdict.rule === rule)?.fix, fix, key);
      assert.ok(report.fixes.includes(fix));
    }
  });

  it('given the old CRITICAL, when inspected, then the scan lists it with its age, fixed version and that it blocks', () => {
    const { report } = json(['--customer', 'acme', '--at', NOW, signed.image('critold_REF')]);
    const scan = report.artifacts.find((artifact) => artifact.kind === 'vuln')?.scan;
    assert.equal(scan?.counts.CRITICAL, 1);
    assert.deepEqual(scan?.findings.map((critical) => [critical.id, critical.fixedVersion, critical.ageDays, critical.blocking]), [['CVE-2019-18224', '2.0.5-1+deb10u1', 30, true]]);
  });

  it('given the allowlisted digest, when inspected, then rules 1-3 are skipped and the accepted risk is shown (exit 0)', () => {
    const { status, report } = json(['--customer', 'acme', '--at', NOW, signed.image('allowed_REF')]);
    assert.equal(status, 0);
    assert.deepEqual(report.rules.map((verdict) => verdict.result), ['skip', 'skip', 'skip', 'pass']);
    assert.equal(report.acceptedRisks[0].owner, 'platform@acme.example');
  });

  it('given the soft period, when a refused image is inspected, then it is admitted with warnings (exit 0) and refused after the flip', () => {
    const result = inspect(['--customer', 'acme', '--at', '2026-01-15', signed.image('unsigned_REF')]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /verdict: ADMITTED WITH WARNINGS .*\n    after the flip on 2026-01-31: REFUSED\n$/);
  });

  it('given an unreachable registry, when inspected, then it exits 3 and never says admitted', async () => {
    const port = await closedLoopbackPort();
    const reference = signed.image('good_REF').replace(signed.registry, `127.0.0.1:${port}`);
    const text = inspect(['--customer', 'acme', reference]);
    assert.equal(text.status, 3);
    assert.match(text.stdout, /verdict: COULD NOT INSPECT/);
    assert.doesNotMatch(text.stdout, /ADMITTED/);
    const { status, report } = json(['--customer', 'acme', reference]);
    assert.equal(status, 3);
    assert.equal(report.verdict, 'not-inspected');
    assert.match(report.errors[0], new RegExp(`^unreachable: cannot reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  it('given no cosign for a legacy-format customer, when inspected, then it could not inspect (exit 3), neither admitted nor refused', () => {
    const result = inspect(['--customer', 'acme', '--output', 'json', signed.image('good_REF')], { ...signed.env, COSIGN: join(signed.work, 'no-such-cosign') });
    assert.equal(result.status, 3);
    const report = JSON.parse(result.stdout) as InspectReport;
    assert.equal(report.verdict, 'not-inspected');
    assert.match(report.errors[0], /cannot verify the legacy artifacts the ClusterPolicy engine reads: cosign not found/);
  });

  it('given bad usage, when run, then it exits 2 with a hint', () => {
    assert.equal(inspect([]).status, 2);
    assert.equal(inspect(['--output', 'yaml', signed.image('good_REF')]).status, 2);
    assert.equal(inspect(['--customer', 'nobody', signed.image('good_REF')]).status, 2);
    assert.match(inspect(['ghcr.io/acme/services@sha256:abc']).stderr, /is not a digest/);
  });
});
