/**
 * The containers running on this node, each with its pod, workload and the image digest the
 * kubelet runs: the API server's pod list for the node (`fieldSelector=spec.nodeName=<node>`),
 * i.e. the kubelet's own pod list as it reports it. Why not the kubelet's `/pods` endpoint or the
 * CRI socket: the kubelet authorises `/pods` as `nodes/proxy`, a right that also allows exec into
 * every pod of the node, and the CRI socket lets its holder start privileged containers. Listing
 * pods is read-only.
 */
import { normalizeImageID, workloadOf, type PodLike } from '../rescanner/inventory';
import type { KubernetesClient } from '../kubernetes/client';
import { containerIdOf } from './process-roots';

export interface RunningContainer {
  readonly namespace: string;
  readonly pod: string;
  /** `Kind/name` of the owning workload (`Deployment/web`). */
  readonly workload: string;
  readonly container: string;
  /** Repository, normalised (`ghcr.io/acme/services`). */
  readonly image: string;
  /** `sha256:<64 hex>` the kubelet runs. */
  readonly digest: string;
  /** The container runtime's ID (hex). */
  readonly containerId: string;
  /** Where the pod spec mounts volumes into this container: expected to change, never compared. */
  readonly mountPaths: readonly string[];
}

export interface ContainerSource {
  /** Running containers of this node, sorted by namespace, pod, container. */
  list(): Promise<RunningContainer[]>;
}

/** The parts of a Pod the agent reads. */
export interface NodePod extends Omit<PodLike, 'spec' | 'status'> {
  readonly spec?: PodLike['spec'] & {
    readonly nodeName?: string;
    readonly containers?: ReadonlyArray<{ readonly name?: string; readonly volumeMounts?: ReadonlyArray<{ readonly mountPath?: string }> }>;
  };
  readonly status?: {
    readonly phase?: string;
    readonly containerStatuses?: ReadonlyArray<{ readonly name?: string; readonly image?: string; readonly imageID?: string; readonly containerID?: string; readonly state?: { readonly running?: unknown } }>;
  };
}

/** Running containers of the pods (init containers have ended; ephemeral ones are not the image's). */
export function runningContainers(pods: readonly NodePod[]): RunningContainer[] {
  const out: RunningContainer[] = [];
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    for (const status of pod.status?.containerStatuses ?? []) {
      if (!status.state?.running) continue;
      const image = normalizeImageID(status.imageID, status.image);
      const containerId = containerIdOf(status.containerID);
      if (!image || !containerId) continue;
      const spec = pod.spec?.containers?.find((container) => container.name === status.name);
      const mountPaths = [...new Set((spec?.volumeMounts ?? []).map((mount) => mount.mountPath ?? '').filter((path) => path.startsWith('/')))].sort();
      out.push({ namespace, pod: name, workload: workloadOf(pod), container: status.name ?? '', image: image.repository, digest: image.digest, containerId, mountPaths });
    }
  }
  const key = (c: RunningContainer) => `${c.namespace}\u0000${c.pod}\u0000${c.container}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The pods of one node, from the API server. */
export class NodePodList implements ContainerSource {
  constructor(private readonly client: KubernetesClient, private readonly nodeName: string) {}

  async list(): Promise<RunningContainer[]> {
    const query = new URLSearchParams({ fieldSelector: `spec.nodeName=${this.nodeName}` });
    const list = await this.client.getJson<{ items?: NodePod[] }>(`/api/v1/pods?${query.toString()}`);
    return runningContainers(list.items ?? []);
  }
}
