import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { RESCANNER_NAME, TRIVY_SERVER_NAME, appLabels } from './labels';

export interface MonitoringNetworkPolicyProps {
  /** The Pushgateway URL the rescanner pushes to (`monitoring.pushgatewayUrl`). */
  readonly pushgatewayUrl: string;
  /** The rescanner, whose pods the first policy selects. */
  readonly rescanner: { readonly podSelector: Readonly<Record<string, string>> };
  /** The Trivy server, whose pods the second policy selects and the rescanner may reach. */
  readonly trivyServer: { readonly podSelector: Readonly<Record<string, string>>; readonly port: number };
  /** NodeLocal DNSCache address (`monitoring.nodeLocalDns`). @default undefined (kube-dns only) */
  readonly nodeLocalDns?: string;
  /**
   * The rescanner uses GKE Workload Identity: its tokens come from the GKE metadata server
   * (169.254.169.254, port 80, and 988 on Dataplane V2).
   * @default false
   */
  readonly gkeMetadata?: boolean;
}

/** Anywhere on IPv4: NetworkPolicy has no way to name a DNS host or the API server. */
const ANYWHERE: k8s.NetworkPolicyPeer = { ipBlock: { cidr: '0.0.0.0/0' } };

const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

const DNS_PORTS = [
  { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
  { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
];

/** The cluster resolver (kube-dns / CoreDNS keep the `k8s-app: kube-dns` label). */
const KUBE_DNS: k8s.NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

/**
 * DNS to the cluster resolver and, when the cluster runs NodeLocal DNSCache
 * (`monitoring.nodeLocalDns`), to its link-local address on every node, which no pod selector covers.
 */
export function dnsEgress(nodeLocalDns?: string): k8s.NetworkPolicyEgressRule {
  return { to: [KUBE_DNS, ...(nodeLocalDns ? [{ ipBlock: { cidr: `${nodeLocalDns}/32` } }] : [])], ports: DNS_PORTS };
}

/** DNS to the cluster resolver only. */
export const DNS_EGRESS: k8s.NetworkPolicyEgressRule = dnsEgress();

/**
 * Where the Pushgateway is. An in-cluster Service URL (`<svc>.<namespace>.svc[.cluster.local]`)
 * becomes a namespace selector on its port; any other host can only be reached by IP, so it
 * becomes "anywhere on that port".
 */
export function pushgatewayEgress(pushgatewayUrl: string): k8s.NetworkPolicyEgressRule {
  const url = new URL(pushgatewayUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
  const to: k8s.NetworkPolicyPeer[] = inCluster
    ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': inCluster[1] } } }]
    : [ANYWHERE];
  return { to, ports: [tcp(port)] };
}

/**
 * Network policies of the monitoring namespace.
 *
 * Rescanner: no ingress; egress to DNS, the Trivy server, the Pushgateway, and TCP 443/6443 for
 * the API server and the registries. NetworkPolicy cannot tell a registry from any other HTTPS
 * host, nor name the API server (its endpoints are node or control-plane IPs), so 443/6443 is
 * open to every address; restricting registries by name needs an FQDN-aware CNI policy
 * (Cilium, Calico Enterprise), which this bundle does not assume.
 *
 * Trivy server: ingress only from the rescanner on its port; egress to DNS and 443 for the
 * vulnerability DB (mirror.gcr.io, ghcr.io).
 */
export class MonitoringNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: MonitoringNetworkPolicyProps) {
    super(scope, id);
    const { rescanner, trivyServer } = props;
    new k8s.KubeNetworkPolicy(this, 'Rescanner', {
      metadata: { name: RESCANNER_NAME, labels: appLabels(RESCANNER_NAME, 'rescanner') },
      spec: {
        podSelector: { matchLabels: { ...rescanner.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          dnsEgress(props.nodeLocalDns),
          { to: [{ podSelector: { matchLabels: { ...trivyServer.podSelector } } }], ports: [tcp(trivyServer.port)] },
          pushgatewayEgress(props.pushgatewayUrl),
          { to: [ANYWHERE], ports: [tcp(443), tcp(6443)] },
          ...(props.gkeMetadata ? [{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [tcp(80), tcp(988)] }] : []),
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'TrivyServer', {
      metadata: { name: TRIVY_SERVER_NAME, labels: appLabels(TRIVY_SERVER_NAME, 'vulnerability-scanner') },
      spec: {
        podSelector: { matchLabels: { ...trivyServer.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { ...rescanner.podSelector } } }], ports: [tcp(trivyServer.port)] }],
        egress: [dnsEgress(props.nodeLocalDns), { to: [ANYWHERE], ports: [tcp(443)] }],
      },
    });
  }
}
