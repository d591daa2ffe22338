/**
 * Cluster inventory: which image digests are actually running, and where.
 *
 * Reads `status.*ContainerStatuses[].imageID` (the digest the kubelet resolved and runs),
 * never `spec.containers[].image` (a tag that may have moved since), de-duplicates by digest
 * so every digest is scanned once, and keeps the fan-out to namespace/workload/container.
 */

/** The parts of a Pod the rescanner reads. Extra fields are ignored. */
export interface PodLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: ReadonlyArray<{ readonly kind?: string; readonly name?: string; readonly controller?: boolean }>;
  };
  readonly spec?: {
    readonly imagePullSecrets?: ReadonlyArray<{ readonly name?: string }>;
  };
  readonly status?: {
    readonly containerStatuses?: readonly ContainerStatusLike[];
    readonly initContainerStatuses?: readonly ContainerStatusLike[];
    readonly ephemeralContainerStatuses?: readonly ContainerStatusLike[];
  };
}

export interface ContainerStatusLike {
  readonly name?: string;
  /** The spec image as the kubelet reports it (may be a tag). Used only to name a bare digest. */
  readonly image?: string;
  /** What is running, e.g. `docker-pullable://nginx@sha256:...` or `docker.io/library/nginx@sha256:...`. */
  readonly imageID?: string;
}

/** One page of `GET /api/v1/pods`. */
export interface PodListPage {
  readonly items?: readonly PodLike[];
  readonly metadata?: { readonly continue?: string; readonly resourceVersion?: string };
}

/** Where a digest runs. */
export interface WorkloadRef {
  readonly namespace: string;
  /** `Kind/name` of the owning workload, e.g. `Deployment/web`, `CronJob/backup`, `Pod/debug`. */
  readonly workload: string;
  readonly container: string;
}

/** A pull secret a pod running the image names. */
export interface PullSecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** One unique running digest. */
export interface InventoryImage {
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** Repository without tag or digest, normalized (`docker.io/library/nginx`). The `image` label. */
  readonly image: string;
  /** Every repository this digest was seen under, sorted; `image` is the first. */
  readonly repositories: readonly string[];
  /** `image@digest`: what gets scanned. */
  readonly ref: string;
  /** Sorted, de-duplicated. */
  readonly workloads: readonly WorkloadRef[];
  /** Sorted, de-duplicated. */
  readonly pullSecrets: readonly PullSecretRef[];
}

export interface Inventory {
  /** Sorted by digest. */
  readonly images: readonly InventoryImage[];
  readonly podsListed: number;
  /** Containers whose status had no usable digest yet (pulling, or a bare image ID without repository). */
  readonly containersWithoutDigest: number;
}

const DIGEST = /sha256:[0-9a-f]{64}/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;

/**
 * Docker Hub short names (`nginx`, `bitnami/redis`) and their long forms
 * (`docker.io/library/nginx`) are the same repository; normalize so they de-duplicate.
 */
export function normalizeRepository(repository: string): string {
  let repo = repository.trim();
  const firstSlash = repo.indexOf('/');
  const first = firstSlash === -1 ? '' : repo.slice(0, firstSlash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) repo = `docker.io/${repo.includes('/') ? repo : `library/${repo}`}`;
  else if (first === 'index.docker.io' || first === 'registry-1.docker.io') repo = `docker.io${repo.slice(firstSlash)}`;
  if (repo.startsWith('docker.io/') && repo.split('/').length === 2) repo = `docker.io/library/${repo.slice('docker.io/'.length)}`;
  return repo;
}

/** Strips a `:tag` and/or `@digest` from an image reference. */
export function repositoryOf(reference: string): string {
  let ref = reference.replace(SCHEME, '');
  const at = ref.indexOf('@');
  if (at !== -1) ref = ref.slice(0, at);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  // A colon after the last slash is a tag; one before it is a registry port.
  if (colon > lastSlash) ref = ref.slice(0, colon);
  return ref;
}

/**
 * Parses a container status into repository + digest. Handles
 * `docker-pullable://repo@sha256:..` (dockershim), `repo@sha256:..` (containerd, CRI-O)
 * and a bare `sha256:..` (locally loaded images: named after the status' `image`).
 * Returns undefined when no digest is running yet.
 */
