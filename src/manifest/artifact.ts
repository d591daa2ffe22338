/**
 * What a feature renders: artifacts with a declared destination. Synth writes every artifact to
 * `dist/<customer>/<path>`; Pulumi delivers each by its destination; nobody guesses from a path.
 */

/**
 * Where an artifact is meant to go.
 * - `cluster`: Kubernetes objects applied to the customer's cluster, in their apply phase.
 * - `customer-repository`: a file committed to the customer's GitHub repository.
 * - `host`: run on a host without Kubernetes (the deploy gate script and its policy).
 * - `fleet`: read by the platform team's fleet tooling once per cluster (Flux sync, Kustomize
 *   index, Kyverno install values).
 * - `docs`: for people (the bundle's README).
 */
export const DESTINATIONS = ['cluster', 'customer-repository', 'host', 'fleet', 'docs'] as const;
export type Destination = (typeof DESTINATIONS)[number];

/**
 * The order cluster artifacts are applied in: `foundation` (CRDs and namespaces) before
 * `admission` (the policies, which need Kyverno's CRDs and webhook), before `workloads`
 * (everything else, admitted by the policies already in place).
 */
export const APPLY_PHASES = ['foundation', 'admission', 'workloads'] as const;
export type ApplyPhase = (typeof APPLY_PHASES)[number];

/** What each phase holds, in words. */
export const APPLY_PHASE_CONTENTS: { readonly [Phase in ApplyPhase]: string } = {
  foundation: 'CRDs and namespaces',
  admission: 'admission policies',
  workloads: 'workloads',
};

/** One Kubernetes object, as its chart renders it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

interface ArtifactBase {
  /** Path relative to `dist/<customer>/`, where synth writes it. */
  readonly path: string;
}

/** Objects for the customer's cluster, applied in `phase`. */
export interface ClusterArtifact extends ArtifactBase {
  readonly destination: 'cluster';
  readonly phase: ApplyPhase;
  readonly objects: readonly KubernetesObject[];
}

/** A file committed to the customer's repository at `repositoryPath`. */
export interface RepositoryArtifact extends ArtifactBase {
  readonly destination: 'customer-repository';
  /** Stable name of its delivery (the Pulumi resource name): renaming it replaces the committed file. */
  readonly id: string;
  /** Path inside the customer's repository, e.g. `.github/workflows/release.yml`. */
  readonly repositoryPath: string;
  /** The commit message (and pull request title) that delivers it. */
  readonly purpose: string;
  readonly text: string;
}

/** A file for a host, the fleet tooling or people: text, or objects serialised as a YAML stream. */
export interface FileArtifact extends ArtifactBase {
  readonly destination: 'host' | 'fleet' | 'docs';
  readonly text?: string;
  readonly objects?: readonly KubernetesObject[];
}

export type Artifact = ClusterArtifact | RepositoryArtifact | FileArtifact;

/** The cluster artifacts in apply order: by phase, then by path. */
export function clusterArtifactsInApplyOrder(artifacts: readonly Artifact[]): ClusterArtifact[] {
  return artifacts
    .filter((artifact): artifact is ClusterArtifact => artifact.destination === 'cluster')
    .sort((a, b) => APPLY_PHASES.indexOf(a.phase) - APPLY_PHASES.indexOf(b.phase) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
