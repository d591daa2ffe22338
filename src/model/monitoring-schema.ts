import { z } from 'zod';
import { DIGEST_PINNED_IMAGE, DNS_LABEL, DNS_SUBDOMAIN, LABEL_VALUE } from '../contract';
import { registryIdentitySchema } from './registry-identity';

/**
 * The `monitoring` section of a customer description: where the in-cluster rescanner pushes its
 * metrics, which Prometheus picks up the rules, and the optional drift controls. Every field has
 * a default, so existing customer files stay valid.
 */


/** The Pushgateway kube-prometheus-stack users typically install next to Prometheus. */
export const DEFAULT_PUSHGATEWAY_URL = 'http://prometheus-pushgateway.monitoring.svc:9091';
export const DEFAULT_PROMETHEUS_RELEASE_LABEL = 'kube-prometheus-stack';

const httpUrl = z.string({ error: 'expected an http(s) URL such as "http://prometheus-pushgateway.monitoring.svc:9091"' }).check((ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(ctx.value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: 'is not an http(s) URL without query or credentials; write it as, for example, "http://prometheus-pushgateway.monitoring.svc:9091"',
    });
  }
});

/**
 * Paths inside a container that are expected to change at run time (caches, scratch space, the
 * package managers' caches): packages found only there are not compared with the SBOM. A
 * customer's `driftAgent.ignorePaths` and each container's volume mount paths are added to these.
 */
export const DEFAULT_DRIFT_IGNORE_PATHS: readonly string[] = ['/tmp', '/var/tmp', '/var/cache', '/var/log', '/run', '/root/.cache', '/root/.npm'];

const absolutePath = z
  .string({ error: 'expected an absolute path inside the container, e.g. "/var/lib/app/plugins"' })
  .regex(/^\/[^\0*?[\]]*$/, { error: 'is not an absolute path without wildcards; write it like "/var/lib/app/plugins" (everything under it is ignored)' });

const quantity = (example: string) =>
  z.string({ error: `expected a Kubernetes quantity such as "${example}"` }).regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi)?$/, { error: `is not a Kubernetes quantity; write it like "${example}"` });

/**
 * The SBOM drift agent (opt-in): a DaemonSet that compares the packages installed in each running
 * production container with its verified SBOM attestation and alerts on the difference.
 */
export const driftAgentSchema = z.strictObject(
  {
    /**
     * Paths inside containers expected to change, added to the defaults (/tmp, /var/tmp,
     * /var/cache, /var/log, /run, /root/.cache, /root/.npm) and to each container's own volume
     * mount paths (from its pod spec).
     * @default []
     */
    ignorePaths: z.array(absolutePath, { error: 'expected a list of absolute paths such as ["/var/lib/app/plugins"]' }).default([]),
    /**
     * Severity of the alert for a package added or changed in a production namespace: `warning`
     * (a ticket) or `critical` (pages the on-call). A removed package, an unverifiable image and
     * an agent that stopped reporting are always warnings.
     * @default "warning"
     */
    alertSeverity: z.enum(['warning', 'critical'], { error: 'expected "warning" or "critical"' }).default('warning'),
    /**
     * Seconds between two passes over a node's containers. Unchanged containers cost a few stat
     * calls; syft runs only for new containers and changed package databases.
     * @default 300
     */
    intervalSeconds: z.int({ error: 'expected a whole number of seconds, e.g. 300' }).min(60, { error: 'must be at least 60' }).max(86_400, { error: 'must be at most 86400 (a day)' }).default(300),
    /**
     * The agent container's CPU limit; it also runs at nice 19, so it yields to workloads.
     * @default "500m"
     */
    cpuLimit: quantity('500m').default('500m'),
    /**
     * The agent container's memory limit: syft's peak for the largest image on a node, plus the
     * agent (see docs/benchmarks.md).
     * @default "1Gi"
     */
    memoryLimit: quantity('1Gi').default('1Gi'),
  },
  { error: 'expected a mapping with ignorePaths, alertSeverity, intervalSeconds, cpuLimit or memoryLimit' },
);

