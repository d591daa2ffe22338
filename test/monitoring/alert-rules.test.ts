import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { enforcementState } from '../../src/model/enforcement';
import { SupplyChainAlerts, alertRuleGroups } from '../../src/monitoring/alert-rules';
import { KNOWN_METRICS } from '../../src/monitoring/metrics';
import { parsedCustomer } from '../support/monitoring-customer';
import { promtool, writeRuleFile } from '../support/promtool';

// Soft period at this clock: onboarded 2026-09-01, 30 soft days → enforces from 2026-10-01.
const AT = new Date('2026-09-10T00:00:00Z');
const customer = parsedCustomer({
  staleness: { maxImageAgeDays: 1 },
  scan: { rescanSchedule: '0 * * * *' },
  monitoring: { falco: true, pushgatewayUrl: 'http://pushgateway.observability.svc:9091' },
});
const enforcement = enforcementState(customer, AT);

/** Labels every rescanner series carries once Prometheus scrapes the Pushgateway with honorLabels. */
const RESCANNER = 'job="supply_chain_rescanner", cluster="example", customer="example"';
const ALERT_LABELS = { cluster: 'example', customer: 'example' };
const IMAGE = 'ghcr.io/example-org/shop';

interface AlertCase {
  /** Alert under test. */
  readonly alert: string;
  /** What the synthetic series represent. */
  readonly name: string;
  readonly interval?: string;
  readonly series: Record<string, string>;
  readonly evalTime: string;
  /** Expected alerts; empty means "must not fire". */
  readonly expected: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const CASES: AlertCase[] = [
  {
    alert: 'SupplyChainVulnerableRunningImage',
    name: 'a CRITICAL finding in a digest that runs pages',
    series: {
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0001", severity="CRITICAL", package="openssl", fixed="3.0.15"}`]: '1x15',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", namespace="production-a", workload="shop", container="app"}`]: '1x15',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'page', vulnerability_severity: 'CRITICAL', image: IMAGE, digest: 'sha256:aa', vulnerability_id: 'CVE-2026-0001', package: 'openssl', fixed: '3.0.15' },
        annotations: {
          summary: `CRITICAL CVE-2026-0001 in running image ${IMAGE}`,
          description: `Package openssl in ${IMAGE}@sha256:aa has CVE-2026-0001 (CRITICAL); fixed in "3.0.15". Rebuild and redeploy the image.`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainVulnerableRunningImage',
    name: 'a finding in a digest that no longer runs, and a MEDIUM one that runs, stay quiet',
    series: {
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:old", vulnerability_id="CVE-2026-0001", severity="CRITICAL", package="openssl", fixed="3.0.15"}`]: '1x15',
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0002", severity="MEDIUM", package="zlib", fixed=""}`]: '1x15',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", namespace="production-a", workload="shop", container="app"}`]: '1x15',
    },
    evalTime: '10m',
    expected: [],
  },
  {
    alert: 'SupplyChainStaleImage',
    name: 'an image built more than a day ago (limit 1 day) that is not allowlisted',
    series: { [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '100000+0x3300' },
    evalTime: '54h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', job: 'supply_chain_rescanner', image: IMAGE, digest: 'sha256:bb' },
        annotations: {
          summary: `Running image ${IMAGE} is older than 1 days`,
          description: `${IMAGE}@sha256:bb was built 1d 2h 13m 20s ago (limit 1 days, staleness.maxImageAgeDays) and is not on the allowlist. Rebuild it, or allowlist the digest with an owner and a reason.`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainStaleImage',
    name: 'the same old image, allowlisted; and a reproducible build stamped 1970',
    series: {
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '100000+0x3300',
      [`scb_image_allowlisted{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '1+0x3300',
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:repro"}`]: '0+0x3300',
    },
    evalTime: '54h',
    expected: [],
  },
  {
    alert: 'SupplyChainAllowlistReviewOverdue',
    name: 'a review date in the past',
    series: { [`scb_allowlist_review_due_timestamp_seconds{${RESCANNER}, image="docker.io/library/redis@sha256:cc", owner="sre"}`]: '300x20' },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', job: 'supply_chain_rescanner', image: 'docker.io/library/redis@sha256:cc', owner: 'sre' },
        annotations: {
          summary: 'Allowlist entry for docker.io/library/redis@sha256:cc is overdue for review',
          description:
            'sre was due to review the allowlist entry for docker.io/library/redis@sha256:cc on 1970-01-01 00:05:00 +0000 UTC. Review it and update lastReviewed in stacks/Pulumi.example.yaml, or remove the entry.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainAllowlistReviewOverdue',
    name: 'a review date in the future',
    series: { [`scb_allowlist_review_due_timestamp_seconds{${RESCANNER}, image="docker.io/library/redis@sha256:cc", owner="sre"}`]: '100000x20' },
    evalTime: '10m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: 'ImageValidatingPolicy refusals in enforce mode',
    series: {
      'kyverno_image_validating_policy_results_total{policy_name="scb-example-signed-images", result="fail", policy_validation_mode="enforce", execution_cause="admission_request"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical', policy_name: 'scb-example-signed-images' },
        annotations: {
          summary: 'Kyverno refused unverified images under policy scb-example-signed-images',
          description:
            "10 image verifications failed in the last 10m under scb-example-signed-images; those pods were not admitted. Check that the image was released by the customer's workflow and is referenced by digest.",
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: 'ClusterPolicy verifyImages refusals in enforce mode',
    series: {
      'kyverno_policy_results_total{policy_name="scb-example-signed-images", rule_name="verify-signature", rule_result="fail", rule_type="imageVerify", policy_validation_mode="enforce", rule_execution_cause="admission_request", resource_namespace="production-a"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical', policy_name: 'scb-example-signed-images' },
        annotations: {
          summary: 'Kyverno refused unverified images under policy scb-example-signed-images',
          description:
            "10 image verifications failed in the last 10m under scb-example-signed-images; those pods were not admitted. Check that the image was released by the customer's workflow and is referenced by digest.",
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: "passes of our policy, and failures of another team's policy, stay quiet",
    series: {
      'kyverno_image_validating_policy_results_total{policy_name="scb-example-signed-images", result="pass", policy_validation_mode="enforce", execution_cause="admission_request"}': '0+1x20',
      'kyverno_image_validating_policy_results_total{policy_name="team-b-signatures", result="fail", policy_validation_mode="enforce", execution_cause="admission_request"}': '0+1x20',
      'kyverno_policy_results_total{policy_name="scb-example-signed-images", rule_name="check-labels", rule_result="fail", rule_type="validate", policy_validation_mode="enforce", rule_execution_cause="admission_request", resource_namespace="production-a"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainAdmissionDenied',
    name: 'denials in a production namespace',
    series: {
      'kyverno_admission_requests_total{request_allowed="false", resource_namespace="production-a", resource_kind="Pod", request_operation="CREATE"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', resource_namespace: 'production-a' },
        annotations: {
          summary: 'Kyverno denied admission requests in production-a',
          description:
            '10 requests were denied in production-a in the last 10m. The metric does not name the policy: any Kyverno policy may be the cause; see the PolicyReports and the SupplyChainImageVerificationFailed alert.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainAdmissionDenied',
    name: 'denials outside the production namespaces, and allowed requests, stay quiet',
    series: {
      'kyverno_admission_requests_total{request_allowed="false", resource_namespace="dev", resource_kind="Pod", request_operation="CREATE"}': '0+1x20',
      'kyverno_admission_requests_total{request_allowed="true", resource_namespace="production-a", resource_kind="Pod", request_operation="CREATE"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'audit-mode failures during the soft period',
    series: {
      'kyverno_policy_results_total{policy_name="scb-example-signed-images", rule_name="verify-signature", rule_result="fail", rule_type="imageVerify", policy_validation_mode="audit", rule_execution_cause="admission_request", resource_namespace="production-a"}': '0+1x70',
    },
    evalTime: '65m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', policy_name: 'scb-example-signed-images' },
        annotations: {
          summary: 'Images that would be refused after the flip on 2026-10-01 (policy scb-example-signed-images)',
          description:
            '60 image verifications failed in audit mode in the last hour. The policies enforce from 2026-10-01: release these images through the signing workflow before then, or the flip will refuse them.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'audit-mode passes stay quiet',
    series: {
      'kyverno_image_validating_policy_results_total{policy_name="scb-example-signed-images", result="pass", policy_validation_mode="audit", execution_cause="admission_request"}': '0+1x70',
    },
    evalTime: '65m',
    expected: [],
  },
  {
    alert: 'SupplyChainUnverifiedRunningImage',
    name: "a background scan finds a running pod whose image fails the signature policy",
    series: {
      'kyverno_image_validating_policy_results_total{policy_name="scb-example-signed-images", result="fail", policy_validation_mode="audit", execution_cause="background_scan"}': '0+1x30',
    },
    evalTime: '20m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', policy_name: 'scb-example-signed-images' },
        annotations: {
          summary: 'Running pods with images not verified under scb-example-signed-images',
          description:
            "Kyverno's background scan found running pods whose images did not pass scb-example-signed-images in the last 2h: they were admitted before the policy, during a webhook outage (failurePolicy Ignore) or in audit mode, and do not run a digest signed by the release workflow. See the PolicyReports in the production namespaces.",
        },
      },
    ],
  },
  {
    alert: 'SupplyChainUnverifiedRunningImage',
    name: 'background passes and admission-time failures stay quiet',
    series: {
      'kyverno_policy_results_total{policy_name="scb-example-signed-images", rule_name="verify-signature", rule_result="pass", rule_type="imageVerify", policy_validation_mode="enforce", rule_execution_cause="background_scan", resource_namespace="production-a"}': '0+1x30',
      'kyverno_image_validating_policy_results_total{policy_name="scb-example-signed-images", result="fail", policy_validation_mode="enforce", execution_cause="admission_request"}': '0+1x30',
    },
    evalTime: '20m',
    expected: [],
  },
  {
    alert: 'SupplyChainRescannerNotSucceeding',
    name: 'the last success is three hours old on an hourly schedule',
    series: { [`scb_rescan_last_success_timestamp_seconds{${RESCANNER}}`]: '0x200' },
    evalTime: '3h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical' },
        annotations: {
          summary: 'The supply-chain rescanner has not succeeded in two intervals',
          description:
            'The last successful rescan was 3h 0m 0s ago; the schedule "0 * * * *" runs at least every 1h. Vulnerability and staleness alerts are stale until it runs again. Check the CronJob scb-rescanner in supply-chain-monitoring.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainRescannerNotSucceeding',
    name: 'a success every minute',
    series: { [`scb_rescan_last_success_timestamp_seconds{${RESCANNER}}`]: '0+60x200' },
    evalTime: '3h',
    expected: [],
  },
  {
    alert: 'SupplyChainRescannerMetricsMissing',
    name: 'no success series of this cluster for two intervals (another cluster\'s does not count)',
    series: {
      [`scb_rescan_last_run_timestamp_seconds{${RESCANNER}}`]: '0+60x200',
      'scb_rescan_last_success_timestamp_seconds{job="supply_chain_rescanner", cluster="other", customer="example"}': '0+60x200',
    },
    evalTime: '2h5m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical' },
        annotations: {
          summary: 'The supply-chain rescanner has never pushed a successful run',
          description:
            'No scb_rescan_last_success_timestamp_seconds series for this cluster for 2h. Check the CronJob scb-rescanner, the Pushgateway URL (http://pushgateway.observability.svc:9091) and that Prometheus scrapes the Pushgateway with honorLabels.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainRescannerMetricsMissing',
    name: 'our success series is present',
    series: { [`scb_rescan_last_success_timestamp_seconds{${RESCANNER}}`]: '0+60x200' },
    evalTime: '2h5m',
    expected: [],
  },
  {
    alert: 'SupplyChainDriftNewBinaryExecuted',
    name: "Falco's drift rule fires in a production namespace",
    series: {
      'falco_events{rule="Drop and execute new binary in container", priority="Critical", source="syscall", k8s_ns_name="production-a", k8s_pod_name="shop-1"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical', k8s_ns_name: 'production-a', k8s_pod_name: 'shop-1' },
        annotations: {
          summary: 'A container in production-a/shop-1 executed a binary that was not in its image',
          description:
            'Falco\'s rule "Drop and execute new binary in container" fired: the running container no longer matches its signed image. Investigate the pod, then replace it from the signed digest.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainDriftNewBinaryExecuted',
    name: 'the same rule outside production, and another Falco rule, stay quiet',
    series: {
      'falco_events{rule="Drop and execute new binary in container", priority="Critical", source="syscall", k8s_ns_name="ci", k8s_pod_name="runner-1"}': '0+1x20',
      'falco_events{rule="Terminal shell in container", priority="Notice", source="syscall", k8s_ns_name="production-a", k8s_pod_name="shop-1"}': '0+1x20',
    },
    evalTime: '15m',
    expected: [],
  },
];

function promtoolTests(cases: readonly AlertCase[]) {
  return cases.map((entry) => ({
    name: `${entry.alert}: ${entry.name}`,
    interval: entry.interval ?? '1m',
    input_series: Object.entries(entry.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: [
      {
        eval_time: entry.evalTime,
        alertname: entry.alert,
        exp_alerts: entry.expected.map((alert) => ({ exp_labels: alert.labels, exp_annotations: alert.annotations })),
      },
    ],
  }));
}

function synthesizedRule(): Record<string, any> {
  const chart = new Chart(Testing.app(), 'test');
  new SupplyChainAlerts(chart, 'alerts', { customer, enforcement });
  const [rule] = chart.toJson();
  return rule;
}

/** The model classes ship as ES modules only; a CommonJS test loads them through a real dynamic import. */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

describe('monitoring alert rules', () => {
  it('are a valid monitoring.coreos.com/v1 PrometheusRule carrying the kube-prometheus-stack release label', async () => {
    const { PrometheusRule } = await importEsm('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1');
    const rule = synthesizedRule();
    assert.doesNotThrow(() => new PrometheusRule(rule as never).validate());
    assert.equal(rule.metadata.labels.release, 'kube-prometheus-stack');
    const invalid = { ...rule, spec: { groups: [{ name: 'x', rules: [{ alert: 'A' }] }] } };
    assert.throws(() => new PrometheusRule(invalid as never).validate(), 'the validator rejects a rule without expr');
  });

  it('pass `promtool check rules`', () => {
    const { dir, file } = writeRuleFile(synthesizedRule().spec.groups);
    const result = promtool(['check', 'rules', file], dir);
    assert.equal(result.status, 0, result.output);
  });

  it('read only metrics the bundle or Kyverno or Falco produce', () => {
    for (const rule of alertRuleGroups(customer, enforcement).flatMap((group) => group.rules)) {
      const names = rule.expr.match(/\b(scb|kyverno|falco)_[a-z_]+/g) ?? [];
      assert.ok(names.length > 0, `${rule.alert} reads no known metric`);
      for (const name of names) assert.ok(KNOWN_METRICS.has(name), `${rule.alert} reads unknown metric ${name}`);
    }
  });

  it('each fire on synthetic series and stay quiet on near misses (`promtool test rules`)', () => {
    const alerts = alertRuleGroups(customer, enforcement).flatMap((group) => group.rules.map((rule) => rule.alert));
    for (const alert of alerts) {
      assert.ok(CASES.some((entry) => entry.alert === alert && entry.expected.length > 0), `${alert} has no case that fires`);
      assert.ok(CASES.some((entry) => entry.alert === alert && entry.expected.length === 0), `${alert} has no case that stays quiet`);
    }
    const { dir, file } = writeRuleFile(synthesizedRule().spec.groups);
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests: promtoolTests(CASES) }));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    assert.equal(result.status, 0, result.output);
  });

  it('a quiet case can fail: promtool reports an alert that fires when none was expected', () => {
    const [firing] = CASES;
    const { dir, file } = writeRuleFile(synthesizedRule().spec.groups);
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests: promtoolTests([{ ...firing, expected: [] }]) }));
    assert.notEqual(promtool(['test', 'rules', 'tests.yaml'], dir).status, 0);
  });

  it('derive the dead man\'s switch from the schedule and add the Falco alert only on request', () => {
    const daily = parsedCustomer({ scan: { rescanSchedule: '30 2 * * *' } });
    const rules = alertRuleGroups(daily, enforcementState(daily, AT))[0].rules;
    assert.match(rules.find((rule) => rule.alert === 'SupplyChainRescannerNotSucceeding')!.expr, /> 172800$/);
    assert.equal(rules.find((rule) => rule.alert === 'SupplyChainRescannerMetricsMissing')!.for, '48h');
    assert.equal(rules.some((rule) => rule.alert === 'SupplyChainDriftNewBinaryExecuted'), false);
  });

  it('tell an enforcing customer that audit-mode failures mean a stale policy, not an upcoming flip', () => {
    const late = new Date('2026-11-01T00:00:00Z');
    const rule = alertRuleGroups(customer, enforcementState(customer, late))[0].rules.find((entry) => entry.alert === 'SupplyChainAuditModeVerificationFailures')!;
    assert.match(rule.annotations.description, /should enforce \(since 2026-10-01\)/);
  });
});
