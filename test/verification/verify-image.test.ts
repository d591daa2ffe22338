/**
 * verifyImage and the verdict against a loopback registry holding real cosign artifacts in both
 * formats (signed with the conformance helpers: test CA with GitHub identities, RFC 3161 TSA).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signingIdentity } from '../../src/contract';
import { RegistryError, admissionPolicy, judgeImage, verifyImage, type ImageVerification } from '../../src/verification';
import { CONFORMANCE_REPOSITORY_ID, conformanceCustomer } from '../conformance/generate-suite';
import { closedLoopbackPort } from '../support/closed-port';
import { type SignedRegistry, startSignedRegistry } from '../support/signed-registry';

/**
 * Policies are rendered at a synth clock (after the flip here) and evaluated live, like Kyverno in
 * a cluster: the scan ages of the test predicates are relative to the real time of the run.
 */
const ENFORCING = new Date('2026-03-01T12:00:00Z');
const NOW = new Date();
let signed: SignedRegistry;

before(() => {
  signed = startSignedRegistry();
});
after(() => signed?.stop());

function customer(engine: 'ClusterPolicy' | 'ImageValidatingPolicy') {
  return conformanceCustomer(signed.registry, engine, signed.image('allowed_REF'));
}

async function verify(key: string, engine: 'ClusterPolicy' | 'ImageValidatingPolicy' = 'ClusterPolicy'): Promise<ImageVerification> {
  return verifyImage(signed.image(key), signingIdentity(customer(engine)), { trust: signed.trust, cosign: { cosign: signed.cosign, env: signed.env } });
}

describe('verifyImage on real cosign artifacts', () => {
  for (const [prefix, format] of [['', 'legacy'], ['t_', 'sigstore-bundle']] as const) {
    it(`given the good image in the ${format} format, when verified, then the signature and both attestations verify with the release identity`, async () => {
      const result = await verify(`${prefix}good_REF`);
      assert.deepEqual(result.errors, []);
      for (const artifact of [...result.signatures, ...result.attestations.sbom, ...result.attestations.vuln]) {
        assert.equal(artifact.format, format);
        assert.equal(artifact.verified, true, `${artifact.kind}: ${artifact.problem}`);
        assert.equal(artifact.certificate?.subject, 'https://github.com/acme/services/.github/workflows/release.yml@refs/heads/main');
        assert.equal(artifact.certificate?.trigger, 'push');
        assert.equal(artifact.certificate?.repository, 'acme/services');
      }
      assert.equal(result.signatures.length, 1);
      assert.equal(result.attestations.sbom[0].sbom?.bomFormat, 'CycloneDX');
      assert.ok((result.attestations.sbom[0].sbom?.components ?? 0) > 0);
      assert.equal(result.attestations.vuln[0].scan?.counts.CRITICAL, 0);
      if (format === 'sigstore-bundle') {
        assert.equal(result.referrersVia, 'tag', 'crane registry has no referrers API: the fallback tag is read');
        assert.match(result.signatures[0].signedTimestamp ?? '', /^20\d\d-/);
      }
    });

    it(`given the wrong-branch image (${format}), when verified, then nothing verifies and the subject mismatch is named`, async () => {
      const result = await verify(`${prefix}branch_REF`);
      assert.equal(result.signatures[0].verified, false);
      assert.deepEqual(result.signatures[0].mismatches.map((mismatch) => mismatch.field), ['subject']);
      assert.match(result.signatures[0].mismatches[0].found ?? '', /@refs\/heads\/feature-x$/);
    });

    it(`given the pull-request image (${format}), when verified, then the trigger mismatch refuses it`, async () => {
      const result = await verify(`${prefix}pr_REF`);
      assert.equal(result.signatures[0].verified, false);
      assert.deepEqual(result.signatures[0].mismatches, [{ field: 'trigger', expected: 'push', found: 'pull_request' }]);
    });
  }

  for (const key of ['good_REF', 't_good_REF']) {
    it(`given ${key} and an expected repository ID its certificate does not carry, when verified, then nothing verifies (a re-created repository of the same name)`, async () => {
      const identity = { ...signingIdentity(customer('ClusterPolicy')), repositoryId: '123456' };
      const result = await verifyImage(signed.image(key), identity, { trust: signed.trust, cosign: { cosign: signed.cosign, env: signed.env } });
      assert.equal(result.signatures[0].verified, false);
      // The test CA writes the conformance repository's ID into OID .15 (helpers/test-ca.sh).
      assert.deepEqual(result.signatures[0].mismatches, [{ field: 'repositoryId', expected: '123456', found: String(CONFORMANCE_REPOSITORY_ID) }]);
    });
  }

  it('given a registry that serves the OCI 1.1 referrers API, when the bundle image is verified, then the referrers come from the API', async () => {
    // A stand-in for such a registry (crane's has no referrers endpoint): a loopback proxy in front
    // of the signed registry that answers /referrers/<digest> with the index the fallback tag holds,
    // as a registry with the API would, and hides the fallback tag.
    const upstream = `http://${signed.registry}`;
    const server = createServer(async (request, response) => {
      const url = request.url ?? '';
      const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url);
      const target = referrers ? `${upstream}/v2/${referrers[1]}/manifests/${referrers[2].replace(':', '-')}` : `${upstream}${url}`;
      if (!referrers && /\/manifests\/sha256-[a-f0-9]{64}$/.test(url)) {
        response.writeHead(404).end();
        return;
      }
      const answer = await fetch(target, { headers: { accept: String(request.headers.accept ?? '*/*') } });
      const body = Buffer.from(await answer.arrayBuffer());
      response.writeHead(answer.status, { 'content-type': referrers ? 'application/vnd.oci.image.index.v1+json' : answer.headers.get('content-type') ?? 'application/octet-stream' });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const reference = signed.image('t_good_REF').replace(signed.registry, `127.0.0.1:${port}`);
      const result = await verifyImage(reference, signingIdentity(customer('ImageValidatingPolicy')), { trust: signed.trust, cosign: { cosign: signed.cosign, env: signed.env } });
      assert.equal(result.referrersVia, 'api');
      assert.deepEqual([result.signatures.length, result.attestations.sbom.length, result.attestations.vuln.length], [1, 1, 1]);
      assert.ok([...result.signatures, ...result.attestations.sbom, ...result.attestations.vuln].every((artifact) => artifact.verified));
    } finally {
      server.close();
    }
  });

  it('given a tag, when verified, then it is resolved to the digest and says so', async () => {
    const result = await verify('good_TAG');
    assert.equal(result.resolvedFromTag, 'good');
    assert.equal(result.digestReference, signed.image('good_REF'));
  });

  it('given an unsigned image, when verified, then no artifact is found in either format', async () => {
    const result = await verify('unsigned_REF');
    assert.equal(result.signatures.length + result.attestations.sbom.length + result.attestations.vuln.length, 0);
  });

  it('given a stopped registry, when verified, then a RegistryError "unreachable" is thrown', async () => {
    const reference = signed.image('good_REF').replace(signed.registry, `127.0.0.1:${await closedLoopbackPort()}`);
    await assert.rejects(verifyImage(reference, signingIdentity(customer('ClusterPolicy'))), (error: unknown) => error instanceof RegistryError && error.kind === 'unreachable');
  });
});

