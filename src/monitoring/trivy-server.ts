import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { MONITORING_IMAGES, assertTrustedTrivyImage, imageReference, type PinnedImage, workloadMetadata } from './images';
import { MONITORING_NAMESPACE, TRIVY_SERVER_NAME, TRIVY_SERVER_PORT, TRIVY_TOKEN_SECRET, appLabels, selectorLabels } from './labels';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './pod-security';

export interface TrivyServerProps {
  /**
   * The Trivy image; its tag must not be a known-compromised release.
   * @default MONITORING_IMAGES.trivy
   */
  readonly image?: PinnedImage;
  /**
   * Size of the volume that keeps the vulnerability DB across restarts.
   * @default "5Gi"
   */
  readonly cacheSize?: string;
}

const CACHE_DIR = '/var/lib/trivy';

/**
 * One Trivy server (`trivy server`) that holds the vulnerability DB for the rescanner, so the DB is
 * downloaded once per cluster instead of once per run. A single replica with a ReadWriteOnce
 * volume (hence the Recreate strategy); the token comes from a Secret the operator creates.
 */
export class TrivyServer extends Construct {
  /** The Service the rescanner scans through. */
  readonly service: k8s.KubeService;
  /** Labels that select the server's pods (network policies refer to them). */
  readonly podSelector: Readonly<Record<string, string>> = selectorLabels(TRIVY_SERVER_NAME);
  /** The port the server listens on. */
  readonly port = TRIVY_SERVER_PORT;

  constructor(scope: Construct, id: string, props: TrivyServerProps = {}) {
    super(scope, id);
    const image = props.image ?? MONITORING_IMAGES.trivy;
    assertTrustedTrivyImage(image);
    const labels = appLabels(TRIVY_SERVER_NAME, 'vulnerability-scanner');
    const claim = new k8s.KubePersistentVolumeClaim(this, 'Cache', {
      metadata: { name: `${TRIVY_SERVER_NAME}-cache`, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: k8s.Quantity.fromString(props.cacheSize ?? '5Gi') } },
      },
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: workloadMetadata(TRIVY_SERVER_NAME, labels, image),
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { ...this.podSelector } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
            containers: [
              {
                name: 'trivy',
                image: imageReference(image),
                args: ['server', '--listen', `0.0.0.0:${TRIVY_SERVER_PORT}`, '--cache-dir', CACHE_DIR],
                // TRIVY_TOKEN is Trivy's environment spelling of --token: the value stays out of the
                // manifest and out of the process arguments.
                env: [
                  { name: 'TRIVY_TOKEN', valueFrom: { secretKeyRef: { name: TRIVY_TOKEN_SECRET.name, key: TRIVY_TOKEN_SECRET.key } } },
                  { name: 'HOME', value: '/tmp' },
                ],
                ports: [{ name: 'trivy', containerPort: TRIVY_SERVER_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('trivy') }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('trivy') }, periodSeconds: 30, failureThreshold: 5 },
                securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('512Mi') },
                  limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('2Gi') },
                },
                volumeMounts: [
                  { name: 'cache', mountPath: CACHE_DIR },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'cache', persistentVolumeClaim: { claimName: claim.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
            ],
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: TRIVY_SERVER_NAME, labels },
      spec: {
        selector: { ...this.podSelector },
        ports: [{ name: 'trivy', port: this.port, targetPort: k8s.IntOrString.fromString('trivy'), protocol: 'TCP' }],
      },
    });
  }

  /** The in-cluster URL of the server, from its Service's name and namespace. */
  get url(): string {
    return `http://${this.service.name}.${this.service.metadata.namespace ?? MONITORING_NAMESPACE}.svc:${this.port}`;
  }
}
