import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTestTrustRoots } from '../../src/admission/test-overlay';
import { type Doc, exampleCustomer, renderAdmission } from '../support/admission-helper';

const ROOTS = '-----BEGIN CERTIFICATE-----\ntest-ca\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PUBLIC KEY-----\ntest-key\n-----END PUBLIC KEY-----\n';

/** Every leaf path where two JSON values differ, as `a.b[0].c`. */
function deepDiff(before: unknown, after: unknown, path = ''): string[] {
  if (Object.is(before, after)) return [];
  const isContainer = (value: unknown) => typeof value === 'object' && value !== null;
  if (!isContainer(before) || !isContainer(after) || Array.isArray(before) !== Array.isArray(after)) return [path || '(root)'];
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  return [...keys].flatMap((key) =>
    deepDiff((before as Doc)[key], (after as Doc)[key], Array.isArray(before) ? `${path}[${key}]` : path ? `${path}.${key}` : key),
  );
}

describe('withTestTrustRoots: the offline-verification overlay', () => {
  const globex = renderAdmission(exampleCustomer('globex'), '2026-10-01T00:00:00Z');
  const acme = renderAdmission(exampleCustomer('acme'), '2026-10-01T00:00:00Z');

  it('ClusterPolicy + test CA: changes only roots, rekor.ignoreTlog and ctlog of each keyless attestor', () => {
    const policy = globex.byName('scb-globex-verify-images');
    const overlaid = withTestTrustRoots(policy, { rootsPem: ROOTS });
    const attestorPaths = [
      'spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless',
      'spec.rules[1].verifyImages[0].attestations[0].attestors[0].entries[0].keyless',
      'spec.rules[2].verifyImages[0].attestations[0].attestors[0].entries[0].keyless',
      'spec.rules[3].verifyImages[0].attestations[0].attestors[0].entries[0].keyless',
    ];
    assert.deepEqual(
      deepDiff(policy, overlaid).sort(),
      attestorPaths.flatMap((path) => [`${path}.ctlog`, `${path}.rekor.ignoreTlog`, `${path}.roots`]).sort(),
    );
    const keyless = overlaid.spec.rules[1].verifyImages[0].attestations[0].attestors[0].entries[0].keyless;
    assert.deepEqual(keyless, {
      ...policy.spec.rules[1].verifyImages[0].attestations[0].attestors[0].entries[0].keyless,
      roots: ROOTS,
      // The URL stays: Kyverno refuses a rekor block without one, even with ignoreTlog.
      rekor: { url: 'https://rekor.sigstore.dev', ignoreTlog: true },
      ctlog: { ignoreSCT: true },
    });
    assert.equal(keyless.subject, 'https://github.com/globex/billing-platform/.github/workflows/release.yml@refs/heads/main', 'identity kept');
    assert.equal(policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.roots, undefined, 'input not mutated');
  });

  it('ClusterPolicy + test key: swaps each keyless attestor for a key attestor, nothing else', () => {
    const policy = globex.byName('scb-globex-verify-images');
    const overlaid = withTestTrustRoots(policy, { publicKeyPem: KEY });
    const changed = deepDiff(policy, overlaid);
    assert.ok(changed.length > 0);
    for (const path of changed) assert.match(path, /attestors\[0\]\.entries\[0\]\.(keyless|keys)(\.|$)/, path);
    assert.deepEqual(overlaid.spec.rules[0].verifyImages[0].attestors[0].entries[0], {
      keys: { publicKeys: KEY, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } },
    });
  });

  it('ImageValidatingPolicy + test key: swaps the github-actions attestor to cosign.key with tlog/SCT ignored, nothing else', () => {
    const policy = acme.byName('scb-acme-verify-images');
    const overlaid = withTestTrustRoots(policy, { publicKeyPem: KEY });
    assert.deepEqual(deepDiff(policy, overlaid).sort(), [
      'spec.attestors[0].cosign.ctlog',
      'spec.attestors[0].cosign.key',
      'spec.attestors[0].cosign.keyless',
    ]);
    assert.deepEqual(overlaid.spec.attestors, [
      { name: 'github-actions', cosign: { key: { data: KEY }, ctlog: { insecureIgnoreTlog: true, insecureIgnoreSCT: true } } },
    ]);
  });

  it('ImageValidatingPolicy + test TUF repository: keeps the keyless identities, adds only tuf and the tlog/SCT switches', () => {
    const policy = acme.byName('scb-acme-verify-images');
    const overlaid = withTestTrustRoots(policy, { tufMirror: 'http://127.0.0.1:8080', tufRootBase64: 'cm9vdA==' });
    assert.deepEqual(deepDiff(policy, overlaid).sort(), ['spec.attestors[0].cosign.ctlog', 'spec.attestors[0].cosign.tuf']);
    assert.deepEqual(overlaid.spec.attestors[0].cosign, {
      keyless: policy.spec.attestors[0].cosign.keyless,
      ctlog: { insecureIgnoreTlog: true, insecureIgnoreSCT: true },
      tuf: { mirror: 'http://127.0.0.1:8080', root: { data: 'cm9vdA==' } },
    });
    assert.equal(policy.spec.attestors[0].cosign.tuf, undefined, 'input not mutated');
  });

  it('refuses a TUF repository for a ClusterPolicy, whose legacy verifier takes keyless.roots', () => {
    assert.throws(() => withTestTrustRoots(globex.byName('scb-globex-verify-images'), { tufMirror: 'http://x', tufRootBase64: 'eA==' }), /pass \{ rootsPem \}/);
  });

  it('refuses test roots for an ImageValidatingPolicy, whose keyless verifier ignores them', () => {
    assert.throws(() => withTestTrustRoots(acme.byName('scb-acme-verify-images'), { rootsPem: ROOTS }), /ignores keyless\.roots/);
  });

  it('leaves the rule-4 policies (no trust roots) unchanged', () => {
    for (const policy of [acme.byName('scb-acme-allowed-images'), globex.byName('scb-globex-allowed-images')]) {
      assert.deepEqual(withTestTrustRoots(policy, { publicKeyPem: KEY }), policy);
    }
  });
});
