import { PART_OF_LABELS, customerObjectName } from '../contract';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { Construct } from 'constructs';
import type { MonitoredCustomer } from './rescanner-config';
import type { EnforcementState } from '../model/enforcement';
import { maxCronIntervalSeconds } from '../model/cron-schedule';
import { enforceGate, flipInstant } from '../admission/flip-gate';
import { increaseByPolicy, kyvernoResultSources, resultSelector, windowIncrease, withCheck, type ExecutionCause, type KyvernoResultSource } from './kyverno-results';
import { ALERT_NAMESPACE_LABEL } from './alert-routing';
import { FALCO_METRICS, KYVERNO_METRICS, SCB_METRICS } from './metrics';
import { namespaceRegex, promDuration, quote } from './promql';
import { clusterName } from './rescanner-config';

/** One Prometheus alerting rule, as written inside a PrometheusRule's `spec.groups[].rules`. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; omitted means "fire at once". */
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertRuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/**
 * Alert severities in the ecosystem's convention (kube-prometheus-stack, the Prometheus
 * monitoring mixins): `critical` wakes someone, `warning` goes to a ticket or a channel.
 */
export type AlertSeverity = 'critical' | 'warning';

/** The rule name of Falco's maintained drift detector. */
export const FALCO_DRIFT_RULE = 'Drop and execute new binary in container';

/** Admission results are counted over a short window so an alert clears soon after the fix. */
const ADMISSION_WINDOW = '10m';
/** Kyverno results that mean "refused": a failed check, or one that could not complete. */
const REFUSING = 'fail|error';
/**
 * Kyverno's background controller re-evaluates policies about once an hour; a window of two
 * scans keeps a failing result visible between them.
 */
const BACKGROUND_WINDOW = '2h';

/** An expression that the report twins, always rendered, must yield. */
function required(expr: string | undefined, what: string): string {
  if (expr === undefined) throw new Error(`no Kyverno result series for the ${what} alert`);
  return expr;
}

/** Days before an accepted risk's expiry that its owner is warned. */
export const ACCEPTED_RISK_WARNING_DAYS = 14;

