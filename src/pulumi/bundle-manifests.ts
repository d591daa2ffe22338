import { parseAllDocuments } from 'yaml';
import type { RenderedBundle } from '../synth/bundle';

/** One Kubernetes object of the synthesized bundle. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** The objects of one `kubernetes/<file>` of the bundle, applied as one group. */
export interface ManifestFile {
  /** File name under `kubernetes/`, e.g. `admission-policies.yaml`. */
  readonly fileName: string;
  readonly objects: readonly KubernetesObject[];
}

const KYVERNO_GROUPS = new Set(['kyverno.io', 'policies.kyverno.io']);

/** API group of an apiVersion (`policies.kyverno.io/v1` → `policies.kyverno.io`, `v1` → ``). */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** Whether every object of the file is a Kyverno object (policies, exceptions): they need Kyverno's CRDs and webhook. */
export function isAdmissionFile(file: ManifestFile): boolean {
  return file.objects.length > 0 && file.objects.every((object) => KYVERNO_GROUPS.has(apiGroup(object.apiVersion)));
}

/**
 * Parses the `kubernetes/*.yaml` files of a rendered bundle: the very bytes `scb synth` writes,
 * read back as YAML 1.1 like kubectl does, so Pulumi applies exactly what a reviewer saw.
 */
export function bundleManifests(bundle: RenderedBundle): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (const [path, content] of bundle.files) {
    const match = /^kubernetes\/([^/]+\.ya?ml)$/.exec(path);
    if (!match) continue;
    const objects: KubernetesObject[] = [];
    for (const document of parseAllDocuments(content, { version: '1.1' })) {
      if (document.errors.length > 0) throw new Error(`${path} of ${bundle.customer.name} is not valid YAML: ${document.errors[0].message}`);
      const object = document.toJS() as KubernetesObject | null;
      if (object) objects.push(object);
    }
    files.push({ fileName: match[1], objects });
  }
  return files;
}

/** Names of the admission policies in the bundle (every Kyverno policy kind, not exceptions). */
export function policyNames(files: readonly ManifestFile[]): string[] {
  return files
    .flatMap((file) => file.objects)
    .filter((object) => KYVERNO_GROUPS.has(apiGroup(object.apiVersion)) && /Policy$/.test(object.kind))
    .map((object) => object.metadata.name)
    .sort();
}

/**
 * uids of the Grafana dashboards in the bundle: ConfigMaps the Grafana sidecar loads (label
 * `grafana_dashboard: "1"`), each holding dashboard JSON. Empty when the bundle has none.
 */
export function dashboardUids(files: readonly ManifestFile[]): string[] {
  const uids: string[] = [];
  for (const object of files.flatMap((file) => file.objects)) {
    if (object.apiVersion !== 'v1' || object.kind !== 'ConfigMap' || object.metadata.labels?.grafana_dashboard !== '1') continue;
    for (const value of Object.values((object.data ?? {}) as Record<string, string>)) {
      try {
        const uid = (JSON.parse(value) as { uid?: unknown }).uid;
        if (typeof uid === 'string') uids.push(uid);
      } catch {
        // Not dashboard JSON (e.g. a provisioning file beside it); nothing to report.
      }
    }
  }
  return uids.sort();
}