export const monitoringSchema = z.strictObject({
  /**
   * Name of the cluster, put on every metric as the `cluster` label so one Prometheus can watch
   * several clusters of a customer.
   * @default - the customer name
   */
  cluster: z
    .string({ error: 'expected the cluster name, a DNS-1123 label such as "prod-eu-1"' })
    .regex(DNS_LABEL, { error: 'is not a DNS-1123 label; use lower-case letters, digits and "-", e.g. "prod-eu-1"' })
    .optional(),
  /**
   * Pushgateway the rescanner PUTs its metric group to.
   * @default "http://prometheus-pushgateway.monitoring.svc:9091"
   */
  pushgatewayUrl: httpUrl.default(DEFAULT_PUSHGATEWAY_URL),
  /**
   * Value of the `release` label on PrometheusRules; kube-prometheus-stack only loads rules that
   * carry its release name unless its rule selector was opened.
   * @default "kube-prometheus-stack"
   */
  prometheusReleaseLabel: z
    .string({ error: 'expected the Helm release name of kube-prometheus-stack, e.g. "kube-prometheus-stack"' })
    .max(63, { error: 'is longer than 63 characters, the limit for a label value' })
    .regex(LABEL_VALUE, { error: 'is not a Kubernetes label value (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)' })
    .refine((value) => value !== '', { error: 'is empty; give the Helm release name, e.g. "kube-prometheus-stack"' })
    .default(DEFAULT_PROMETHEUS_RELEASE_LABEL),
  /**
   * Rescanner image to run instead of this release's own, pinned by digest (a mirror in an
   * air-gapped registry, say).
   * @default - the image in src/monitoring/images.ts
   */
  rescannerImage: z
    .string({ error: 'expected an image reference pinned by digest' })
    .regex(DIGEST_PINNED_IMAGE, {
      error: 'is not pinned by digest; write it as registry/repository@sha256:<64 hex digits> (a tag alone can be moved)',
    })
    .optional(),
  /**
   * Names of the image pull Secrets the rescanner may read, in any namespace. RBAC can restrict
   * `get` on Secrets by name but not by "named in a pod's imagePullSecrets", so an empty list
   * grants no Secret access at all (public registries and node credentials only).
   * @default []
   */
  pullSecrets: z
    .array(z.string().regex(DNS_SUBDOMAIN, { error: 'is not a Secret name (lower-case letters, digits, "-" and ".")' }), {
      error: 'expected a list of Secret names such as ["ghcr-pull"]',
    })
    .default([]),
  /**
   * How many images the rescanner scans at once.
   * @default 4
   */
  concurrency: z
    .int({ error: 'expected a whole number of parallel scans' })
    .min(1, { error: 'must be at least 1' })
    .max(32, { error: 'must be at most 32; the Trivy server is a single replica' })
    .default(4),
  /**
   * Adds a Kyverno policy (Audit) that requires `readOnlyRootFilesystem` on containers in the
   * production namespaces, which stops most runtime package installs.
   * @default false
   */
  requireReadOnlyRootFilesystem: z.boolean({ error: 'expected true or false' }).default(false),
  /**
   * Adds an alert on Falco's "Drop and execute new binary in container" rule, read from
   * falcosidekick's events counter: `falcosecurity_falcosidekick_falco_events_total` (falcosidekick
   * 2.30.0 and later) or `falco_events` (before 2.30.0). Needs Falco and falcosidekick installed
   * by the customer, with falcosidekick's /metrics scraped.
   * @default false
   */
  falco: z.boolean({ error: 'expected true or false' }).default(false),
  /**
   * Vulnerability severities whose findings in running production images page the on-call
   * (`severity: critical`); the other of CRITICAL and HIGH is a `warning`. Accepted risks never page.
   * @default ["CRITICAL", "HIGH"]
   */
  pageSeverities: z
    .array(z.enum(['CRITICAL', 'HIGH'], { error: 'expected "CRITICAL" or "HIGH"' }), { error: 'expected a list such as ["CRITICAL", "HIGH"]' })
    .refine((list) => new Set(list).size === list.length, { error: 'lists a severity twice' })
    .default(['CRITICAL', 'HIGH']),
  /**
   * Hours after which the Trivy server's vulnerability DB (its `UpdatedAt`) counts as stale and
   * alerts: new CVEs are matched only against a fresh DB. Trivy's DB is rebuilt every 6 hours.
   * @default 48
   */
  /**
   * Generates an AlertmanagerConfig (prometheus-operator) that sends this customer's `critical`
   * alerts to one receiver: PagerDuty (routing key) or a webhook (URL), read from a Secret in
   * supply-chain-monitoring. Warnings stay on the Alertmanager's own routes.
   * @default - no route generated (route on `severity` yourself, see docs/monitoring.md)
   */
  alertRouting: z
    .strictObject(
      {
        receiver: z.enum(['pagerduty', 'webhook'], { error: 'expected "pagerduty" or "webhook"' }),
        secretName: z.string({ error: 'expected a Secret name' }).regex(DNS_SUBDOMAIN, { error: 'is not a Secret name (lower-case letters, digits, "-" and ".")' }),
        /** @default "routing-key" for pagerduty, "url" for webhook */
        secretKey: z.string({ error: 'expected the key inside the Secret' }).regex(/^[-._a-zA-Z0-9]+$/, { error: 'is not a Secret key (letters, digits, "-", "_" and ".")' }).optional(),
      },
      { error: 'expected a mapping with receiver, secretName and optionally secretKey' },
    )
    .optional(),
  /**
   * Lets `scb synth` and `pulumi up` render this release's placeholder rescanner digest (all
   * zeros, never pullable) when `rescannerImage` is not set. For a dry run only: a cluster would
   * run no rescanner, and every vulnerability alert would stay silent.
   * @default false (refused: set rescannerImage to the digest your release printed)
   */
  allowPlaceholderImages: z.boolean({ error: 'expected true or false' }).default(false),
  /**
   * The rescanner's own registry identity, for images the nodes pull with their cloud identity
   * (ECR, Artifact Registry, ACR), which no pod pull secret covers: one cloud workload identity
   * (`aws.roleArn` for IRSA, `gcp.serviceAccount` for GKE Workload Identity, `azure.clientId` for
   * Azure workload identity) and/or `secret.name`, a `kubernetes.io/dockerconfigjson` Secret in
   * the supply-chain-monitoring namespace.
   * @default - pod pull secrets only (`monitoring.pullSecrets`)
   */
  registryIdentity: registryIdentitySchema.optional(),
  /**
   * The address NodeLocal DNSCache listens on (usually "169.254.20.10"), when the cluster runs it:
   * pods then send DNS to that link-local address, which the kube-dns NetworkPolicy peer does not
   * cover, so the rescanner and the Trivy server (its DB download) would lose DNS.
   * @default - no NodeLocal DNSCache
   */
  nodeLocalDns: z
    .string({ error: 'expected the NodeLocal DNSCache address, e.g. "169.254.20.10"' })
    .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, { error: 'is not an IPv4 address; write the node-local DNS address, e.g. "169.254.20.10"' })
    .optional(),
  /**
   * Deploys the SBOM drift agent (a privileged DaemonSet in its own namespace; see
   * docs/monitoring.md "SBOM drift"). `driftAgent: {}` opts in with the defaults.
   * @default - no agent
   */
  driftAgent: driftAgentSchema.optional(),
  trivyDbMaxAgeHours: z
    .int({ error: 'expected a whole number of hours, e.g. 48' })
    .min(7, { error: 'must be at least 7: the DB is published every 6 hours' })
    .max(720, { error: 'must be at most 720 (30 days)' })
    .default(48),
}, { error: 'expected a mapping with cluster, pushgatewayUrl, prometheusReleaseLabel, rescannerImage, pullSecrets, concurrency, requireReadOnlyRootFilesystem, falco, pageSeverities, trivyDbMaxAgeHours, alertRouting, allowPlaceholderImages, registryIdentity, nodeLocalDns or driftAgent' });
