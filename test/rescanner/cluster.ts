/**
 * A small cluster as the API server would list it: the same digests reported in dockershim
 * and containerd spellings, init containers, a CronJob, a DaemonSet, a bare pod with a bare
 * image ID, a pod still pulling, and pull secrets.
 */
import type { PodLike } from '../../src/rescanner/inventory';
import { digest } from './support';

export const D = {
  web: digest('a'), // ghcr.io/acme/web, alpine-39 report (2 CRITICAL)
  proxy: digest('b'), // docker.io/istio/proxyv2, alpine-310 report (4 MEDIUM)
  migrate: digest('c'), // ghcr.io/acme/migrate, debian-buster report
  postgres: digest('d'), // docker.io/library/postgres, distroless report (built 1970)
  exporter: digest('e'), // quay.io/prometheus/node-exporter: scanner fails
  tools: digest('f'), // localhost:5000/tools: replays a CycloneDX document (not a Trivy report)
} as const;

export const GHCR_PASSWORD = 'S3cr3t-ghcr-token';

function webPod(i: number, idStyle: 'docker' | 'containerd'): PodLike {
  return {
    metadata: {
      name: `web-7d9c8b6f5-${'abcde'[i]}x${i}z9`,
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d9c8b6f5' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9c8b6f5', controller: true }],
    },
    spec: { imagePullSecrets: [{ name: 'ghcr-pull' }] },
    status: {
      initContainerStatuses: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1.2', imageID: `ghcr.io/acme/migrate@${D.migrate}` }],
      containerStatuses: [
        {
          name: 'web',
          image: 'ghcr.io/acme/web:2.0',
          imageID: idStyle === 'docker' ? `docker-pullable://ghcr.io/acme/web@${D.web}` : `ghcr.io/acme/web@${D.web}`,
        },
        { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0', imageID: `docker.io/istio/proxyv2@${D.proxy}` },
      ],
    },
  };
}

function backupPod(n: number, idStyle: 'docker' | 'containerd'): PodLike {
  return {
    metadata: {
      name: `backup-2893014${n}-q${n}w`,
      namespace: 'batch',
      ownerReferences: [{ kind: 'Job', name: `backup-2893014${n}`, controller: true }],
    },
    status: {
      containerStatuses: [
        {
          name: 'pg-dump',
          image: 'postgres:16',
          // Docker Hub short name vs. long form: one repository, one digest.
          imageID: idStyle === 'docker' ? `docker-pullable://postgres@${D.postgres}` : `docker.io/library/postgres@${D.postgres}`,
        },
      ],
    },
  };
}

export function clusterPods(): PodLike[] {
  return [
    webPod(0, 'docker'),
    webPod(1, 'containerd'),
    webPod(2, 'containerd'),
    backupPod(0, 'docker'),
    backupPod(1, 'containerd'),
    {
      metadata: { name: 'node-exporter-x1', namespace: 'kube-system', ownerReferences: [{ kind: 'DaemonSet', name: 'node-exporter', controller: true }] },
      status: { containerStatuses: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.0', imageID: `quay.io/prometheus/node-exporter@${D.exporter}` }] },
    },
    {
      metadata: { name: 'debug', namespace: 'shop' },
      status: { containerStatuses: [{ name: 'tools', image: 'localhost:5000/tools:dev', imageID: D.tools }] },
    },
    {
      // Still pulling: no imageID yet, must be counted but not scanned.
      metadata: { name: 'web-7d9c8b6f5-pend1', namespace: 'shop', labels: { 'pod-template-hash': '7d9c8b6f5' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9c8b6f5', controller: true }] },
      status: { containerStatuses: [{ name: 'web', image: 'ghcr.io/acme/web:2.0', imageID: '' }] },
    },
    { metadata: { name: 'pending-unscheduled', namespace: 'shop' }, status: {} },
  ];
}

export const clusterSecrets = {
  'shop/ghcr-pull': { ...dockerConfig('ghcr.io', 'acme-bot', GHCR_PASSWORD) },
};

function dockerConfig(registry: string, username: string, password: string): Record<string, string> {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  return { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [`https://${registry}`]: { auth } } })).toString('base64') };
}

/** Replay plan for the scanner stand-in. */
export const replayPlan = {
  [D.web]: { fixture: 'alpine-39-high-critical.json' },
  [D.proxy]: { fixture: 'alpine-310.json' },
  [D.migrate]: { fixture: 'debian-buster.json' },
  [D.postgres]: { fixture: 'distroless-base.json' },
  [D.exporter]: { fail: 'registry quay.io: connection refused' },
  [D.tools]: { fixture: 'npm-cyclonedx.json' },
} as const;
