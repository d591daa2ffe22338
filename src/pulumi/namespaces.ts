import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { MANAGED_BY_LABELS } from '../contract';
import type { ClusterArtifact, KubernetesObject } from '../manifest';

export interface NamespacesProps {
  readonly provider: k8s.Provider;
  /** Namespaces needed before anything else, e.g. Kyverno's and the exceptions namespace. */
  readonly required: readonly string[];
  /** The bundle's cluster artifacts: every namespace their objects live in is created too. */
  readonly artifacts: readonly ClusterArtifact[];
  /** Parent, aliases: passed to every Namespace. */
  readonly options?: pulumi.CustomResourceOptions;
}

/** Labels of a namespace the program creates on its own (not one the bundle declares). */
const OWN_NAMESPACE_LABELS = {
  ...MANAGED_BY_LABELS,
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

/**
 * Step 1: the namespaces. Namespace objects of the bundle are created here exactly as synthesized
 * (so that everything else can wait for them), and every other namespace the bundle's objects or
 * `required` name is created with Pod Security "restricted" in warn and audit mode. Namespaces are
 * retained on `pulumi destroy`: deleting one would delete everything else running in it.
 */
export function createNamespaces(props: NamespacesProps): k8s.core.v1.Namespace[] {
  const metadata = new Map<string, KubernetesObject['metadata']>();
  const objects = props.artifacts.flatMap((artifact) => artifact.objects);
  for (const object of objects) if (isNamespace(object)) metadata.set(object.metadata.name, object.metadata);
  const wanted = [...props.required, ...objects.map((object) => object.metadata.namespace).filter((name): name is string => Boolean(name))];
  for (const name of wanted) if (!metadata.has(name)) metadata.set(name, { name, labels: OWN_NAMESPACE_LABELS });
  return [...metadata.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, meta]) => new k8s.core.v1.Namespace(`namespace-${name}`, { metadata: meta }, { ...props.options, provider: props.provider, retainOnDelete: true }));
}

export function isNamespace(object: KubernetesObject): boolean {
  return object.apiVersion === 'v1' && object.kind === 'Namespace';
}

/** The cluster artifacts without Namespaces, which createNamespaces already owns. */
export function withoutNamespaces(artifacts: readonly ClusterArtifact[]): ClusterArtifact[] {
  return artifacts.map((artifact) => ({ ...artifact, objects: artifact.objects.filter((object) => !isNamespace(object)) }));
}
