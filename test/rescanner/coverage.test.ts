/**
 * Coverage from what runs: the rescanner verifies each digest running in a production namespace
 * against the customer's identity with the shared verification module, over a REAL loopback
 * registry holding real cosign artifacts (bundles verified in process by sigstore-js, legacy
 * .sig/.att by the cosign CLI), and pushes per-digest results to a REAL Pushgateway. Scans are a
 * stand-in replaying a real 1970 (reproducible build) Trivy report, so the build time must come
 * from the signature.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signingIdentity } from '../../src/contract';
import type { PodLike } from '../../src/rescanner/inventory';
import { KubernetesClient } from '../../src/kubernetes/client';
import { silentLogger } from '../../src/rescanner/logger';
import { runRescan } from '../../src/rescanner/rescan';
import { SignatureVerifier } from '../../src/rescanner/signature-verifier';
import { conformanceCustomer } from '../conformance/generate-suite';
import { startSignedRegistry, type SignedRegistry } from '../support/signed-registry';
import { ReplayScanner, scrape, startFakeApi, startPushgateway, type FakeApi, type Pushgateway, type ScrapedSeries } from './support';

const NOW = new Date();
let signed: SignedRegistry;
let gateway: Pushgateway;
const apis: FakeApi[] = [];

function pod(name: string, namespace: string, ref: string): PodLike {
  return {
    metadata: { name, namespace, ownerReferences: [{ kind: 'ReplicaSet', name: `${name}-6c7d8f9b5`, controller: true }] },
    status: { containerStatuses: [{ name: 'app', image: ref, imageID: ref }] },
  };
}

const digestOf = (ref: string) => ref.slice(ref.indexOf('@') + 1);
const value = (s: ScrapedSeries[], name: string, digest: string) => s.find((x) => x.name === name && x.labels.digest === digest)?.value;

describe('rescanner coverage from what runs, verified against the customer identity', () => {
  before(async () => {
    signed = startSignedRegistry();
    gateway = await startPushgateway();
  });
  after(async () => {
    signed?.stop();
    await gateway?.stop();
    for (const api of apis) await api.close();
  });

  // Bundles carry an RFC 3161 timestamp; offline legacy signatures have no Rekor entry, hence no time of
  // their own: the verified vulnerability attestation's scanFinishedOn is next in the chain.
  for (const [engine, prefix, format, timeSource] of [['ImageValidatingPolicy', 't_', 'sigstore-bundle', 'signature'], ['ClusterPolicy', '', 'legacy', 'attestation']] as const) {
    it(`given production pods running a release-signed digest, an unsigned one and one signed on another branch (${format}), when the rescanner runs, then only the release one counts as verified, with its signature time as build time`, async () => {
      const good = signed.image(`${prefix}good_REF`);
      const unsigned = signed.image('unsigned_REF');
      const branch = signed.image(`${prefix}branch_REF`);
      const api = await startFakeApi({
        pods: [pod('web', 'production-a', good), pod('tool', 'production-a', unsigned), pod('feature', 'production-b', branch), pod('sidecar', 'kube-system', unsigned)],
      });
      apis.push(api);
      const customer = conformanceCustomer(signed.registry, engine, signed.image('allowed_REF'));
      const replay = Object.fromEntries([good, unsigned, branch].map((ref) => [digestOf(ref), { fixture: 'distroless-base.json' }]));
      const result = await runRescan({
        customer: 'acme', cluster: format, kubernetes: new KubernetesClient({ apiServer: api.url }), scanner: new ReplayScanner(replay),
        verifier: new SignatureVerifier({ identity: signingIdentity(customer), format, trust: signed.trust, cosign: { cosign: signed.cosign, env: signed.env } }),
        verifyNamespaces: /^(?:production-.*)$/, pushgateway: gateway.url, scanRetries: 0, now: () => NOW, logger: silentLogger,
      });
      assert.equal(result.outcome, 'success', result.error);
      const s = (await scrape(gateway)).filter((x) => x.labels.cluster === format);
      assert.equal(value(s, 'scb_image_signature_verified', digestOf(good)), 1);
      assert.equal(value(s, 'scb_image_attestations_verified', digestOf(good)), 1);
      assert.equal(value(s, 'scb_image_signature_verified', digestOf(unsigned)), 0);
      assert.equal(value(s, 'scb_image_signature_verified', digestOf(branch)), 0, 'a signature from another branch is not the release identity');
      // The 1970 image config is ignored; the verified signature (or attestation) dates the build.
      const source = s.find((x) => x.name === 'scb_image_build_time_source' && x.labels.digest === digestOf(good))?.labels.source;
      assert.equal(source, timeSource);
      const built = value(s, 'scb_image_build_timestamp_seconds', digestOf(good)) ?? 0;
      // Signed in real time by the fixture, possibly minutes after NOW was taken on a loaded machine.
      assert.ok(built > Date.UTC(2025, 0, 1) / 1000 && built <= Date.now() / 1000 + 60, `build time ${built}`);
      // The unsigned image has no other evidence: its age is unknown (first seen).
      assert.equal(s.find((x) => x.name === 'scb_image_build_time_source' && x.labels.digest === digestOf(unsigned))?.labels.source, 'first_seen');
    });
  }
});