export function normalizeImageID(imageID: string | undefined, specImage?: string): { repository: string; digest: string } | undefined {
  if (!imageID) return undefined;
  const id = imageID.trim().replace(SCHEME, '');
  const digest = DIGEST.exec(id)?.[0];
  if (!digest) return undefined;
  const at = id.indexOf('@');
  let repository: string | undefined;
  if (at > 0) repository = id.slice(0, at);
  else if (specImage && !specImage.replace(SCHEME, '').startsWith('sha256:')) repository = repositoryOf(specImage);
  if (!repository) return undefined;
  return { repository: normalizeRepository(repository), digest };
}

/**
 * Owner workload from ownerReferences, with the usual naming conventions because the
 * rescanner reads only pods (one list call) rather than every ReplicaSet and Job:
 * ReplicaSet `web-7d9c8b6f5` → Deployment `web` (pod-template-hash suffix, from the label when present),
 * Job `backup-28930140` → CronJob `backup` (the scheduled-minute suffix CronJobs append).
 */
export function workloadOf(pod: PodLike): string {
  const meta = pod.metadata ?? {};
  const owners = meta.ownerReferences ?? [];
  const owner = owners.find((o) => o.controller) ?? owners[0];
  if (!owner?.kind || !owner.name) return `Pod/${meta.name ?? ''}`;
  if (owner.kind === 'ReplicaSet') {
    const hash = meta.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return `Deployment/${owner.name.slice(0, -(hash.length + 1))}`;
    const m = /^(.+)-[a-z0-9]{5,10}$/.exec(owner.name);
    return m ? `Deployment/${m[1]}` : `ReplicaSet/${owner.name}`;
  }
  if (owner.kind === 'Job') {
    const m = /^(.+)-\d{8,}$/.exec(owner.name);
    return m ? `CronJob/${m[1]}` : `Job/${owner.name}`;
  }
  return `${owner.kind}/${owner.name}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Accumulates pods into an inventory. Pods are not retained, only the per-digest sets, so
 * memory stays proportional to unique (digest, workload, container) tuples.
 */
export class InventoryBuilder {
  private readonly byDigest = new Map<string, { repos: Set<string>; workloads: Map<string, WorkloadRef>; secrets: Map<string, PullSecretRef> }>();
  private pods = 0;
  private withoutDigest = 0;

  addPod(pod: PodLike): void {
    this.pods += 1;
    const namespace = pod.metadata?.namespace ?? '';
    const status = pod.status;
    if (!status) return;
    let workload: string | undefined;
    const secretNames = (pod.spec?.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
    for (const list of [status.initContainerStatuses, status.containerStatuses, status.ephemeralContainerStatuses]) {
      for (const cs of list ?? []) {
        const parsed = normalizeImageID(cs.imageID, cs.image);
        if (!parsed) {
          this.withoutDigest += 1;
          continue;
        }
        workload ??= workloadOf(pod);
        let entry = this.byDigest.get(parsed.digest);
        if (!entry) {
          entry = { repos: new Set(), workloads: new Map(), secrets: new Map() };
          this.byDigest.set(parsed.digest, entry);
        }
        entry.repos.add(parsed.repository);
        const container = cs.name ?? '';
        entry.workloads.set(`${namespace}\u0000${workload}\u0000${container}`, { namespace, workload, container });
        for (const name of secretNames) entry.secrets.set(`${namespace}\u0000${name}`, { namespace, name });
      }
    }
  }

  addPage(page: PodListPage): void {
    for (const pod of page.items ?? []) this.addPod(pod);
  }

  build(): Inventory {
    const images: InventoryImage[] = [];
    for (const [digest, entry] of this.byDigest) {
      const repositories = [...entry.repos].sort(compareStrings);
      const image = repositories[0] ?? '';
      const workloads = [...entry.workloads.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([, w]) => w);
      const pullSecrets = [...entry.secrets.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([, s]) => s);
      images.push({ digest, image, repositories, ref: `${image}@${digest}`, workloads, pullSecrets });
    }
    images.sort((a, b) => compareStrings(a.digest, b.digest));
    return { images, podsListed: this.pods, containersWithoutDigest: this.withoutDigest };
  }
}

/** Builds the inventory from already-fetched pod pages (pure; what the benchmark drives). */
export function inventoryFromPodPages(pages: Iterable<PodListPage>): Inventory {
  const builder = new InventoryBuilder();
  for (const page of pages) builder.addPage(page);
  return builder.build();
}
