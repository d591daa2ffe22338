import * as k8s from '@pulumi/kubernetes';
import type { ManifestFile } from './bundle-manifests';

export interface NamespacesProps {
  readonly provider: k8s.Provider;
  /** Namespaces needed before anything else, e.g. Kyverno's and the exceptions namespace. */
  readonly required: readonly string[];
  /** The bundle: every namespace its objects live in is created too. */
  readonly manifests: readonly ManifestFile[];
}

/**
 * Step 1: the namespaces. Namespace objects of the bundle are created here (with their labels),
 * and every other namespace the bundle's objects name is created with Pod Security "restricted"
 * in warn and audit mode. Namespaces are retained on `pulumi destroy`: deleting one would delete
 * everything else running in it.
 */
export function createNamespaces(props: NamespacesProps): k8s.core.v1.Namespace[] {
  const labels = new Map<string, Record<string, string>>();
  for (const name of props.required) labels.set(name, {});
  for (const object of props.manifests.flatMap((file) => file.objects)) {
    if (object.apiVersion === 'v1' && object.kind === 'Namespace') labels.set(object.metadata.name, { ...(object.metadata.labels ?? {}) });
    else if (object.metadata.namespace && !labels.has(object.metadata.namespace)) labels.set(object.metadata.namespace, {});
  }
  return [...labels.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([name, own]) =>
        new k8s.core.v1.Namespace(
          `namespace-${name}`,
          {
            metadata: {
              name,
              labels: {
                'app.kubernetes.io/managed-by': 'supply-chain-bundle',
                'pod-security.kubernetes.io/warn': 'restricted',
                'pod-security.kubernetes.io/audit': 'restricted',
                ...own,
              },
            },
          },
          { provider: props.provider, retainOnDelete: true },
        ),
    );
}

/** The bundle's objects without Namespaces, which createNamespaces already owns. */
export function withoutNamespaces(files: readonly ManifestFile[]): ManifestFile[] {
  return files.map((file) => ({ ...file, objects: file.objects.filter((object) => !(object.apiVersion === 'v1' && object.kind === 'Namespace')) }));
}
