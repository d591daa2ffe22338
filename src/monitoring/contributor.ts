import type { BundleFeature } from '../manifest';
import { SupplyChainAlerts } from './alert-rules';
import { SupplyChainAlertRouting } from './alert-routing';
import { SupplyChainDashboards } from './dashboards';
import { ReadOnlyRootFilesystemPolicy } from './drift-policy';
import { DriftAgentNamespace, DriftAgentRuntime } from './drift-agent';
import { DriftAgentAlerts } from './drift-agent-alerts';
import { MONITORING_IMAGES } from './images';
import { DRIFT_METRICS, SCB_METRICS } from './metrics';
import { MONITORING_NAMESPACE } from './labels';
import { MonitoringNamespace } from './namespace';
import { MonitoringNetworkPolicies } from './network-policy';
import { rescannerImage } from './image-pins';
import { Rescanner } from './rescanner';
import { RescannerRbac } from './rescanner-rbac';
import { TrivyServer } from './trivy-server';

/**
 * Adds the in-cluster monitoring bundle: the rescanner runtime (namespace, RBAC, CronJob,
 * Trivy server, network policies), the alerts, the dashboards and the optional drift controls.
 * Cluster-scoped objects go to charts without a namespace.
 */
export const monitoringContributor: BundleFeature = ({ customer, enforcement }, parts) => {
  new MonitoringNamespace(parts.chart('monitoring-namespace.yaml', { phase: 'foundation' }), 'namespace');
  const rbac = new RescannerRbac(parts.chart('rescanner-rbac.yaml', { phase: 'workloads' }), 'rbac', { customer });
  const namespaced = (fileName: string) => parts.chart(fileName, { phase: 'workloads', namespace: MONITORING_NAMESPACE });
  const trivyServer = new TrivyServer(namespaced('trivy-server.yaml'), 'trivy-server');
  const rescanner = new Rescanner(namespaced('rescanner.yaml'), 'rescanner', { customer, serviceAccount: rbac.serviceAccount, trivyServer });
  new MonitoringNetworkPolicies(namespaced('monitoring-network-policies.yaml'), 'network', {
    pushgatewayUrl: customer.monitoring.pushgatewayUrl,
    rescanner,
    trivyServer,
    ...(customer.monitoring.nodeLocalDns ? { nodeLocalDns: customer.monitoring.nodeLocalDns } : {}),
    ...(customer.monitoring.registryIdentity?.gcp ? { gkeMetadata: true } : {}),
  });
  new SupplyChainAlerts(namespaced('monitoring-alerts.yaml'), 'alerts', { customer, enforcement });
  if (customer.monitoring.alertRouting) new SupplyChainAlertRouting(namespaced('monitoring-alert-routing.yaml'), 'routing', { customer });
  const dashboards = new SupplyChainDashboards(namespaced('monitoring-dashboards.yaml'), 'dashboards', { customer, enforcement });
  for (const fact of dashboards.dashboards) parts.facts.dashboard(fact);
  parts.facts.emittedMetrics(Object.values(SCB_METRICS));
  if (customer.monitoring.driftAgent) {
    // Opt-in: a hostPID DaemonSet in a namespace of its own (the only one not "restricted").
    new DriftAgentNamespace(parts.chart('drift-agent-namespace.yaml', { phase: 'foundation' }), 'drift-agent-namespace');
    new DriftAgentRuntime(parts.chart('drift-agent.yaml', { phase: 'workloads' }), 'drift-agent', { customer });
    new DriftAgentAlerts(namespaced('drift-agent-alerts.yaml'), 'drift-alerts', { customer });
    parts.facts.emittedMetrics(Object.values(DRIFT_METRICS));
  }
  if (customer.monitoring.requireReadOnlyRootFilesystem) {
    const { policy } = new ReadOnlyRootFilesystemPolicy(parts.chart('drift-policies.yaml', { phase: 'admission' }), 'readonly-root', { customer, enforcement });
    parts.facts.policy({ name: policy.name, kind: policy.kind, apiVersion: policy.apiVersion, purpose: 'drift' });
  }
  const placeholders = [
    ...(rescannerImage(customer).placeholder ? ['rescanner'] : []),
    ...(MONITORING_IMAGES.trivy.placeholder ? ['trivy'] : []),
  ];
  parts.summary(
    `monitoring: rescan "${customer.scan.rescanSchedule}" → ${customer.monitoring.pushgatewayUrl}` +
      (customer.monitoring.driftAgent ? '; SBOM drift agent on every node' : '') +
      (placeholders.length > 0 ? `; WARNING placeholder image digests (${placeholders.join(', ')}): pin them before deploying` : ''),
  );
};
