/**
 * The rescanner's allowlist entries as the generated ConfigMap carries them: a digest entry, or a
 * repository entry for a sidecar a mesh or agent injects by tag (docs/admission.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowlistedDigests, allowlistedRepositories, reviewAllowlist } from '../../src/rescanner/allowlist';
import { parseRescannerConfig } from '../../src/rescanner/config';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const base = { customer: 'acme', cluster: 'prod', trivyServer: 'http://127.0.0.1:1', pushgateway: 'http://127.0.0.1:2' };

describe('rescanner allowlist entries', () => {
  it('given a digest entry and a repository entry, when parsed, then both round-trip and each allowlists what it names', () => {
    const allowlist = [
      { image: `docker.io/library/redis@${DIGEST}`, owner: 'data', lastReviewed: '2026-11-01' },
      { repository: 'docker.io/istio/proxyv2', owner: 'mesh', reason: 'injected by istiod', lastReviewed: '2026-11-01', reviewIntervalDays: 30 },
    ];
    const parsed = parseRescannerConfig({ ...base, allowlist });
    assert.deepEqual(parsed.allowlist, allowlist);
    assert.deepEqual([...allowlistedDigests(allowlist)], [DIGEST]);
    assert.deepEqual([...allowlistedRepositories(allowlist)], ['docker.io/istio/proxyv2']);
    const [, sidecar] = reviewAllowlist(allowlist, new Date('2026-12-05T00:00:00Z'));
    assert.deepEqual(sidecar, { image: 'docker.io/istio/proxyv2', owner: 'mesh', dueSeconds: Date.parse('2026-12-01T00:00:00Z') / 1000, overdue: true });
  });

  it('given an entry naming both an image and a repository, when parsed, then it is refused', () => {
    assert.throws(
      () => parseRescannerConfig({ ...base, allowlist: [{ image: `docker.io/library/redis@${DIGEST}`, repository: 'docker.io/library/redis', owner: 'data', lastReviewed: '2026-11-01' }] }),
      /allowlist\[0\]\.image: expected an image pinned by digest .*or a repository instead/,
    );
  });

  it('given a repository entry with a digest, when parsed, then it is refused', () => {
    assert.throws(
      () => parseRescannerConfig({ ...base, allowlist: [{ repository: `docker.io/istio/proxyv2@${DIGEST}`, owner: 'mesh', lastReviewed: '2026-11-01' }] }),
      /allowlist\[0\]\.repository: expected a repository without a tag or digest/,
    );
  });
});
