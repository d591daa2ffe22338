import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DriftAgent, type AttestedSbomSource } from '../../src/drift-agent/agent';
import type { ContainerSource, RunningContainer } from '../../src/drift-agent/node-containers';
import { runningContainers } from '../../src/drift-agent/node-containers';
import { containerIdOf, pidsOfContainers } from '../../src/drift-agent/process-roots';
import { passEvents, passMetrics } from '../../src/drift-agent/report';
import type { PackageInventory } from '../../src/drift-agent/syft-inventory';
import { makeTempDir } from '../support/synth-helper';

/**
 * The agent's pass logic over a real directory laid out like the node's procfs (`<pid>/cgroup`,
 * `<pid>/root` → a root file system): a STAND-IN for /proc, so these tests need no root. The real
 * procfs, real chrooted processes and real syft are exercised by the conformance suite's
 * `drift` step (test/conformance/helpers/drift.sh).
 */
const ID_A = 'a'.repeat(64);
const ID_B = 'b'.repeat(64);
const DIGEST_A = `sha256:${'1'.repeat(64)}`;
const DIGEST_B = `sha256:${'2'.repeat(64)}`;

function procStandIn(): { proc: string; rootA: string; cleanup: () => void } {
  const base = makeTempDir('scb-drift-proc-');
  const proc = join(base, 'proc');
  const rootA = join(base, 'root-a');
  mkdirSync(join(rootA, 'var/lib/dpkg'), { recursive: true });
  writeFileSync(join(rootA, 'var/lib/dpkg/status'), 'Package: curl\nVersion: 1\n');
  for (const [pid, id, root] of [[100, ID_A, rootA], [200, ID_B, rootA]] as const) {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'cgroup'), `0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${id}.scope\n`);
    symlinkSync(root, join(proc, String(pid), 'root'));
  }
  return { proc, rootA, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

const container = (name: string, id: string, digest: string, namespace = 'production-web'): RunningContainer => ({
  namespace, pod: `${name}-pod`, workload: `Deployment/${name}`, container: name, image: 'ghcr.io/acme-corp/services', digest, containerId: id, mountPaths: [],
});

const cdx = (...purls: string[]) => ({ bomFormat: 'CycloneDX', specVersion: '1.6', components: purls.map((purl) => ({ type: 'library', purl })) });

describe('DriftAgent pass', () => {
  it('given a verified and an unverifiable digest, when a pass runs, then only the verified one is inventoried and the other is never "no drift"', async () => {
    const { proc, cleanup } = procStandIn();
    try {
      let inventories = 0;
      const containers: ContainerSource = { list: async () => [container('a', ID_A, DIGEST_A), container('b', ID_B, DIGEST_B), container('c', ID_B, DIGEST_B, 'dev')] };
      const sboms: AttestedSbomSource = {
        attestedSbom: async (ref) => (ref.endsWith(DIGEST_A) ? { status: 'verified', digest: DIGEST_A, bom: cdx('pkg:deb/debian/curl@1'), location: 'x' } : { status: 'unverifiable', reason: 'unverified', detail: 'signed by another identity' }),
      };
      const inventory: PackageInventory = { inventory: async () => ((inventories += 1), { bom: cdx('pkg:deb/debian/curl@2', 'pkg:deb/debian/wget@1'), seconds: 0.1, peakRssBytes: 1, cpuSeconds: 0.1 }) };
      const agent = new DriftAgent({ containers, sboms, inventory, productionNamespaces: /^(?:production-.*)$/, ignorePaths: [], procRoot: proc });
      const pass = await agent.pass();
      assert.equal(pass.skipped, 1, 'the dev container is not compared');
      assert.equal(inventories, 1);
      const [a, b] = pass.results;
      assert.equal(a?.outcome.status, 'compared');
      assert.deepEqual(a?.outcome.status === 'compared' ? a.outcome.drift.counts : undefined, { added: 1, removed: 0, changed: 1 });
      assert.deepEqual(b?.outcome, { status: 'unverifiable', reason: 'unverified', detail: 'signed by another identity' });
      const exposition = passMetrics(pass, 1000);
      const packages = exposition.find((family) => family.name === 'scb_drift_packages');
      assert.equal(packages?.samples.length, 3, 'one series per kind for the compared container, none for the unverifiable one');
      assert.equal(exposition.find((family) => family.name === 'scb_drift_unverifiable')?.samples[0]?.labels.reason, 'unverified');
      const events = passEvents(pass);
      assert.deepEqual(events.map((event) => event.event), ['package_drift', 'drift_unverifiable']);
      assert.deepEqual(events[0]?.fields.changed, [{ package: 'pkg:deb/debian/curl', attested: ['1'], running: ['2'] }]);
    } finally {
      cleanup();
    }
  });

  it('given an unchanged package database, when a second pass runs, then syft does not run again; when the database changes, it does', async () => {
    const { proc, rootA, cleanup } = procStandIn();
    try {
      let inventories = 0;
      const agent = new DriftAgent({
        containers: { list: async () => [container('a', ID_A, DIGEST_A)] },
        sboms: { attestedSbom: async () => ({ status: 'verified', digest: DIGEST_A, bom: cdx('pkg:deb/debian/curl@1'), location: 'x' }) },
        inventory: { inventory: async () => ((inventories += 1), { bom: cdx('pkg:deb/debian/curl@1'), seconds: 0.1, peakRssBytes: 1, cpuSeconds: 0.1 }) },
        productionNamespaces: /^production-web$/,
        ignorePaths: [],
        procRoot: proc,
      });
      await agent.pass();
      const second = await agent.pass();
      assert.equal(inventories, 1);
      assert.equal(second.inventories, 0);
      writeFileSync(join(rootA, 'var/lib/dpkg/status'), 'Package: curl\nVersion: 2 (a longer file)\n');
      const third = await agent.pass();
      assert.equal(third.inventories, 1);
    } finally {
      cleanup();
    }
  });

  it('given a container whose process cannot be found, when a pass runs, then it is reported as failed, not compared', async () => {
    const { proc, cleanup } = procStandIn();
    try {
      const agent = new DriftAgent({
        containers: { list: async () => [container('gone', 'c'.repeat(64), DIGEST_A)] },
        sboms: { attestedSbom: async () => ({ status: 'verified', digest: DIGEST_A, bom: cdx(), location: 'x' }) },
        inventory: { inventory: async () => assert.fail('no inventory without a process') },
        productionNamespaces: /^production-web$/,
        ignorePaths: [],
        procRoot: proc,
      });
      const pass = await agent.pass();
      assert.equal(pass.results[0]?.outcome.status, 'failed');
    } finally {
      cleanup();
    }
  });
});

describe('node containers', () => {
  it('maps running container statuses to pod, workload, digest, runtime ID and volume mounts', () => {
    const containers = runningContainers([
      {
        metadata: { name: 'web-7d9c8b6f5-abcde', namespace: 'production-web', labels: { 'pod-template-hash': '7d9c8b6f5' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9c8b6f5', controller: true }] },
        spec: { containers: [{ name: 'web', volumeMounts: [{ mountPath: '/data' }, { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] },
        status: {
          containerStatuses: [
            { name: 'web', imageID: `ghcr.io/acme-corp/services@${DIGEST_A}`, containerID: `containerd://${ID_A}`, state: { running: {} } },
            { name: 'waiting', imageID: '', containerID: '', state: {} },
          ],
        },
      },
    ]);
    assert.deepEqual(containers, [
      { namespace: 'production-web', pod: 'web-7d9c8b6f5-abcde', workload: 'Deployment/web', container: 'web', image: 'ghcr.io/acme-corp/services', digest: DIGEST_A, containerId: ID_A, mountPaths: ['/data', '/var/run/secrets/kubernetes.io/serviceaccount'] },
    ]);
  });

  it('reads container IDs of every runtime and finds their processes by cgroup', async () => {
    assert.equal(containerIdOf(`cri-o://${ID_B}`), ID_B);
    assert.equal(containerIdOf('containerd://not-hex'), undefined);
    const { proc, cleanup } = procStandIn();
    try {
      assert.deepEqual([...(await pidsOfContainers([ID_A, ID_B, 'd'.repeat(64)], proc))], [[ID_A, 100], [ID_B, 200]]);
    } finally {
      cleanup();
    }
  });
});

describe('scb drift-agent command line', () => {
  it('given a missing config file or no node name, when started, then it exits 2 naming the problem and runs no pass', async () => {
    const { driftAgentCommand } = await import('../../src/drift-agent/cli');
    const logged: string[] = [];
    const logger = (_level: string, event: string, fields: Readonly<Record<string, unknown>> = {}) => void logged.push(`${event} ${String(fields.message)}`);
    const containers = { list: async () => assert.fail('no pass may run') };
    assert.equal(await driftAgentCommand(['--config', '/nonexistent/drift-agent.json', '--once'], { logger, containers }), 2);
    assert.match(logged[0] ?? '', /bad_configuration config \/nonexistent\/drift-agent\.json: ENOENT/);
    const dir = makeTempDir('scb-drift-cli-');
    try {
      const file = join(dir, 'drift-agent.json');
      writeFileSync(file, JSON.stringify({ customer: 'acme', cluster: 'c', pushgateway: 'http://127.0.0.1:9', productionNamespaces: '^prod$', signingIdentity: { issuer: 'i', subject: 's', trigger: 'push', repository: 'r' }, signatureFormat: 'sigstore-bundle', ignorePaths: ['tmp'] }));
      assert.equal(await driftAgentCommand(['--config', file, '--once', '--node', 'n1'], { logger, containers }), 2);
      assert.match(logged[1] ?? '', /ignorePaths: expected a list of absolute paths/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
