import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { customerObjectName } from '../contract';
import type { Customer } from '../model/customer';
import { MONITORING_NAMESPACE, appLabels } from './labels';

/**
 * prometheus-operator scopes an AlertmanagerConfig to its own namespace: it adds a
 * `namespace="<its namespace>"` matcher to the route (the default OnNamespace strategy). Prometheus
 * gives rule alerts no such label, so the alerts carry it explicitly when a route is generated.
 */
export const ALERT_NAMESPACE_LABEL = { namespace: MONITORING_NAMESPACE } as const;

export interface SupplyChainAlertRoutingProps {
  /** The customer: name, `monitoring.alertRouting` and the release label. */
  readonly customer: Pick<Customer, 'name' | 'monitoring'>;
}

/**
 * An AlertmanagerConfig (monitoring.coreos.com/v1alpha1) routing this customer's `critical` alerts
 * to PagerDuty or a webhook whose key or URL lives in a Secret (never in the bundle).
 */
export class SupplyChainAlertRouting extends Construct {
  constructor(scope: Construct, id: string, props: SupplyChainAlertRoutingProps) {
    super(scope, id);
    const routing = props.customer.monitoring.alertRouting;
    if (!routing) throw new Error('SupplyChainAlertRouting needs monitoring.alertRouting');
    const receiver = customerObjectName(props.customer.name, 'critical');
    const secret = { name: routing.secretName, key: routing.secretKey ?? (routing.receiver === 'pagerduty' ? 'routing-key' : 'url') };
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'AlertmanagerConfig',
      metadata: {
        name: customerObjectName(props.customer.name, 'alert-routing'),
        labels: { ...appLabels('scb-alert-routing', 'alerting'), release: props.customer.monitoring.prometheusReleaseLabel },
      },
      spec: {
        route: {
          receiver,
          matchers: [
            { name: 'customer', value: props.customer.name, matchType: '=' },
            { name: 'severity', value: 'critical', matchType: '=' },
          ],
          groupBy: ['alertname', 'cluster', 'image'],
          groupWait: '30s',
          groupInterval: '5m',
          repeatInterval: '4h',
        },
        receivers: [
          routing.receiver === 'pagerduty'
            ? { name: receiver, pagerdutyConfigs: [{ routingKey: secret, severity: 'critical', sendResolved: true }] }
            : { name: receiver, webhookConfigs: [{ urlSecret: secret, sendResolved: true }] },
        ],
      },
    });
  }
}