/** Every alert of one customer's cluster. Pure: the same customer and state give the same rules. */
export function alertRuleGroups(customer: MonitoredCustomer, enforcement: EnforcementState): AlertRuleGroup[] {
  const cluster = clusterName(customer);
  const scb = `cluster=${quote(cluster)}, customer=${quote(customer.name)}`;
  const production = quote(namespaceRegex(customer.admission.namespaces));
  const namespaces = `resource_namespace=~${production}`;
  // The rescanner lists every pod of the cluster; its alerts concern the production namespaces only.
  const runningInProduction = `${SCB_METRICS.imageWorkloads}{${scb}, namespace=~${production}}`;
  const joinLabels = 'cluster, customer, image, digest';
  const fixed = { customer: customer.name, cluster };
  // With a generated AlertmanagerConfig the alerts must carry its namespace (alert-routing.ts).
  const routed = customer.monitoring.alertRouting ? ALERT_NAMESPACE_LABEL : {};
  const labels = (severity: AlertSeverity) => ({ severity, ...fixed, ...routed });
  const interval = maxCronIntervalSeconds(customer.scan.rescanSchedule);
  const maxAge = customer.staleness.maxImageAgeDays;

  const { signature, verify, allowed } = kyvernoResultSources(customer, enforcement);
  const gate = enforceGate(enforcement);
  const flipEpoch = Date.parse(flipInstant(enforcement)) / 1000;
  const warnEpoch = flipEpoch - customer.enforcement.warnDaysBeforeFlip * 86400;
  /**
   * Results that mean "refused" (or "would be refused") of rules 1 to 4 per policy: `fail` and
   * `error` (a check that cannot complete, e.g. a private image without credentials, refuses
   * once enforcing). `mode` picks the twins (kyverno-results.ts); undefined when none is rendered.
   */
  const failures = (sources: readonly KyvernoResultSource[], cause: ExecutionCause, window: string, mode?: 'enforce' | 'audit') => {
    const sum = increaseByPolicy(sources, { resultRegex: REFUSING, cause, mode }, window);
    return sum === undefined ? undefined : `(\n${sum.replace(/^/gm, '  ')}\n) > 0`;
  };
  /** The report twins' refusing results over both causes, per policy, namespace and kind (Kyverno's series name no workload). */
  const wouldRefuse = [signature, verify, allowed]
    .flatMap((source) => {
      const selector = resultSelector(source, { resultRegex: REFUSING, mode: 'audit' });
      return selector === undefined ? [] : [withCheck(source, `sum by (policy_name, resource_namespace, resource_kind) (\n${windowIncrease(selector, BACKGROUND_WINDOW).replace(/^/gm, '  ')}\n)`)];
    })
    .join('\nor\n');
  const signatureHint = `${signature.title} (rule 1): the image is not signed by the customer's release workflow on its branch (fail), or its signature could not be fetched (error: registry credentials or outage)`;
  const policyHints = `${signatureHint}; ${verify.title} (rules 2-3): the SBOM or vulnerability-scan attestation is missing, not by the customer's workflow, or fails the vulnerability rule; ${allowed.title} (rule 4): the image is neither the customer's own nor allowlisted.`;
  // Accepted risks (CVE, owner, expiry) are exported by the rescanner; an acceptance holds until
  // its expiry, evaluated by Prometheus at alert time, so it lapses without a re-deploy.
  const accepted = `(${SCB_METRICS.acceptedRiskExpiry}{${scb}} > time())`;
  const vulnerable = (severity: 'CRITICAL' | 'HIGH'): AlertRule => ({
    alert: 'SupplyChainVulnerableRunningImage',
    expr: `max by (${joinLabels}, vulnerability_id, severity, package, fixed) (${SCB_METRICS.imageVulnerabilityInfo}{${scb}, severity="${severity}"})\nunless on (${joinLabels}, vulnerability_id)\n${accepted}\nand on (${joinLabels})\n${runningInProduction}`,
    for: '5m',
    // The vulnerability's own severity label is overwritten by the routing severity, so keep it.
    labels: { ...labels(customer.monitoring.pageSeverities.includes(severity) ? 'critical' : 'warning'), vulnerability_severity: '{{ $labels.severity }}' },
    annotations: {
      summary: '{{ $labels.severity }} {{ $labels.vulnerability_id }} in running image {{ $labels.image }}',
      description:
        'Package {{ $labels.package }} in {{ $labels.image }}@{{ $labels.digest }}, running in a production namespace, has {{ $labels.vulnerability_id }} ({{ $labels.severity }}); fixed in "{{ $labels.fixed }}". Rebuild and redeploy the image, or record an accepted risk (cve, reason, owner, expires) if it cannot be fixed. The finding holds while scans fail: see SupplyChainImageScanFailing.',
    },
  });
  const failingDigest = `max by (${joinLabels}) (${SCB_METRICS.imageScanConsecutiveFailures}{${scb}}) >= 2`;
  const unauthorized = `${SCB_METRICS.imageScanFailure}{${scb}, reason="unauthorized"}`;
  const dbMaxAge = customer.monitoring.trivyDbMaxAgeHours;

  const rules: AlertRule[] = [
    // monitoring.pageSeverities decides which of the two wake someone (both by default).
    vulnerable('CRITICAL'),
    vulnerable('HIGH'),
    {
      alert: 'SupplyChainImageScanFailing',
      expr: `(\n  ${failingDigest}\n)\nunless on (${joinLabels})\n${unauthorized}\nand on (${joinLabels})\n${runningInProduction}`,
      labels: labels('warning'),
      annotations: {
        summary: 'Running image {{ $labels.image }} failed to scan {{ $value }} runs in a row',
        description: `The rescanner could not scan {{ $labels.image }}@{{ $labels.digest }} (production) in the last {{ $value }} runs. Its last known findings are kept and still alert; their age is ${SCB_METRICS.imageLastScan}. See ${SCB_METRICS.imageScanFailure} for the reason and the rescanner's log (event scan_failed) for Trivy's error.`,
      },
    },
    {
      alert: 'SupplyChainImageUnscannableCredentials',
      expr: `max by (${joinLabels}, credentials) (${unauthorized})\nand on (${joinLabels})\n(${failingDigest})\nand on (${joinLabels})\n${runningInProduction}`,
      labels: labels('warning'),
      annotations: {
        summary: 'The rescanner is not allowed to pull {{ $labels.image }} (credentials: {{ $labels.credentials }})',
        description: `The registry refused the rescanner for {{ $labels.image }}@{{ $labels.digest }} in two runs in a row; it used credentials "{{ $labels.credentials }}" (none: no pull secret named by the pods, no registry identity; workload_identity: the cloud role lacks pull rights; pull_secret / registry_secret: the secret is wrong or expired). Give the rescanner an identity in ${customer.sourceFile} (monitoring.registryIdentity: IRSA, GKE Workload Identity, Azure workload identity or a Secret in its namespace). Until then this image's vulnerabilities are unknown.`,
      },
    },
    {
      alert: 'SupplyChainTrivyDbStale',
      expr: `time() - max by (cluster, customer) (${SCB_METRICS.trivyDbUpdated}{${scb}}) > ${dbMaxAge * 3600}`,
      labels: labels('warning'),
      annotations: {
        summary: `The Trivy vulnerability DB is older than ${dbMaxAge}h`,
        description: `The Trivy server's DB was last updated {{ $value | humanizeDuration }} ago (limit ${dbMaxAge}h, monitoring.trivyDbMaxAgeHours): CVEs published since are not matched. Check the trivy-server pod's log for DB download errors and its egress to mirror.gcr.io / ghcr.io (NetworkPolicy, DNS, proxy).`,
      },
    },
    {
      alert: 'SupplyChainTrivyServerDown',
      expr: `max by (cluster, customer) (${SCB_METRICS.trivyServerUp}{${scb}}) == 0`,
      // The gauge changes once per run: holding for an interval means two runs in a row found it down.
      for: promDuration(interval),
      labels: labels('warning'),
      annotations: {
        summary: 'The Trivy server did not answer the rescanner in two runs',
        description: `No image was scanned because trivy-server in supply-chain-monitoring did not answer its health check. Every digest keeps its last known findings (pages hold), but new vulnerabilities are not found. Check the trivy-server Deployment, its PVC and its logs.`,
      },
    },
    {
      alert: 'SupplyChainImageAgeUnknown',
      expr: `max by (${joinLabels}) (${SCB_METRICS.imageBuildTimeSource}{${scb}, source="first_seen"})\nunless on (${joinLabels})\n(${SCB_METRICS.imageAllowlisted}{${scb}} == 1)\nand on (${joinLabels})\n${runningInProduction}`,
      for: '1h',
      labels: labels('warning'),
      annotations: {
        summary: 'The build time of running image {{ $labels.image }} is unknown',
        description: `{{ $labels.image }}@{{ $labels.digest }} carries no usable build time (a reproducible build's 1970 date, and no signature time, attestation scanFinishedOn, SBOM timestamp or OCI created label), so its age is counted from when the rescanner first saw it. Sign and attest it with the release workflow, or set org.opencontainers.image.created.`,
      },
    },
    {
      alert: 'SupplyChainStaleImage',
      expr: `time() - (${SCB_METRICS.imageBuildTimestamp}{${scb}} > 86400) > ${maxAge * 86400}\nunless on (${joinLabels})\n(${SCB_METRICS.imageAllowlisted}{${scb}} == 1)\nand on (${joinLabels})\n${runningInProduction}`,
      for: '1h',
      labels: labels('warning'),
      annotations: {
        summary: `Running image {{ $labels.image }} is older than ${maxAge} days`,
        description: `{{ $labels.image }}@{{ $labels.digest }}, running in a production namespace, was built {{ $value | humanizeDuration }} ago (limit ${maxAge} days, staleness.maxImageAgeDays) and is not on the allowlist. Rebuild it, or allowlist the digest with an owner and a reason.`,
      },
    },
    {
      // The one vulnerability rule's accepted risks lapse on their own (src/vulnerability-rule):
      // warn the owner before an image that runs with the CVE starts to page and to be refused.
      alert: 'SupplyChainAcceptedRiskExpiring',
      expr: `(\n  max by (cluster, customer, vulnerability_id, owner) (${SCB_METRICS.acceptedRiskExpiry}{${scb}}) - time()\n) < ${ACCEPTED_RISK_WARNING_DAYS * 86_400} > 0`,
      labels: labels('warning'),
      annotations: {
        summary: 'Accepted risk {{ $labels.vulnerability_id }} expires in {{ $value | humanizeDuration }}',
        description: `{{ $labels.owner }} accepted {{ $labels.vulnerability_id }} in ${customer.sourceFile} (vulnerabilities.acceptedRisks); the acceptance lapses in {{ $value | humanizeDuration }}, and from then on the release job, admission, the deploy gate and these alerts refuse images that still carry it. Rebuild on a fixed base, or renew the entry with a new expires date and a reason.`,
      },
    },
    {
      alert: 'SupplyChainAllowlistReviewOverdue',
      expr: `${SCB_METRICS.allowlistReviewDue}{${scb}} <= time()`,
      labels: labels('warning'),
      annotations: {
        summary: 'Allowlist entry for {{ $labels.image }} is overdue for review',
        description: `{{ $labels.owner }} was due to review the allowlist entry for {{ $labels.image }} on {{ $value | humanizeTimestamp }}. ${customer.admission.allowlistGraceDays} days after that date (admission.allowlistGraceDays) the cluster stops exempting it: a new workload, bare pod or image change with that image is refused (pods that controllers recreate keep running). Review it and update lastReviewed in ${customer.sourceFile}, or remove the entry.`,
      },
    },
    {
      alert: 'SupplyChainAdmissionDenied',
      expr: `sum by (resource_namespace) (increase(${KYVERNO_METRICS.admissionRequests}{request_allowed="false", ${namespaces}}[${ADMISSION_WINDOW}])) > 0`,
      labels: labels('warning'),
      annotations: {
        summary: 'Kyverno denied admission requests in {{ $labels.resource_namespace }}',
        description: `{{ $value | humanize }} requests were denied in {{ $labels.resource_namespace }} in the last ${ADMISSION_WINDOW}. The metric does not name the policy: any Kyverno policy may be the cause; see the PolicyReports and the SupplyChainImageVerificationFailed alert.`,
      },
    },
    {
      alert: 'SupplyChainUnverifiedRunningImage',
      // From what runs: the rescanner verifies each production digest against the customer's
      // identity every run, so neither background rescans nor UPDATEs nor pods without customer
      // images skew it, and it does not drift as Kyverno's counters age.
      expr: `max by (${joinLabels}) (${SCB_METRICS.imageSignatureVerified}{${scb}} == 0)\nunless on (${joinLabels})\n(${SCB_METRICS.imageAllowlisted}{${scb}} == 1)\nand on (${joinLabels})\n${runningInProduction}`,
      for: '1h',
      // Once enforcing, an unsigned image in production got past admission: that wakes someone.
      labels: labels(enforcement.mode === 'enforce' ? 'critical' : 'warning'),
      annotations: {
        summary: "Running image {{ $labels.image }} is not signed by the customer's release workflow",
        description: `The rescanner could not verify the signature of {{ $labels.image }}@{{ $labels.digest }}, running in a production namespace, against the customer's identity. It was admitted before the policies, during a webhook outage (failurePolicy Ignore) or in audit mode${enforcement.mode === 'audit' ? ` (the policies enforce from ${enforcement.flipDate})` : ''}. Replace it with a signed digest, or allowlist it with an owner and a reason.`,
      },
    },
    {
      alert: 'SupplyChainRescannerNotSucceeding',
      expr: `time() - max by (cluster, customer) (${SCB_METRICS.rescanLastSuccess}{${scb}}) > ${2 * interval}`,
      labels: labels('critical'),
      annotations: {
        summary: 'The supply-chain rescanner has not succeeded in two intervals',
        description: `The last successful rescan was {{ $value | humanizeDuration }} ago; the schedule "${customer.scan.rescanSchedule}" runs at least every ${promDuration(interval)}. Vulnerability and staleness alerts are stale until it runs again. Check the CronJob scb-rescanner in supply-chain-monitoring.`,
      },
    },
    {
      alert: 'SupplyChainRescannerMetricsMissing',
      expr: `absent(${SCB_METRICS.rescanLastSuccess}{${scb}})`,
      for: promDuration(2 * interval),
      labels: labels('critical'),
      annotations: {
        summary: 'The supply-chain rescanner has never pushed a successful run',
        description: `No ${SCB_METRICS.rescanLastSuccess} series for this cluster for ${promDuration(2 * interval)}. Check the CronJob scb-rescanner, the Pushgateway URL (${customer.monitoring.pushgatewayUrl}) and that Prometheus scrapes the Pushgateway with honorLabels.`,
      },
    },
  ];
  const unsigned = failures([signature], 'admission_request', ADMISSION_WINDOW, 'enforce');
  if (unsigned !== undefined) {
    rules.push({
      alert: 'SupplyChainSignatureVerificationFailed',
      // Rule 1 alone (its own series on every engine), fail and error, the first refusal since Kyverno started included.
      expr: unsigned,
      labels: labels('critical'),
      annotations: {
        summary: 'Kyverno refused pods whose images are not signed by the release workflow ({{ $labels.policy_name }})',
        description: `{{ $value | humanize }} admission checks of rule 1 (signature) failed or could not complete in the last ${ADMISSION_WINDOW} under ${signature.title}; those pods were not admitted. ${signatureHint}. Someone tried to run an image the customer's release workflow did not sign: find the workload in the PolicyReports or Kyverno's events, and check the registry credentials if the result is error.`,
      },
    });
  }
  const refused = failures([verify, allowed], 'admission_request', ADMISSION_WINDOW, 'enforce');
  if (refused !== undefined) {
    rules.push({
      alert: 'SupplyChainImageVerificationFailed',
      expr: refused,
      labels: labels('critical'),
      annotations: {
        summary: 'Kyverno refused images under policy {{ $labels.policy_name }} ({{ $labels.check }})',
        description: `{{ $value | humanize }} admission checks failed or could not complete in the last ${ADMISSION_WINDOW} under {{ $labels.policy_name }}; those pods were not admitted. ${policyHints}`,
      },
    });
  }
  if (gate.kind !== 'always') {
    const audited = required(failures([signature, verify, allowed], 'admission_request', '1h', 'audit'), 'audit');
    rules.push({
      alert: 'SupplyChainAuditModeVerificationFailures',
      // Only while soft: after the flip the enforce twins refuse, and their own alert fires.
      expr: gate.kind === 'from' ? `${audited}\nand on () (vector(time()) < ${flipEpoch})` : audited,
      labels: labels('warning'),
      annotations: {
        summary: `Images that would be refused after the flip on ${enforcement.flipDate} (policy {{ $labels.policy_name }}, {{ $labels.check }})`,
        description: `{{ $value | humanize }} admission checks failed or could not complete in the last hour under {{ $labels.policy_name }} (never blocking). ${gate.kind === 'from' ? `The cluster enforces by itself from ${flipInstant(enforcement)}` : 'Enforcement is overridden to audit'}: fix these images before then, or they will be refused. ${policyHints}`,
      },
    });
  }
  if (gate.kind === 'from') {
    const warnWindow = `and on () (vector(time()) >= ${warnEpoch})\nand on () (vector(time()) < ${flipEpoch})`;
    rules.push({
      alert: 'SupplyChainFlipApproaching',
      // Per workload, from the PolicyReports the rescanner reads (scb flip-check's judgement).
      expr: `max by (cluster, customer, namespace, kind, workload, policy, result) (${SCB_METRICS.admissionWouldRefuse}{${scb}, namespace=~${production}} > 0)\n${warnWindow}`,
      labels: labels('warning'),
      annotations: {
        summary: `The flip on ${enforcement.flipDate} would refuse {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.workload }} ({{ $labels.policy }}: {{ $labels.result }})`,
        description: `From ${flipInstant(enforcement)} the cluster enforces by itself. Kyverno's PolicyReports hold {{ $value }} {{ $labels.result }} result(s) of {{ $labels.policy }} for {{ $labels.kind }} {{ $labels.workload }} in {{ $labels.namespace }}: it would be refused (fail: a check failed; error: a check could not complete, e.g. no registry credentials). \`scb flip-check --customer ${customer.name}\` prints the messages. Fix the workload, or set enforcement.mode: audit in ${customer.sourceFile}. ${policyHints}`,
      },
    });
    rules.push({
      alert: 'SupplyChainFlipApproaching',
      // Fallback while the rescanner cannot read the reports: Kyverno's counters (no workload names).
      expr: `(\n${wouldRefuse.replace(/^/gm, '  ')}\n) > 0\nunless on () (${SCB_METRICS.admissionReportsRead}{${scb}} == 1)\n${warnWindow}`,
      labels: labels('warning'),
      annotations: {
        summary: `The flip on ${enforcement.flipDate} would refuse {{ $labels.resource_kind }} workloads in {{ $labels.resource_namespace }} ({{ $labels.policy_name }})`,
        description: `From ${flipInstant(enforcement)} the cluster enforces by itself. In the last ${BACKGROUND_WINDOW}, {{ $value | humanize }} checks of {{ $labels.resource_kind }} objects in {{ $labels.resource_namespace }} failed or could not complete under {{ $labels.policy_name }}; they would be refused. The rescanner could not read the PolicyReports (scb_admission_reports_read is not 1: check its ClusterRole and log), so no workload is named: run \`scb flip-check --customer ${customer.name}\` for the names, and fix them or set enforcement.mode: audit in ${customer.sourceFile}. ${policyHints}`,
      },
    });
  }
  if (gate.kind === 'none') {
    rules.push({
      alert: 'SupplyChainStillSoftAfterFlip',
      expr: `vector(1) and on () (vector(time()) >= ${flipEpoch})`,
      labels: labels('warning'),
      annotations: {
        summary: `Admission is still soft after its flip date ${enforcement.flipDate} (enforcement.mode: audit)`,
        description: `The soft period of ${customer.name} ended on ${enforcement.flipDate}, but enforcement.mode: audit in ${customer.sourceFile} keeps every policy in audit: unsigned and unverified images are admitted. Fix what scb flip-check lists, then remove the override.`,
      },
    });
  }
  if (customer.monitoring.falco) {
    const falcoSelector = `rule=${quote(FALCO_DRIFT_RULE)}, k8s_ns_name=~${quote(namespaceRegex(customer.admission.namespaces))}`;
    rules.push({
      alert: 'SupplyChainDriftNewBinaryExecuted',
      // Both falcosidekick names (2.30.0 renamed the counter); `or` keeps one when both exist.
      expr: `sum by (k8s_ns_name, k8s_pod_name) (\n  increase(${FALCO_METRICS.events}{${falcoSelector}}[${ADMISSION_WINDOW}])\n  or\n  increase(${FALCO_METRICS.legacyEvents}{${falcoSelector}}[${ADMISSION_WINDOW}])\n) > 0`,
      labels: labels('critical'),
      annotations: {
        summary: 'A container in {{ $labels.k8s_ns_name }}/{{ $labels.k8s_pod_name }} executed a binary that was not in its image',
        description: `Falco's rule "${FALCO_DRIFT_RULE}" fired: the running container no longer matches its signed image. Investigate the pod, then replace it from the signed digest.`,
      },
    });
  }
  return [{ name: `supply-chain-bundle.${customer.name}`, rules }];
}

export interface SupplyChainAlertsProps {
  /** The customer whose policies, metrics and thresholds the rules watch. */
  readonly customer: MonitoredCustomer;
  /** The enforcement state at the injected clock; the audit-mode alert names the flip date. */
  readonly enforcement: EnforcementState;
}

/** The PrometheusRule object; kube-prometheus-stack loads it only with its `release` label. */
export class SupplyChainAlerts extends Construct {
  readonly groups: readonly AlertRuleGroup[];

  constructor(scope: Construct, id: string, props: SupplyChainAlertsProps) {
    super(scope, id);
    this.groups = alertRuleGroups(props.customer, props.enforcement);
    new PrometheusRule(this, 'Resource', {
      metadata: {
        name: customerObjectName(props.customer.name, 'supply-chain'),
        labels: { release: props.customer.monitoring.prometheusReleaseLabel, ...PART_OF_LABELS },
      },
      spec: {
        groups: this.groups.map((group) => ({
          name: group.name,
          rules: group.rules.map((rule) => ({ ...rule, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr) })),
        })),
      },
    });
  }
}
