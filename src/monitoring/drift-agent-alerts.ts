import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { PART_OF_LABELS, customerObjectName } from '../contract';
import type { Customer } from '../model/customer';
import type { AlertRule, AlertRuleGroup, AlertSeverity } from './alert-rules';
import { ALERT_NAMESPACE_LABEL } from './alert-routing';
import { DRIFT_METRICS } from './metrics';
import { namespaceRegex, promDuration, quote } from './promql';
import { clusterName } from './rescanner-config';

/** The customer fields the drift alerts read. */
export type DriftAlertCustomer = Pick<Customer, 'name' | 'sourceFile' | 'monitoring' | 'admission'>;

/** Passes a node may miss before its agent counts as silent (and its last results as stale). */
const MISSED_PASSES = 3;

/**
 * The SBOM drift alerts. A package added or changed in a production namespace has the customer's
 * severity (`monitoring.driftAgent.alertSeverity`: warning by default, critical pages); a removed
 * package, an image that cannot be compared and a silent agent are warnings. Every drift rule
 * reads only nodes whose agent reported within three intervals, so a node that left the cluster
 * (its Pushgateway group stays) stops alerting, and SupplyChainDriftAgentNotReporting names it.
 * Pure: the same customer gives the same rules.
 */
export function driftAlertRuleGroups(customer: DriftAlertCustomer): AlertRuleGroup[] {
  const agent = customer.monitoring.driftAgent;
  if (!agent) return [];
  const cluster = clusterName(customer);
  const scb = `cluster=${quote(cluster)}, customer=${quote(customer.name)}`;
  const production = quote(namespaceRegex(customer.admission.namespaces));
  const routed = customer.monitoring.alertRouting ? ALERT_NAMESPACE_LABEL : {};
  const labels = (severity: AlertSeverity) => ({ severity, customer: customer.name, cluster, ...routed });
  const silentAfter = MISSED_PASSES * agent.intervalSeconds;
  const fresh = `on (cluster, customer, node)\n(time() - ${DRIFT_METRICS.lastPass}{${scb}} < ${silentAfter})`;
  const where = 'namespace, workload, container, image, digest';
  const changed = (kinds: string) => `sum by (cluster, customer, node, ${where}) (${DRIFT_METRICS.packages}{${scb}, namespace=~${production}, change=~"${kinds}"}) > 0\nand ${fresh}`;
  const rules: AlertRule[] = [
    {
      alert: 'SupplyChainPackageDrift',
      expr: changed('added|changed'),
      for: promDuration(agent.intervalSeconds),
      labels: labels(agent.alertSeverity),
      annotations: {
        summary: '{{ $value }} packages added or changed at run time in {{ $labels.namespace }}/{{ $labels.workload }} ({{ $labels.container }})',
        description:
          'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.workload }} on node {{ $labels.node }} runs packages that its verified SBOM attestation ({{ $labels.image }}@{{ $labels.digest }}) does not list, or at another version: someone installed or upgraded software in the running container. The agent log (event package_drift, same labels) names each package and version. Find out who changed it (kubectl exec audit events, the workload\'s own update mechanism), then replace the pod from its signed digest (kubectl rollout restart); if the change is legitimate, ship it in a new release instead.',
      },
    },
    {
      alert: 'SupplyChainPackageDriftRemoved',
      expr: changed('removed'),
      for: promDuration(agent.intervalSeconds),
      labels: labels('warning'),
      annotations: {
        summary: '{{ $value }} attested packages missing at run time in {{ $labels.namespace }}/{{ $labels.workload }} ({{ $labels.container }})',
        description:
          'Packages listed in the verified SBOM of {{ $labels.image }}@{{ $labels.digest }} are no longer installed in container {{ $labels.container }} (node {{ $labels.node }}). Usually harmless (a cleanup script), sometimes tampering. See the agent log (event package_drift); if the path is a volume or cache, add it to monitoring.driftAgent.ignorePaths in ' + customer.sourceFile + '.',
      },
    },
    {
      alert: 'SupplyChainPackageDriftUnverifiable',
      expr: `max by (cluster, customer, node, ${where}, reason) (${DRIFT_METRICS.unverifiable}{${scb}, namespace=~${production}})\nand ${fresh}`,
      for: '1h',
      labels: labels('warning'),
      annotations: {
        summary: 'Drift of {{ $labels.namespace }}/{{ $labels.workload }} cannot be checked: SBOM attestation {{ $labels.reason }}',
        description:
          'The running digest {{ $labels.image }}@{{ $labels.digest }} has no CycloneDX SBOM attestation verified against the customer identity (reason {{ $labels.reason }}: missing, unverified = signed by another identity or not for this digest, registry = the registry could not be read, verifier_unavailable = cosign missing for the legacy format). This is "unknown", never "no drift". Release the image through the customer\'s workflow, or see the agent log (event drift_unverifiable).',
      },
    },
    {
      alert: 'SupplyChainDriftAgentNotReporting',
      expr: `time() - max by (cluster, customer, node) (${DRIFT_METRICS.lastPass}{${scb}}) > ${silentAfter}`,
      labels: labels('warning'),
      annotations: {
        summary: 'The SBOM drift agent on {{ $labels.node }} has not reported for {{ $value | humanizeDuration }}',
        description: `No completed pass from the drift agent on node {{ $labels.node }} for more than ${MISSED_PASSES} intervals: drift there is unknown. Check the DaemonSet scb-drift-agent in supply-chain-drift-agent (its pod on that node, its log). If the node left the cluster, delete its group: curl -X DELETE ${customer.monitoring.pushgatewayUrl.replace(/\/+$/, '')}/metrics/job/supply_chain_drift_agent/cluster/${cluster}/customer/${customer.name}/node/<node>.`,
      },
    },
  ];
  return [{ name: 'supply-chain-sbom-drift', rules }];
}

export interface DriftAgentAlertsProps {
  readonly customer: DriftAlertCustomer;
}

/** The drift alerts as a PrometheusRule of their own (only for a customer with the agent). */
export class DriftAgentAlerts extends Construct {
  readonly groups: readonly AlertRuleGroup[];

  constructor(scope: Construct, id: string, props: DriftAgentAlertsProps) {
    super(scope, id);
    this.groups = driftAlertRuleGroups(props.customer);
    new PrometheusRule(this, 'Resource', {
      metadata: { name: customerObjectName(props.customer.name, 'sbom-drift'), labels: { release: props.customer.monitoring.prometheusReleaseLabel, ...PART_OF_LABELS } },
      spec: {
        groups: this.groups.map((group) => ({ name: group.name, rules: group.rules.map((rule) => ({ ...rule, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr) })) })),
      },
    });
  }
}
