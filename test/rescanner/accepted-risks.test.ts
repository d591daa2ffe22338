import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMetricFamilies, type ImageResult } from '../../src/rescanner/rescan';
import { digest } from './support';

const NOW = new Date('2026-11-25T12:00:00Z');
const KEY = { cluster: 'prod', customer: 'acme' };

function image(name: string, dg: string, ids: string[]): ImageResult {
  return {
    digest: dg, image: name, ref: `${name}@${dg}`, workloads: [], allowlisted: false, usedCredentials: false, credentialSource: 'none',
    consecutiveFailures: 0, counts: { CRITICAL: ids.length, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
    findings: ids.map((id) => ({ id, severity: 'CRITICAL' as const, package: 'openssl', fixed: '' })), lastScanSeconds: NOW.getTime() / 1000,
    carried: false, firstSeenSeconds: NOW.getTime() / 1000,
  };
}

describe('accepted risks in the rescanner metrics', () => {
  it("given accepted risks scoped to every image, one repository or one digest, when metrics are built, then each covered finding gets the instant its acceptance lapses, and nothing else", () => {
    const shop = image('ghcr.io/acme/shop', digest('a'), ['CVE-2026-1', 'CVE-2026-2', 'CVE-2026-3']);
    const api = image('ghcr.io/acme/api', digest('b'), ['CVE-2026-1', 'CVE-2026-2', 'CVE-2026-3']);
    const families = buildMetricFamilies(KEY, [shop, api], [], NOW, { lastRunSeconds: 0, scanErrors: 0, imagesScanned: 2, durationSeconds: 1, podsListed: 2 }, [
      { cve: 'CVE-2026-1', owner: 'sec', expires: '2026-12-31' },
      { cve: 'CVE-2026-2', owner: 'team-shop', expires: '2026-12-01', image: 'ghcr.io/acme/shop' },
      { cve: 'CVE-2026-3', owner: 'team-api', expires: '2026-11-30', image: `ghcr.io/acme/api@${digest('c')}` },
      { cve: 'CVE-2026-9', owner: 'sec', expires: '2026-12-31' },
    ]);
    const accepted = families.find((f) => f.name === 'scb_accepted_risk_expiry_timestamp_seconds')?.samples ?? [];
    const rows = accepted.map((s) => `${s.labels.image} ${s.labels.vulnerability_id} ${s.labels.owner} ${new Date(s.value * 1000).toISOString()}`).sort();
    assert.deepEqual(rows, [
      // Every image; "expires" is the last day it holds, so it lapses at 00:00 UTC the day after.
      'ghcr.io/acme/api CVE-2026-1 sec 2027-01-01T00:00:00.000Z',
      'ghcr.io/acme/shop CVE-2026-1 sec 2027-01-01T00:00:00.000Z',
      // Scoped to the shop repository only.
      'ghcr.io/acme/shop CVE-2026-2 team-shop 2026-12-02T00:00:00.000Z',
      // Scoped to another digest of api: not this one. CVE-2026-9 is in no running image.
    ]);
  });
});
