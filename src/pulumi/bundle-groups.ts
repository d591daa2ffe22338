import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { APPLY_PHASES, type ApplyPhase, type ClusterArtifact } from '../manifest';

export interface BundleGroupsProps {
  readonly provider: k8s.Provider;
  /** The bundle's cluster artifacts, without Namespaces. */
  readonly artifacts: readonly ClusterArtifact[];
  /** The namespaces (step 1). */
  readonly namespaces: readonly pulumi.Resource[];
  /** The Kyverno release (step 2): its CRDs and webhook must be ready before any policy. */
  readonly kyverno: pulumi.Resource;
  /** Whether Pulumi waits for the groups' workloads to become ready. @default true */
  readonly waitForPods?: boolean;
  /** Parent, aliases: passed to every group. */
  readonly options?: pulumi.CustomResourceOptions;
}

/** One ConfigGroup per cluster artifact, by apply phase. */
export type BundleGroups = { readonly [Phase in ApplyPhase]: k8s.yaml.v2.ConfigGroup[] };

/** `kubernetes/admission-policies.yaml` → `bundle-admission-policies`. */
export function groupName(path: string): string {
  return `bundle-${path.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}`;
}

/**
 * Steps 3 to 5: the synthesized objects, one ConfigGroup per cluster artifact so that a preview
 * shows changes per file as the PR shows them, applied in their declared phases. Foundation
 * objects (CRDs) wait for the namespaces; admission objects also wait for Kyverno; workloads
 * wait for everything before them, so the policies are in place before anything of the bundle
 * starts.
 *
 * yaml/v2 needs provider 4.32 or later here (we pin 4.34.2): earlier versions failed a preview on a
 * fresh cluster because Kyverno's CRDs, installed by the Release in the same run, could not be
 * looked up yet (pulumi-kubernetes #3176, fixed by #4400).
 */
export function bundleGroups(props: BundleGroupsProps): BundleGroups {
  const groups: Record<ApplyPhase, k8s.yaml.v2.ConfigGroup[]> = { foundation: [], admission: [], workloads: [] };
  const before: pulumi.Resource[] = [...props.namespaces];
  for (const phase of APPLY_PHASES) {
    if (phase !== 'foundation' && !before.includes(props.kyverno)) before.push(props.kyverno);
    const dependsOn = [...before];
    for (const artifact of props.artifacts.filter((candidate) => candidate.phase === phase && candidate.objects.length > 0)) {
      groups[phase].push(
        new k8s.yaml.v2.ConfigGroup(groupName(artifact.path), { objs: [...artifact.objects], ...(props.waitForPods === false ? { skipAwait: true } : {}) }, { ...props.options, provider: props.provider, dependsOn }),
      );
    }
    before.push(...groups[phase]);
  }
  return groups;
}
