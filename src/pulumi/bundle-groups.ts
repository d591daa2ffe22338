import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { isAdmissionFile, type ManifestFile } from './bundle-manifests';

export interface BundleGroupsProps {
  readonly provider: k8s.Provider;
  /** The bundle's manifest files, without Namespaces. */
  readonly manifests: readonly ManifestFile[];
  /** The namespaces (step 1). */
  readonly namespaces: readonly pulumi.Resource[];
  /** The Kyverno release (step 2): its CRDs and webhook must be ready before any policy. */
  readonly kyverno: pulumi.Resource;
  /** Whether Pulumi waits for the groups' workloads to become ready. @default true */
  readonly waitForPods?: boolean;
}

export interface BundleGroups {
  /** Step 3: the admission files (Kyverno policies and exceptions), one group per file. */
  readonly admission: k8s.yaml.v2.ConfigGroup[];
  /** Step 4: every other file (the monitoring area's Trivy server, rescanner, rules, dashboards). */
  readonly workloads: k8s.yaml.v2.ConfigGroup[];
}

/** `admission-policies.yaml` → `bundle-admission-policies`. */
export function groupName(fileName: string): string {
  return `bundle-${fileName.replace(/\.ya?ml$/, '')}`;
}

/**
 * Steps 3 and 4: the synthesized objects, one ConfigGroup per `kubernetes/` file so that a
 * preview shows changes per file as the PR shows them. Admission files wait for Kyverno; the
 * other files wait for the admission files, so that the policies are in place before anything
 * else of the bundle starts.
 *
 * yaml/v2 needs provider 4.32 or later here (we pin 4.34.2): earlier versions failed a preview on a
 * fresh cluster because Kyverno's CRDs, installed by the Release in the same run, could not be
 * looked up yet (pulumi-kubernetes #3176, fixed by #4400).
 */
export function bundleGroups(props: BundleGroupsProps): BundleGroups {
  const group = (file: ManifestFile, dependsOn: readonly pulumi.Resource[]) =>
    new k8s.yaml.v2.ConfigGroup(groupName(file.fileName), { objs: [...file.objects], ...(props.waitForPods === false ? { skipAwait: true } : {}) }, { provider: props.provider, dependsOn: [...dependsOn] });
  const files = props.manifests.filter((file) => file.objects.length > 0);
  const admission = files.filter(isAdmissionFile).map((file) => group(file, [...props.namespaces, props.kyverno]));
  const workloads = files.filter((file) => !isAdmissionFile(file)).map((file) => group(file, [...props.namespaces, props.kyverno, ...admission]));
  return { admission, workloads };
}
