import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { DRIFT_AGENT_NAMESPACE, PART_OF_LABELS, customerObjectName, signatureFormat, signingIdentity } from '../contract';
import type { DriftAgentConfig } from '../drift-agent/config';
import type { Customer } from '../model/customer';
import { DRIFT_AGENT_CAPABILITIES, driftIgnorePaths } from './drift-agent-settings';

import { workloadMetadata } from './images';
import { appLabels, selectorLabels } from './labels';
import { dnsEgress, pushgatewayEgress } from './network-policy';
import { namespaceRegex } from './promql';
import { rescannerImage } from './image-pins';
import { clusterName } from './rescanner-config';

export { DRIFT_AGENT_CAPABILITIES, driftIgnorePaths };

export const DRIFT_AGENT_NAME = 'scb-drift-agent';
export const DRIFT_AGENT_CONFIG_DIR = '/etc/scb';
export const DRIFT_AGENT_CONFIG_FILE = 'drift-agent.json';
export const DRIFT_AGENT_ARGS = ['drift-agent', '--config', `${DRIFT_AGENT_CONFIG_DIR}/${DRIFT_AGENT_CONFIG_FILE}`] as const;
/** Where `monitoring.registryIdentity.secret` is mounted (DOCKER_CONFIG): the agent reads attestations from the registry. */
export const DRIFT_AGENT_DOCKER_CONFIG_DIR = '/var/run/secrets/scb/registry';

/** The customer fields the agent's objects are built from. */
export type DriftAgentCustomer = Pick<Customer, 'name' | 'github' | 'monitoring' | 'admission'>;

export const DRIFT_AGENT_SECURITY_CONTEXT: k8s.SecurityContext = {
  runAsUser: 0,
  runAsGroup: 0,
  runAsNonRoot: false,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'], add: [...DRIFT_AGENT_CAPABILITIES] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Pod Security of the agent's namespace. hostPID is refused by "baseline" and SYS_PTRACE is not in
 * its capability list, so "privileged" is the narrowest level that admits the agent; the namespace
 * holds only the agent, and audit still records every pod against "baseline".
 */
export const DRIFT_AGENT_NAMESPACE_LABELS = {
  'pod-security.kubernetes.io/enforce': 'privileged',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'baseline',
  'pod-security.kubernetes.io/audit-version': 'latest',
} as const;

/** `/etc/scb/drift-agent.json`, typed as the very config `scb drift-agent` parses. Pure. */
export function driftAgentConfig(customer: DriftAgentCustomer): DriftAgentConfig {
  const agent = customer.monitoring.driftAgent;
  if (!agent) throw new Error(`${customer.name}: monitoring.driftAgent is not set`);
  return {
    customer: customer.name,
    cluster: clusterName(customer),
    pushgateway: customer.monitoring.pushgatewayUrl,
    productionNamespaces: `^(?:${namespaceRegex(customer.admission.namespaces)})$`,
    signingIdentity: (({ issuer, subject, trigger, repository }) => ({ issuer, subject, trigger, repository }))(signingIdentity(customer)),
    signatureFormat: signatureFormat(customer),
    ignorePaths: driftIgnorePaths(customer),
    intervalSeconds: agent.intervalSeconds,
    niceness: 19,
  };
}

/** The agent's namespace: Pod Security "privileged" enforced, "baseline" audited, nothing else in it. */
export class DriftAgentNamespace extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'Resource', { metadata: { name: DRIFT_AGENT_NAMESPACE, labels: { ...DRIFT_AGENT_NAMESPACE_LABELS, ...PART_OF_LABELS } } });
  }
}

export interface DriftAgentProps {
  readonly customer: DriftAgentCustomer;
}

/**
 * The SBOM drift agent in its namespace ({@link DriftAgentNamespace}): identity (list pods),
 * configuration, DaemonSet and network policy. Cluster-scoped objects carry no namespace; the
 * construct names the namespace of its namespaced objects itself, so it goes to a chart without one.
 */
export class DriftAgentRuntime extends Construct {
  readonly podSelector: Readonly<Record<string, string>> = selectorLabels(DRIFT_AGENT_NAME);
  readonly daemonSet: k8s.KubeDaemonSet;

  constructor(scope: Construct, id: string, props: DriftAgentProps) {
    super(scope, id);
    const { customer } = props;
    const agent = customer.monitoring.driftAgent;
    if (!agent) throw new Error(`${customer.name}: monitoring.driftAgent is not set`);
    const labels = appLabels(DRIFT_AGENT_NAME, 'drift-agent');
    const namespace = DRIFT_AGENT_NAMESPACE;
    const image = rescannerImage(customer);
    const registrySecret = customer.monitoring.registryIdentity?.secret?.name;
    const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: DRIFT_AGENT_NAME, namespace, labels }, automountServiceAccountToken: false });
    const role = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: customerObjectName(customer.name, 'drift-agent'), labels },
      // The node's pods (fieldSelector spec.nodeName): read-only. Not nodes/proxy (the kubelet's
      // /pods endpoint, which also allows exec) and not the CRI socket (which starts containers).
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: customerObjectName(customer.name, 'drift-agent'), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
      subjects: [{ kind: serviceAccount.kind, name: serviceAccount.name, namespace }],
    });
    const config = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${DRIFT_AGENT_NAME}-config`, namespace, labels },
      data: { [DRIFT_AGENT_CONFIG_FILE]: `${JSON.stringify(driftAgentConfig(customer), null, 2)}\n` },
    });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { ...workloadMetadata(DRIFT_AGENT_NAME, labels, image), namespace },
      spec: {
        selector: { matchLabels: { ...this.podSelector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount.name,
            automountServiceAccountToken: true,
            hostPid: true,
            // Production pods may run on tainted nodes; the agent must see them wherever they run.
            tolerations: [{ operator: 'Exists' }],
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'drift-agent',
                image: image.reference,
                args: [...DRIFT_AGENT_ARGS],
                env: [
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  { name: 'HOME', value: '/tmp' },
                  { name: 'TMPDIR', value: '/tmp' },
                  ...(registrySecret ? [{ name: 'DOCKER_CONFIG', value: DRIFT_AGENT_DOCKER_CONFIG_DIR }] : []),
                ],
                securityContext: DRIFT_AGENT_SECURITY_CONTEXT,
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('20m'), memory: k8s.Quantity.fromString('128Mi') },
                  limits: { cpu: k8s.Quantity.fromString(agent.cpuLimit), memory: k8s.Quantity.fromString(agent.memoryLimit) },
                },
                volumeMounts: [
                  { name: 'config', mountPath: DRIFT_AGENT_CONFIG_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(registrySecret ? [{ name: 'registry-credentials', mountPath: DRIFT_AGENT_DOCKER_CONFIG_DIR, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: config.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              ...(registrySecret ? [{ name: 'registry-credentials', secret: { secretName: registrySecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }], defaultMode: 0o440 } }] : []),
            ],
          },
        },
      },
    });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: DRIFT_AGENT_NAME, namespace, labels },
      spec: {
        podSelector: { matchLabels: { ...this.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          dnsEgress(customer.monitoring.nodeLocalDns),
          pushgatewayEgress(customer.monitoring.pushgatewayUrl),
          // The API server and the registries (attestations); NetworkPolicy cannot name them.
          { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443), tcp(6443)] },
        ],
      },
    });
  }
}
