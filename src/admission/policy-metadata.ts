import type { ApiObjectMetadata } from 'cdk8s';
import { CUSTOMER_LABEL, MANAGED_BY_LABELS, POLICY_ANNOTATIONS, signingIdentity, type GitHubCoordinates } from '../contract';
import type { EnforcementState } from '../model/enforcement';
import { type PolicyRole, enforceGate, twinName } from './flip-gate';

/** Names and annotation keys are part of the contract (src/contract/names.ts); re-exported for the admission area. */
export { POLICY_ANNOTATIONS, allPolicyNames, customerPolicyPrefix, policyNames } from '../contract';

/** Rule names inside the ClusterPolicy engine's policies; they appear in PolicyReports and metrics. */
export const CLUSTER_POLICY_RULES = {
  signature: 'verify-signature',
  sbom: 'verify-sbom',
  vulnerabilityScan: 'verify-vulnerability-scan',
  /** Rule 3's time-dependent conditions (CRITICAL age, opt-in scan age), judged on changes only. */
  vulnerabilityScanAge: 'verify-vulnerability-scan-age',
  allowedImages: 'allowed-images',
  /** Allowlist entries past their expiry stop exempting (a change by someone only); rendered when there is an allowlist. */
  allowlistExpiry: 'allowlist-expiry',
} as const;

/** Pod controllers the engines autogenerate rules for (IVP/VP resource names; ClusterPolicy kinds). */
export const AUTOGEN_CONTROLLERS = {
  resources: ['daemonsets', 'deployments', 'statefulsets', 'jobs', 'cronjobs'],
  kinds: ['DaemonSet', 'Deployment', 'StatefulSet', 'Job', 'CronJob'],
} as const;

/**
 * Metadata of one generated policy twin: its name, its role, the flip and the identity it
 * demands. Nothing here depends on the synth clock: the same files are applied before and
 * after the flip (see flip-gate.ts).
 */
export function policyMetadata(
  customer: { readonly name: string; readonly github: GitHubCoordinates },
  enforcement: EnforcementState,
  name: string,
  /** The twin (flip-gate.ts); a policy that is not twinned (the drift control) is rendered in the synth clock's mode. */
  role?: PolicyRole,
  extraAnnotations: Record<string, string> = {},
): ApiObjectMetadata {
  const gate = enforceGate(enforcement);
  const mode =
    role === undefined ? enforcement.mode : role === 'report' ? 'audit' : gate.kind === 'from' ? `enforce from ${gate.instant}` : 'enforce (enforcement.mode override)';
  return {
    name: role === undefined ? name : twinName(name, role),
    labels: { ...MANAGED_BY_LABELS, [CUSTOMER_LABEL]: customer.name, ...(role === undefined ? {} : { [POLICY_ANNOTATIONS.role]: role }) },
    annotations: {
      [POLICY_ANNOTATIONS.customer]: customer.name,
      [POLICY_ANNOTATIONS.flipDate]: enforcement.flipDate,
      [POLICY_ANNOTATIONS.mode]: mode,
      [POLICY_ANNOTATIONS.signingIdentity]: signingIdentity(customer).subject,
      ...extraAnnotations,
    },
  };
}
