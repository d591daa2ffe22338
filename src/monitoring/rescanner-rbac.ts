import { customerObjectName } from '../contract';
import { workloadIdentityServiceAccountAnnotations } from '../model/registry-identity';
import { REPORT_APIS } from '../admission/would-refuse';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import type { Customer } from '../model/customer';
import { MONITORING_NAMESPACE, RESCANNER_NAME, appLabels } from './labels';

export interface RescannerRbacProps {
  /** The customer's name (in the ClusterRole's name) and `monitoring.pullSecrets`, which decides whether the rescanner may read any Secret. */
  readonly customer: Pick<Customer, 'name' | 'monitoring'>;
}

/**
 * The rules of the rescanner's ClusterRole: list pods everywhere, list Kyverno's reports (read
 * only, to name the workloads the flip would refuse: `scb_admission_would_refuse`), and read
 * named pull secrets.
 */
export function rescannerRules(customer: Pick<Customer, 'monitoring'>): k8s.PolicyRule[] {
  const rules: k8s.PolicyRule[] = [
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    // Both report APIs Kyverno may write (REPORT_APIS in src/admission/would-refuse.ts); list only.
    ...REPORT_APIS.map((api) => ({ apiGroups: [api.group.split('/')[2]], resources: [...api.plurals], verbs: ['list'] })),
  ];
  // RBAC cannot say "only the Secrets a pod names in imagePullSecrets"; resourceNames is the
  // narrowest honest grant (by name, in every namespace). With no names, no Secret at all.
  if (customer.monitoring.pullSecrets.length > 0) {
    rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [...customer.monitoring.pullSecrets] });
  }
  return rules;
}

/**
 * Annotations that give the rescanner's ServiceAccount its cloud workload identity: Trivy's ECR,
 * Google and Azure keychains then pull with the pod's own identity, as the nodes do.
 */
export function workloadIdentityAnnotations(customer: Pick<Customer, 'monitoring'>): Record<string, string> | undefined {
  return workloadIdentityServiceAccountAnnotations(customer.monitoring.registryIdentity);
}

/**
 * The rescanner's identity: a ServiceAccount in the monitoring namespace, bound cluster-wide to
 * a ClusterRole that lists pods (to read `status.containerStatuses[].imageID`, the digests
 * that really run) and, optionally, reads named pull secrets. Cluster-scoped objects, so this
 * construct belongs in a chart without a namespace; the ServiceAccount names its own.
 */
export class RescannerRbac extends Construct {
  /** The rescanner's identity; the CronJob runs as it. */
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly clusterRole: k8s.KubeClusterRole;

  constructor(scope: Construct, id: string, props: RescannerRbacProps) {
    super(scope, id);
    const labels = appLabels(RESCANNER_NAME, 'rescanner');
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: RESCANNER_NAME, namespace: MONITORING_NAMESPACE, labels, annotations: workloadIdentityAnnotations(props.customer) },
      automountServiceAccountToken: false,
    });
    this.clusterRole = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: customerObjectName(props.customer.name, 'rescanner'), labels },
      rules: rescannerRules(props.customer),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: customerObjectName(props.customer.name, 'rescanner'), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: this.clusterRole.kind, name: this.clusterRole.name },
      subjects: [{ kind: this.serviceAccount.kind, name: this.serviceAccount.name, namespace: this.serviceAccount.metadata.namespace }],
    });
  }
}
