import type { ApiObjectMetadata } from 'cdk8s';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { signingIdentity } from '../model/supply-chain-contract';

/** Annotation keys every generated policy carries, so a reviewer sees the flip without reading the model. */
export const POLICY_ANNOTATIONS = {
  customer: 'supply-chain-bundle.io/customer',
  flipDate: 'supply-chain-bundle.io/enforce-from',
  mode: 'supply-chain-bundle.io/enforcement-mode',
  signingIdentity: 'supply-chain-bundle.io/signing-identity',
} as const;

/**
 * Names of the customer's policies. Both engines use the same names, so `scb flip-check`, the
 * PolicyReports and the monitoring rules find a customer's results the same way on either engine.
 */
export function policyNames(customerName: string) {
  return {
    /** Rules 1 to 3: signature (and main branch), SBOM attestation, vulnerability-scan attestation. */
    verifyImages: `scb-${customerName}-verify-images`,
    /** Rule 4: no side door, only the customer's own or allowlisted images. */
    allowedImages: `scb-${customerName}-allowed-images`,
  } as const;
}

/** Every policy name of the customer, for filtering reports. */
export function allPolicyNames(customerName: string): string[] {
  return Object.values(policyNames(customerName));
}

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
  customer: Customer,
  enforcement: EnforcementState,
  name: string,
  extraAnnotations: Record<string, string> = {},
): ApiObjectMetadata {
  return {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'supply-chain-bundle', [POLICY_ANNOTATIONS.customer]: customer.name },
    annotations: {
      [POLICY_ANNOTATIONS.customer]: customer.name,
      [POLICY_ANNOTATIONS.flipDate]: enforcement.flipDate,
      [POLICY_ANNOTATIONS.mode]: enforcement.mode,
      [POLICY_ANNOTATIONS.signingIdentity]: signingIdentity(customer).subject,
      ...extraAnnotations,
    },
  };
}
