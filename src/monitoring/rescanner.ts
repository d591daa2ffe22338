import { Construct } from 'constructs';
import { AZURE_WORKLOAD_IDENTITY_POD_LABEL } from '../model/registry-identity';
import { k8s } from 'cdk8s-plus-30';
import type { Customer } from '../model/customer';
import { maxCronIntervalSeconds } from '../model/cron-schedule';
import { rescannerImage } from './image-pins';
import { workloadMetadata } from './images';
import { RESCANNER_NAME, TRIVY_TOKEN_SECRET, appLabels, selectorLabels } from './labels';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './pod-security';
import { rescannerConfig, type RescannerCustomer } from './rescanner-config';

/** Where the ConfigMap is mounted; the CronJob passes this path to `scb rescan --config`. */
export const RESCANNER_CONFIG_DIR = '/etc/scb';
export const RESCANNER_CONFIG_FILE = 'rescanner.json';
export const RESCANNER_ARGS = ['rescan', '--config', `${RESCANNER_CONFIG_DIR}/${RESCANNER_CONFIG_FILE}`] as const;
/** The Trivy server token is mounted as a file (not an env var), and `trivyTokenFile` points at it. */
export const TRIVY_TOKEN_DIR = '/var/run/secrets/scb/trivy';
export const TRIVY_TOKEN_FILE = `${TRIVY_TOKEN_DIR}/${TRIVY_TOKEN_SECRET.key}`;

/** Where `monitoring.registryIdentity.secret` (a dockerconfigjson Secret) is mounted. */
export const REGISTRY_CREDENTIALS_DIR = '/var/run/secrets/scb/registry';
export const REGISTRY_CREDENTIALS_FILE = `${REGISTRY_CREDENTIALS_DIR}/config.json`;

export interface RescannerProps {
  /** The customer fields the rescan reads: schedule, staleness, allowlist, production namespaces and `monitoring.*`. */
  readonly customer: RescannerCustomer & Pick<Customer, 'scan'>;
  /** The identity the CronJob runs as. */
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Trivy server the rescanner scans through. */
  readonly trivyServer: { readonly url: string };
}

/**
 * Deadlines derived from the schedule: a missed start is dropped after half an interval (at most
 * 30 minutes), and a run is killed after 80% of an interval (at most 2 hours), so a hung run can
 * never overlap the next one (concurrencyPolicy Forbid would otherwise skip it silently).
 */
export function rescannerDeadlines(schedule: string): { startingDeadlineSeconds: number; activeDeadlineSeconds: number } {
  const interval = maxCronIntervalSeconds(schedule);
  return {
    startingDeadlineSeconds: Math.max(60, Math.min(1800, Math.floor(interval / 2))),
    activeDeadlineSeconds: Math.max(300, Math.min(7200, Math.floor(interval * 0.8))),
  };
}

/**
 * The rescanner runtime: its JSON configuration (from the customer model) and the CronJob that
 * runs `scb rescan` on `scan.rescanSchedule`, reading running digests from the API server,
 * scanning each once through the Trivy server and PUTting its metric group to the Pushgateway.
 */
export class Rescanner extends Construct {
  /** Labels that select the rescanner's pods (network policies refer to them). */
  readonly podSelector: Readonly<Record<string, string>> = selectorLabels(RESCANNER_NAME);

  constructor(scope: Construct, id: string, props: RescannerProps) {
    super(scope, id);
    const { customer } = props;
    const labels = appLabels(RESCANNER_NAME, 'rescanner');
    const image = rescannerImage(customer);
    const config = rescannerConfig(customer, { trivyServerUrl: props.trivyServer.url, trivyTokenFile: TRIVY_TOKEN_FILE, registryCredentialsFile: REGISTRY_CREDENTIALS_FILE });
    const registrySecret = customer.monitoring.registryIdentity?.secret?.name;
    // Azure workload identity injects its token only into pods that carry this label.
    const podLabels = customer.monitoring.registryIdentity?.azure ? { ...labels, ...AZURE_WORKLOAD_IDENTITY_POD_LABEL } : labels;
    const configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${RESCANNER_NAME}-config`, labels },
      data: { [RESCANNER_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n` },
    });
    const deadlines = rescannerDeadlines(customer.scan.rescanSchedule);
    new k8s.KubeCronJob(this, 'CronJob', {
      metadata: workloadMetadata(RESCANNER_NAME, labels, image),
      spec: {
        schedule: customer.scan.rescanSchedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: deadlines.startingDeadlineSeconds,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            activeDeadlineSeconds: deadlines.activeDeadlineSeconds,
            backoffLimit: 1,
            template: {
              metadata: { labels: podLabels },
              spec: {
                serviceAccountName: props.serviceAccount.name,
                // The ServiceAccount opts out; only this pod, which needs the API, mounts a token.
                automountServiceAccountToken: true,
                restartPolicy: 'Never',
                securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
                containers: [
                  {
                    name: 'rescanner',
                    image: image.reference,
                    args: [...RESCANNER_ARGS],
                    env: [
                      { name: 'TRIVY_CACHE_DIR', value: '/tmp/trivy' },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                    resources: {
                      requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
                      limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
                    },
                    volumeMounts: [
                      { name: 'config', mountPath: RESCANNER_CONFIG_DIR, readOnly: true },
                      { name: 'trivy-token', mountPath: TRIVY_TOKEN_DIR, readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                      ...(registrySecret ? [{ name: 'registry-credentials', mountPath: REGISTRY_CREDENTIALS_DIR, readOnly: true }] : []),
                    ],
                  },
                ],
                volumes: [
                  { name: 'config', configMap: { name: configMap.name } },
                  { name: 'trivy-token', secret: { secretName: TRIVY_TOKEN_SECRET.name, items: [{ key: TRIVY_TOKEN_SECRET.key, path: TRIVY_TOKEN_SECRET.key }], defaultMode: 0o440 } },
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
                  ...(registrySecret
                    ? [{ name: 'registry-credentials', secret: { secretName: registrySecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }], defaultMode: 0o440 } }]
                    : []),
                ],
              },
            },
          },
        },
      },
    });
  }
}
