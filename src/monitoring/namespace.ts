import { PART_OF_LABELS } from '../contract';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { MONITORING_NAMESPACE } from './labels';
import { RESTRICTED_NAMESPACE_LABELS } from './pod-security';

/** The namespace of the rescanner and the Trivy server; it admits only "restricted" pods. */
export class MonitoringNamespace extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: MONITORING_NAMESPACE,
        labels: { ...RESTRICTED_NAMESPACE_LABELS, ...PART_OF_LABELS },
      },
    });
  }
}