describe('judgeImage over the verified facts (conformance customer, enforcing)', () => {
  const cases: [string, 'ClusterPolicy' | 'ImageValidatingPolicy', string, Record<string, string>][] = [
    ['good_REF', 'ClusterPolicy', 'admitted', { signature: 'pass', sbom: 'pass', scan: 'pass', allowed: 'pass' }],
    ['t_good_REF', 'ImageValidatingPolicy', 'admitted', { signature: 'pass', sbom: 'pass', scan: 'pass', allowed: 'pass' }],
    ['good_REF', 'ImageValidatingPolicy', 'refused', { signature: 'fail', sbom: 'fail', scan: 'fail', allowed: 'pass' }],
    ['unsigned_REF', 'ClusterPolicy', 'refused', { signature: 'fail', sbom: 'fail', scan: 'fail', allowed: 'pass' }],
    ['t_nosbom_REF', 'ImageValidatingPolicy', 'refused', { signature: 'pass', sbom: 'fail', scan: 'pass', allowed: 'pass' }],
    ['critold_REF', 'ClusterPolicy', 'refused', { signature: 'pass', sbom: 'pass', scan: 'fail', allowed: 'pass' }],
    ['t_critnew_REF', 'ImageValidatingPolicy', 'admitted', { signature: 'pass', sbom: 'pass', scan: 'pass', allowed: 'pass' }],
    ['allowed_REF', 'ClusterPolicy', 'admitted', { signature: 'skip', sbom: 'skip', scan: 'skip', allowed: 'pass' }],
    ['outside_REF', 'ImageValidatingPolicy', 'refused', { signature: 'skip', sbom: 'skip', scan: 'skip', allowed: 'fail' }],
  ];
  for (const [key, engine, outcome, rules] of cases) {
    it(`given ${key} on ${engine}, when judged, then it is ${outcome} with rules ${JSON.stringify(rules)}`, async () => {
      const verdict = judgeImage(await verify(key, engine), admissionPolicy(customer(engine), ENFORCING), NOW);
      assert.equal(verdict.outcome, outcome);
      assert.deepEqual(Object.fromEntries(verdict.rules.map((rule) => [rule.rule, rule.result])), rules);
      for (const rule of verdict.rules) assert.equal(rule.fix !== undefined, rule.result === 'fail', `${rule.rule} has a fix exactly when it fails`);
    });
  }

  it('given the wrong-branch image, when judged, then the fix says to rebuild on main', async () => {
    const verdict = judgeImage(await verify('branch_REF'), admissionPolicy(customer('ClusterPolicy'), ENFORCING), NOW);
    assert.equal(verdict.rules[0].fix, 'rebuild on `main`');
  });

  it('given the old CRITICAL, when judged, then the fix names the CVE and its fixed version', async () => {
    const verdict = judgeImage(await verify('t_critold_REF', 'ImageValidatingPolicy'), admissionPolicy(customer('ImageValidatingPolicy'), ENFORCING), NOW);
    const critical = verdict.scans[0].criticals[0];
    assert.equal(critical.blocking, true);
    assert.match(verdict.rules[2].fix ?? '', new RegExp(`^fix ${critical.id} in ${critical.package}`));
  });

  it('given a failing image in the soft period, when judged, then it is admitted with warnings and refused after the flip', async () => {
    const soft = new Date('2026-01-15T12:00:00Z');
    const verdict = judgeImage(await verify('unsigned_REF'), admissionPolicy(customer('ClusterPolicy'), soft), NOW);
    assert.equal(verdict.outcome, 'admitted-with-warnings');
    assert.equal(verdict.afterFlip, 'refused');
    assert.equal(verdict.enforcement.flipDate, '2026-01-31');
  });
});
