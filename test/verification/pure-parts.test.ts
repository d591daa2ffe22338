/**
 * The verification module's pure parts: references, Docker credentials (a real credential-helper
 * executable speaking the docker-credential-helpers protocol), predicate summaries over real Trivy
 * and CycloneDX documents, and the scan rule's clock arithmetic.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageReferenceError, dockerCredentials, judgeScan, parseImageReference, sbomSummary, scanSummary } from '../../src/verification';
import { readFixture } from '../rescanner/support';
import { makeTempDir } from '../support/synth-helper';

function vulnPredicate(report: unknown, finishedOn: string) {
  return { scanner: { uri: 'pkg:github/aquasecurity/trivy@v0.69.3', version: '0.69.3', result: report }, metadata: { scanStartedOn: finishedOn, scanFinishedOn: finishedOn } };
}

describe('parseImageReference', () => {
  it('given references in the spellings pods use, when parsed, then registry, repository, tag and digest come apart as docker reads them', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageReference('ghcr.io/acme/services:1.2'), { registry: 'ghcr.io', repository: 'acme/services', tag: '1.2', digest: undefined, original: 'ghcr.io/acme/services:1.2' });
    assert.equal(parseImageReference(`127.0.0.1:5000/acme/services@${digest}`).registry, '127.0.0.1:5000');
    assert.equal(parseImageReference(`127.0.0.1:5000/acme/services:good@${digest}`).digest, digest);
    assert.deepEqual([parseImageReference('redis').registry, parseImageReference('redis').repository], ['index.docker.io', 'library/redis']);
    assert.equal(parseImageReference('docker.io/acme/app').registry, 'index.docker.io');
  });

  it('given a malformed reference, when parsed, then an ImageReferenceError says what to write', () => {
    assert.throws(() => parseImageReference('ghcr.io/acme/services@sha256:abc'), ImageReferenceError);
    assert.throws(() => parseImageReference('ghcr.io/Acme/services'), /lower-case/);
    assert.throws(() => parseImageReference(''), /empty/);
  });
});

describe('dockerCredentials', () => {
  it('given auths, credHelpers and an identity token, when looked up per registry, then each comes from its own source', async () => {
    const dir = makeTempDir('scb-docker-config-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A credential helper as docker-credential-helpers defines it: server URL on stdin, JSON on stdout.
    writeFileSync(join(bin, 'docker-credential-scbtest'), '#!/bin/sh\nread -r server\nif [ "$server" = "helped.example" ]; then printf \'{"ServerURL":"%s","Username":"robot","Secret":"s3cret"}\' "$server"; else echo "credentials not found in native keychain"; exit 1; fi\n');
    chmodSync(join(bin, 'docker-credential-scbtest'), 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
        'token.example': { identitytoken: 'refresh-me' },
      },
      credHelpers: { 'helped.example': 'scbtest', 'missing.example': 'scbtest' },
    }));
    const env = { ...process.env, DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    assert.deepEqual(await dockerCredentials('index.docker.io', env).then((c) => [c?.username, c?.password]), ['hubuser', 'hubpass']);
    assert.deepEqual(await dockerCredentials('helped.example', env), { username: 'robot', password: 's3cret', source: 'docker-credential-scbtest' });
    assert.equal(await dockerCredentials('missing.example', env), undefined);
    assert.equal((await dockerCredentials('token.example', env))?.identityToken, 'refresh-me');
    assert.equal(await dockerCredentials('ghcr.io', env), undefined);
    assert.equal(await dockerCredentials('ghcr.io', { ...env, DOCKER_CONFIG: join(dir, 'nowhere') }), undefined);
  });
});

describe('predicate summaries', () => {
  it('given the real CycloneDX fixture, when summarised, then format and every (nested) component are counted', () => {
    const bom = readFixture('npm-cyclonedx.json') as { components: unknown[] };
    const summary = sbomSummary(bom);
    assert.equal(summary.bomFormat, 'CycloneDX');
    assert.ok(summary.components >= bom.components.length);
  });

  it('given a real Trivy report in a cosign-vuln predicate, when summarised, then severities are counted and findings keep fixed versions', () => {
    const summary = scanSummary(vulnPredicate(readFixture('debian-buster.json'), '2026-12-01T00:00:00Z'));
    assert.deepEqual(summary.counts, { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    const critical = summary.findings.find((finding) => finding.severity === 'CRITICAL');
    assert.deepEqual([critical?.id, critical?.fixedVersion], ['CVE-2019-18224', '2.0.5-1+deb10u1']);
    assert.equal(summary.scanner, 'pkg:github/aquasecurity/trivy@v0.69.3');
  });
});

describe('judgeScan (rule 3)', () => {
  const rule = { maxAge: '168h', vulnerabilities: { severity: 'CRITICAL' as const, graceDays: 7, fixableOnly: false, acceptedRisks: [] } };
  const report = (published: string | undefined) => ({
    Results: [{ Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p', Severity: 'CRITICAL', FixedVersion: '2', ...(published ? { PublishedDate: published } : {}) }] }],
  });

  it('given a scan exactly maxAge old, when judged, then it is still fresh; one second later it is stale', () => {
    const scan = scanSummary(vulnPredicate({ Results: [] }, '2026-12-01T00:00:00Z'));
    assert.equal(judgeScan(scan, rule, new Date('2026-12-08T00:00:00Z')).stale, false);
    assert.equal(judgeScan(scan, rule, new Date('2026-12-08T00:00:01Z')).stale, true);
  });

  it('given a CRITICAL inside the grace period, when judged, then it passes and says the day it starts refusing', () => {
    const judgement = judgeScan(scanSummary(vulnPredicate(report('2026-12-03T00:00:00Z'), '2026-12-05T00:00:00Z')), rule, new Date('2026-12-05T00:00:00Z'));
    assert.deepEqual(judgement.problems, []);
    assert.deepEqual([judgement.criticals[0].ageDays, judgement.criticals[0].blocksFrom], [2, '2026-12-10']);
  });

  it('given a CRITICAL past the grace period or without a publication date, when judged, then it refuses (fail closed)', () => {
    const at = new Date('2026-12-05T00:00:00Z');
    assert.match(judgeScan(scanSummary(vulnPredicate(report('2026-11-01T00:00:00Z'), '2026-12-05T00:00:00Z')), rule, at).problems[0], /published 34 days ago/);
    assert.match(judgeScan(scanSummary(vulnPredicate(report(undefined), '2026-12-05T00:00:00Z')), rule, at).problems[0], /no publication date/);
  });

  it('given a scan without a finish time, when judged, then it is stale', () => {
    assert.equal(judgeScan(scanSummary({ scanner: {} }), rule, new Date()).stale, true);
  });
});

