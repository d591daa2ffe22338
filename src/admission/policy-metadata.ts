import type { ApiObjectMetadata } from 'cdk8s';
import { CUSTOMER_LABEL, MANAGED_BY_LABELS, POLICY_ANNOTATIONS, signingIdentity, type GitHubCoordinates } from '../contract';
import type { EnforcementState } from '../model/enforcement';

/** Names and annotation keys are part of the contract (src/contract/names.ts); re-exported for the admission area. */
export { POLICY_ANNOTATIONS, allPolicyNames, customerPolicyPrefix, policyNames } from '../contract';

/** Rule names inside the ClusterPolicy engine's policies; they appear in PolicyReports and metrics. */
export const CLUSTER_POLICY_RULES = {
  signature: 'verify-signature',
  sbom: 'verify-sbom',
  vulnerabilityScan: 'verify-vulnerability-scan',
  allowedImages: 'allowed-images',
} as const;

/** Pod controllers the engines autogenerate rules for (IVP/VP resource names; ClusterPolicy kinds). */
export const AUTOGEN_CONTROLLERS = {
  resources: ['daemonsets', 'deployments', 'statefulsets', 'jobs', 'cronjobs'],
  kinds: ['DaemonSet', 'Deployment', 'StatefulSet', 'Job', 'CronJob'],
} as const;

/** Metadata of one generated policy: its name, the flip and the identity it demands. */
export function policyMetadata(
  customer: { readonly name: string; readonly github: GitHubCoordinates },
  enforcement: EnforcementState,
  name: string,
  extraAnnotations: Record<string, string> = {},
): ApiObjectMetadata {
  return {
    name,
    labels: { ...MANAGED_BY_LABELS, [CUSTOMER_LABEL]: customer.name },
    annotations: {
      [POLICY_ANNOTATIONS.customer]: customer.name,
      [POLICY_ANNOTATIONS.flipDate]: enforcement.flipDate,
      [POLICY_ANNOTATIONS.mode]: enforcement.mode,
      [POLICY_ANNOTATIONS.signingIdentity]: signingIdentity(customer).subject,
      ...extraAnnotations,
    },
  };
}
