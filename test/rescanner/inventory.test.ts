import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inventoryFromPodPages, normalizeImageID, workloadOf, type PodLike, type PodListPage } from '../../src/rescanner/inventory';
import { clusterPods, D } from './cluster';
import { digest } from './support';

describe('rescanner inventory', () => {
  it('given image IDs in dockershim, containerd, short-name and bare forms, when normalized, then repository and digest agree', () => {
    const d = digest('1');
    assert.deepEqual(normalizeImageID(`docker-pullable://nginx@${d}`), { repository: 'docker.io/library/nginx', digest: d });
    assert.deepEqual(normalizeImageID(`docker.io/library/nginx@${d}`), { repository: 'docker.io/library/nginx', digest: d });
    assert.deepEqual(normalizeImageID(`docker.io/nginx@${d}`), { repository: 'docker.io/library/nginx', digest: d });
    assert.deepEqual(normalizeImageID(`bitnami/redis@${d}`), { repository: 'docker.io/bitnami/redis', digest: d });
    assert.deepEqual(normalizeImageID(`registry.local:5000/team/app@${d}`), { repository: 'registry.local:5000/team/app', digest: d });
    // A bare ID takes its repository from the status image, tag stripped (but not the port).
    assert.deepEqual(normalizeImageID(d, 'registry.local:5000/tools:dev'), { repository: 'registry.local:5000/tools', digest: d });
    assert.equal(normalizeImageID(d), undefined);
    assert.equal(normalizeImageID(''), undefined);
    assert.equal(normalizeImageID('docker://sha256:abc'), undefined);
  });

  it('given owner references, when resolving the workload, then ReplicaSets map to Deployments and CronJob Jobs to CronJobs', () => {
    const rs = (name: string, hash?: string): PodLike => ({
      metadata: { name: `${name}-x`, labels: hash ? { 'pod-template-hash': hash } : ({} as Record<string, string>), ownerReferences: [{ kind: 'ReplicaSet', name, controller: true }] },
    });
    assert.equal(workloadOf(rs('web-7d9c8b6f5', '7d9c8b6f5')), 'Deployment/web');
    assert.equal(workloadOf(rs('api-server-5f6b7c8d9f')), 'Deployment/api-server');
    assert.equal(workloadOf(rs('x')), 'ReplicaSet/x');
    assert.equal(workloadOf({ metadata: { ownerReferences: [{ kind: 'Job', name: 'backup-28930140' }] } }), 'CronJob/backup');
    assert.equal(workloadOf({ metadata: { ownerReferences: [{ kind: 'Job', name: 'one-off-migration' }] } }), 'Job/one-off-migration');
    assert.equal(workloadOf({ metadata: { ownerReferences: [{ kind: 'StatefulSet', name: 'db' }] } }), 'StatefulSet/db');
    assert.equal(workloadOf({ metadata: { name: 'debug' } }), 'Pod/debug');
  });

  it('given the cluster pods in pages, when building the inventory, then each digest appears once with every workload and pull secret', () => {
    const pods = clusterPods();
    const pages: PodListPage[] = [{ items: pods.slice(0, 4) }, { items: pods.slice(4) }];

    const inv = inventoryFromPodPages(pages);

    assert.equal(inv.podsListed, pods.length);
    assert.equal(inv.containersWithoutDigest, 1);
    assert.deepEqual(
      inv.images.map((i) => [i.digest, i.ref]),
      [
        [D.web, `ghcr.io/acme/web@${D.web}`],
        [D.proxy, `docker.io/istio/proxyv2@${D.proxy}`],
        [D.migrate, `ghcr.io/acme/migrate@${D.migrate}`],
        [D.postgres, `docker.io/library/postgres@${D.postgres}`],
        [D.exporter, `quay.io/prometheus/node-exporter@${D.exporter}`],
        [D.tools, `localhost:5000/tools@${D.tools}`],
      ],
    );
    const web = inv.images.find((i) => i.digest === D.web);
    assert.deepEqual(web?.workloads, [{ namespace: 'shop', workload: 'Deployment/web', container: 'web' }]);
    assert.deepEqual(web?.pullSecrets, [{ namespace: 'shop', name: 'ghcr-pull' }]);
    const migrate = inv.images.find((i) => i.digest === D.migrate);
    assert.deepEqual(migrate?.workloads, [{ namespace: 'shop', workload: 'Deployment/web', container: 'migrate' }]);
    const pg = inv.images.find((i) => i.digest === D.postgres);
    assert.deepEqual(pg?.workloads, [{ namespace: 'batch', workload: 'CronJob/backup', container: 'pg-dump' }]);
    assert.deepEqual(pg?.repositories, ['docker.io/library/postgres']);
  });

  it('given one digest under two repositories, when building, then it is one image named after the first repository in sort order', () => {
    const d = digest('7');
    const inv = inventoryFromPodPages([
      {
        items: [
          { metadata: { name: 'a', namespace: 'x' }, status: { containerStatuses: [{ name: 'c', imageID: `mirror.local/app@${d}` }] } },
          { metadata: { name: 'b', namespace: 'y' }, status: { containerStatuses: [{ name: 'c', imageID: `ghcr.io/acme/app@${d}` }] } },
        ],
      },
    ]);
    assert.equal(inv.images.length, 1);
    assert.equal(inv.images[0]?.image, 'ghcr.io/acme/app');
    assert.deepEqual(inv.images[0]?.repositories, ['ghcr.io/acme/app', 'mirror.local/app']);
    assert.equal(inv.images[0]?.workloads.length, 2);
  });

  it('given 10,000 pods over 300 digests, when building the inventory, then it finishes well under two seconds', () => {
    const pages: PodListPage[] = [];
    for (let p = 0; p < 20; p++) {
      const items = Array.from({ length: 500 }, (_, j) => {
        const n = p * 500 + j;
        const dg = `sha256:${(n % 300).toString(16).padStart(64, '0')}`;
        return {
          metadata: { name: `app${n % 900}-5d8f9c7b6d-${n}`, namespace: `ns${n % 40}`, ownerReferences: [{ kind: 'ReplicaSet', name: `app${n % 900}-5d8f9c7b6d`, controller: true }] },
          status: { containerStatuses: [{ name: 'app', imageID: `ghcr.io/acme/app${n % 300}@${dg}` }] },
        };
      });
      pages.push({ items });
    }
    const t0 = process.hrtime.bigint();
    const inv = inventoryFromPodPages(pages);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(inv.images.length, 300);
    assert.equal(inv.podsListed, 10_000);
    assert.ok(ms < 1000, `inventory of 10,000 pods took ${ms} ms`);
  });
});
