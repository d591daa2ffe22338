/**
 * Names, labels and namespaces shared by the model and every area. The only place each one is
 * spelled: a generator that needs `scb-<customer>-…` or the customer label imports it from here.
 */

/** The product's name as it appears in labels and headers. */
export const PRODUCT = 'supply-chain-bundle';

/** Label and annotation key carrying the customer's name on every object made for one customer. */
export const CUSTOMER_LABEL = 'supply-chain-bundle.io/customer';

/** `app.kubernetes.io/managed-by` on objects the bundle manages for one customer. */
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': PRODUCT } as const;

/** `app.kubernetes.io/part-of` on the bundle's own runtime objects. */
export const PART_OF_LABELS = { 'app.kubernetes.io/part-of': PRODUCT } as const;

/** Annotation keys every generated policy carries, so a reviewer sees the flip without reading the model. */
export const POLICY_ANNOTATIONS = {
  customer: CUSTOMER_LABEL,
  flipDate: 'supply-chain-bundle.io/enforce-from',
  mode: 'supply-chain-bundle.io/enforcement-mode',
  /** `report` (the -audit twin, never blocks) or `enforce` (acts from the flip instant); a label too. */
  role: 'supply-chain-bundle.io/policy-role',
  signingIdentity: 'supply-chain-bundle.io/signing-identity',
} as const;

/**
 * Which twin of a policy (src/admission/flip-gate.ts): the report twin acts until the flip
 * instant and never blocks, the enforce twin acts from it.
 */
export type PolicyRole = 'enforce' | 'report';

/** Suffix of every report twin's name. */
export const REPORT_TWIN_SUFFIX = '-audit';

/** Name of one twin: the enforce twin keeps the policy's name, the report twin adds `-audit`. */
export function twinName(name: string, role: PolicyRole): string {
  return role === 'report' ? `${name}${REPORT_TWIN_SUFFIX}` : name;
}

/** Prefix of every cluster-wide object the bundle generates for a customer (policies, RBAC, rules, dashboards). */
export function customerPolicyPrefix(customerName: string): string {
  return `scb-${customerName}-`;
}

/** `scb-<customer>-<suffix>`: the name of one cluster-wide object made for the customer. */
export function customerObjectName(customerName: string, suffix: string): string {
  return `${customerPolicyPrefix(customerName)}${suffix}`;
}

/**
 * Names of the customer's policies, admission and drift control alike: the one source every
 * generator, `scb flip-check` and the monitoring rules read. Every engine uses the same names,
 * so PolicyReports and metrics find a customer's results the same way on any engine.
 */
export function policyNames(customerName: string) {
  return {
    /**
     * Rule 1 alone (signature by the release workflow on its branch), on the CEL engines: a policy
     * of its own so that Kyverno's per-policy result counter tells a signature refusal from a
     * missing SBOM or an old CVE. The ClusterPolicy engine keeps rule 1 as the rule
     * `verify-signature` of `verifyImages` (its counter carries the rule name).
     */
    verifySignature: customerObjectName(customerName, 'verify-signature'),
    /** Rules 2 and 3 (SBOM attestation, vulnerability-scan attestation); on the ClusterPolicy engine rules 1 to 3. */
    verifyImages: customerObjectName(customerName, 'verify-images'),
    /** Rule 4: no side door, only the customer's own or allowlisted images. */
    allowedImages: customerObjectName(customerName, 'allowed-images'),
    /** Rules 1 to 4 for `kubectl debug` (the `pods/ephemeralcontainers` subresource), CEL engines only. */
    ephemeralContainers: customerObjectName(customerName, 'ephemeral-containers'),
    /** Optional drift control (`monitoring.requireReadOnlyRootFilesystem`). */
    readOnlyRootFilesystem: customerObjectName(customerName, 'readonly-root-filesystem'),
  } as const;
}

/**
 * Every policy name of the customer, both twins of each and the drift policy included, whether or
 * not they are rendered, for filtering reports.
 */
export function allPolicyNames(customerName: string): string[] {
  return Object.values(policyNames(customerName)).flatMap((name) => [name, twinName(name, 'report')]);
}

/** Namespace Kyverno is installed in; also the only namespace it accepts PolicyExceptions from. */
export const KYVERNO_NAMESPACE = 'kyverno';

/** The namespace every in-cluster monitoring object lives in. */
export const MONITORING_NAMESPACE = 'supply-chain-monitoring';

/**
 * The namespace of the SBOM drift agent (opt-in): the only one of the bundle that cannot enforce
 * Pod Security "restricted" (the agent needs hostPID), so it holds nothing else.
 */
export const DRIFT_AGENT_NAMESPACE = 'supply-chain-drift-agent';

/**
 * Namespaces that must never be production namespaces: rule 4 would refuse the pods of the
 * control plane, of Kyverno and of this bundle's own rescanner, Trivy server and drift agent, none of which
 * are the customer's signed images.
 */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', KYVERNO_NAMESPACE, MONITORING_NAMESPACE, DRIFT_AGENT_NAMESPACE];

/** Namespaces the GitOps controllers conventionally run in; never production namespaces either. */
export const GITOPS_NAMESPACES = { flux: 'flux-system', argocd: 'argocd' } as const;

/** File name of the generated reusable deploy-gate workflow (a customer's release workflow may not take it). */
export const DEPLOY_GATE_WORKFLOW = 'deploy-gate.yml';
