import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialsFor } from '../../src/rescanner/credentials';
import { InventoryBuilder, type PodLike, type PodListPage } from '../../src/rescanner/inventory';
import { decodeDockerConfigSecret, KubernetesApiError, KubernetesClient } from '../../src/kubernetes/client';
import { clusterPods, clusterSecrets, D, GHCR_PASSWORD } from '../rescanner/cluster';
import { startFakeApi } from '../rescanner/support';

describe('rescanner Kubernetes client (against a local API server stand-in)', () => {
  it('given a paged pod list whose continue token expires mid-way, when listing, then it relists from the start and sees every pod once', async () => {
    const pods = clusterPods();
    const api = await startFakeApi({ pods, goneOnPage: 2, token: 'sa-token' });
    try {
      const client = new KubernetesClient({ apiServer: api.url, token: 'sa-token' });
      let builder = new InventoryBuilder();
      const starts: number[] = [];
      const seen: PodListPage[] = [];

      const result = await client.listPods<PodLike>({
        limit: 2,
        onStart: (attempt) => {
          starts.push(attempt);
          builder = new InventoryBuilder();
        },
        onPage: (page) => {
          seen.push(page);
          builder.addPage(page);
        },
      });
      const inv = builder.build();

      assert.equal(result.relists, 1);
      assert.deepEqual(starts, [0, 1]);
      // 9 pods at 2 per page: 5 pages in the completed listing.
      assert.equal(result.pages, 5);
      // First listing got pages 0 and 1, then 410 on page 2; the relist read all 5 again.
      assert.equal(api.listCalls(), 7);
      assert.equal(inv.podsListed, pods.length);
      assert.equal(inv.images.length, 6);
      assert.ok(api.requests.every((r) => r.authorization === 'Bearer sa-token'));
      assert.ok(api.requests.every((r) => r.path.startsWith('/api/v1/pods?limit=2')));
      assert.equal(api.requests.filter((r) => r.path.includes('continue=')).length, 6);
      assert.ok(inv.images.some((i) => i.digest === D.web));
    } finally {
      await api.close();
    }
  });

  it('given a continue token that keeps expiring, when listing, then it gives up after maxRelists with the 410', async () => {
    const api = await startFakeApi({ pods: clusterPods(), goneOnPage: 1 });
    try {
      const client = new KubernetesClient({ apiServer: api.url });
      // goneOnPage answers 410 only once, so allow zero relists to see the error surface.
      await assert.rejects(
        client.listPods({ limit: 2, maxRelists: 0, onPage: () => undefined }),
        (err: unknown) => err instanceof KubernetesApiError && err.status === 410,
      );
    } finally {
      await api.close();
    }
  });

  it('given RBAC forbids listing, when listing, then the error carries the status and the API message', async () => {
    const api = await startFakeApi({ pods: [], listStatus: 403 });
    try {
      const client = new KubernetesClient({ apiServer: api.url });
      await assert.rejects(client.listPods({ onPage: () => undefined }), /HTTP 403: pods is forbidden/);
    } finally {
      await api.close();
    }
  });

  it('given a dockerconfigjson pull secret, when read through the API, then credentials for its registry are found', async () => {
    const api = await startFakeApi({ pods: [], secrets: clusterSecrets });
    try {
      const client = new KubernetesClient({ apiServer: api.url });
      const config = await client.getDockerConfig('shop', 'ghcr-pull');
      assert.ok(config);
      assert.deepEqual(credentialsFor(config, 'ghcr.io'), { registry: 'ghcr.io', username: 'acme-bot', password: GHCR_PASSWORD });
      assert.equal(credentialsFor(config, 'quay.io'), undefined);
      assert.ok(api.requests.some((r) => r.path === '/api/v1/namespaces/shop/secrets/ghcr-pull'));
      await assert.rejects(client.getDockerConfig('shop', 'missing'), (e: unknown) => e instanceof KubernetesApiError && e.status === 404);
    } finally {
      await api.close();
    }
  });

  it('given Docker Hub and legacy dockercfg secrets, when decoding, then username/password and auth forms both work', () => {
    const hub = decodeDockerConfigSecret({
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { username: 'u', password: 'p' } } })).toString('base64') },
    });
    assert.deepEqual(hub && credentialsFor(hub, 'docker.io'), { registry: 'docker.io', username: 'u', password: 'p' });
    const legacy = decodeDockerConfigSecret({
      data: { '.dockercfg': Buffer.from(JSON.stringify({ 'registry.local:5000': { auth: Buffer.from('a:b:c').toString('base64') } })).toString('base64') },
    });
    assert.deepEqual(legacy && credentialsFor(legacy, 'registry.local:5000'), { registry: 'registry.local:5000', username: 'a', password: 'b:c' });
    assert.equal(decodeDockerConfigSecret({ data: { token: 'eA==' } }), undefined);
  });

  it('given no in-cluster environment, when asked for in-cluster config, then it says how to point at an API server', async () => {
    await assert.rejects(KubernetesClient.inCluster({}), /KUBERNETES_SERVICE_HOST is not set/);
  });
});
