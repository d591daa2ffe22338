import * as k8s from '@pulumi/kubernetes';
import type { KubernetesObject, ManifestFile } from './bundle-manifests';

export interface NamespacesProps {
  readonly provider: k8s.Provider;
  /** Namespaces needed before anything else, e.g. Kyverno's and the exceptions namespace. */
  readonly required: readonly string[];
  /** The bundle: every namespace its objects live in is created too. */
  readonly manifests: readonly ManifestFile[];
}

/** Labels of a namespace the program creates on its own (not one the bundle declares). */
const OWN_NAMESPACE_LABELS = {
  'app.kubernetes.io/managed-by': 'supply-chain-bundle',
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
  const objects = props.manifests.flatMap((file) => file.objects);
  for (const object of objects) if (isNamespace(object)) metadata.set(object.metadata.name, object.metadata);
  const wanted = [...props.required, ...objects.map((object) => object.metadata.namespace).filter((name): name is string => Boolean(name))];
  for (const name of wanted) if (!metadata.has(name)) metadata.set(name, { name, labels: OWN_NAMESPACE_LABELS });
  return [...metadata.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, meta]) => new k8s.core.v1.Namespace(`namespace-${name}`, { metadata: meta }, { provider: props.provider, retainOnDelete: true }));
}

function isNamespace(object: KubernetesObject): boolean {
  return object.apiVersion === 'v1' && object.kind === 'Namespace';
}

/** The bundle's objects without Namespaces, which createNamespaces already owns. */
export function withoutNamespaces(files: readonly ManifestFile[]): ManifestFile[] {
  return files.map((file) => ({ ...file, objects: file.objects.filter((object) => !isNamespace(object)) }));
}
