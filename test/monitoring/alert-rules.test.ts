import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { enforcementState } from '../../src/model/enforcement';
import { SupplyChainAlerts, alertRuleGroups } from '../../src/monitoring/alert-rules';
import { KNOWN_METRICS } from '../../src/monitoring/metrics';
import { KYVERNO_SERIES } from '../support/kyverno-series';
import { parsedCustomer } from '../support/monitoring-customer';
import { promtool, writeRuleFile } from '../support/promtool';

// Soft period at this clock: onboarded 2026-09-01, 30 soft days → enforces from 2026-10-01.
const AT = new Date('2026-09-10T00:00:00Z');
const LATE = new Date('2026-11-01T00:00:00Z');
const MONITORED = {
  staleness: { maxImageAgeDays: 1 },
  scan: { rescanSchedule: '0 * * * *' },
  monitoring: { falco: true, pushgatewayUrl: 'http://pushgateway.observability.svc:9091' },
};
const customer = parsedCustomer(MONITORED);
const enforcement = enforcementState(customer, AT);
const legacy = parsedCustomer({ ...MONITORED, admission: { engine: 'ClusterPolicy' } });

/**
 * The rules are rendered for one engine and the mode in force at the clock, so each case names
 * the rendering it runs against. Default: ImageValidatingPolicy in the soft period.
 */
/** promtool starts its clock at 1970-01-01: a customer onboarded then flips at 1 day (86400 s) and warns from 0. */
const EPOCH = parsedCustomer({ ...MONITORED, enforcement: { onboardedAt: '1970-01-01', softDays: 1, warnDaysBeforeFlip: 1 } });
const EPOCH_AUDIT = parsedCustomer({ ...MONITORED, enforcement: { onboardedAt: '1970-01-01', softDays: 1, mode: 'audit' } });
const SCENARIOS = {
  'ivp-audit': { customer, enforcement },
  'ivp-enforce': { customer, enforcement: enforcementState(customer, LATE) },
  'cpol-audit': { customer: legacy, enforcement: enforcementState(legacy, AT) },
  'cpol-enforce': { customer: legacy, enforcement: enforcementState(legacy, LATE) },
  'epoch-flip': { customer: EPOCH, enforcement: enforcementState(EPOCH, new Date(0)) },
  'epoch-override': { customer: EPOCH_AUDIT, enforcement: enforcementState(EPOCH_AUDIT, new Date(0)) },
} as const;
type Scenario = keyof typeof SCENARIOS;

const K = KYVERNO_SERIES;
const SIGNATURE_HINT = {
  ivp: "scb-example-verify-signature (rule 1): the image is not signed by the customer's release workflow on its branch (fail), or its signature could not be fetched (error: registry credentials or outage)",
  cpol: "scb-example-verify-images rule verify-signature (rule 1): the image is not signed by the customer's release workflow on its branch (fail), or its signature could not be fetched (error: registry credentials or outage)",
};
const hints = (engine: 'ivp' | 'cpol') =>
  `${SIGNATURE_HINT[engine]}; ${engine === 'ivp' ? 'scb-example-verify-images' : 'scb-example-verify-images (its other rules)'} (rules 2-3): the SBOM or vulnerability-scan attestation is missing, not by the customer's workflow, or fails the vulnerability rule; scb-example-allowed-images (rule 4): the image is neither the customer's own nor allowlisted.`;
const HINTS = hints('ivp');
const refused = (policy: string, check: string, count: number, engine: 'ivp' | 'cpol' = 'ivp') => ({
  labels: { ...ALERT_LABELS, severity: 'critical', policy_name: policy, check },
  annotations: {
    summary: `Kyverno refused images under policy ${policy} (${check})`,
    description: `${count} admission checks failed or could not complete in the last 10m under ${policy}; those pods were not admitted. ${hints(engine)}`,
  },
});
const unsigned = (policy: string, count: number, engine: 'ivp' | 'cpol' = 'ivp') => ({
  labels: { ...ALERT_LABELS, severity: 'critical', policy_name: policy, check: 'signature' },
  annotations: {
    summary: `Kyverno refused pods whose images are not signed by the release workflow (${policy})`,
    description: `${count} admission checks of rule 1 (signature) failed or could not complete in the last 10m under ${engine === 'ivp' ? 'scb-example-verify-signature' : 'scb-example-verify-images rule verify-signature'}; those pods were not admitted. ${SIGNATURE_HINT[engine]}. Someone tried to run an image the customer's release workflow did not sign: find the workload in the PolicyReports or Kyverno's events, and check the registry credentials if the result is error.`,
  },
});
const wouldRefuse = (policy: string, check: string, count: number, engine: 'ivp' | 'cpol' = 'ivp') => ({
  labels: { ...ALERT_LABELS, severity: 'warning', policy_name: policy, check },
  annotations: {
    summary: `Images that would be refused after the flip on 2026-10-01 (policy ${policy}, ${check})`,
    description: `${count} admission checks failed or could not complete in the last hour under ${policy} (never blocking). The cluster enforces by itself from 2026-10-01T00:00:00Z: fix these images before then, or they will be refused. ${hints(engine)}`,
  },
});
const unverifiedRunning = (severity: string, digest: string, flip: string) => ({
  labels: { ...ALERT_LABELS, severity, image: IMAGE, digest },
  annotations: {
    summary: `Running image ${IMAGE} is not signed by the customer's release workflow`,
    description: `The rescanner could not verify the signature of ${IMAGE}@${digest}, running in a production namespace, against the customer's identity. It was admitted before the policies, during a webhook outage (failurePolicy Ignore) or in audit mode${flip}. Replace it with a signed digest, or allowlist it with an owner and a reason.`,
  },
});

const WOULD_REFUSE = (namespace: string, kind: string, workload: string, policy: string, result: string) =>
  `scb_admission_would_refuse{${RESCANNER}, namespace="${namespace}", kind="${kind}", workload="${workload}", policy="${policy}", rule="-", result="${result}"}`;
const flipNames = (namespace: string, kind: string, workload: string, policy: string, result: string, count: number) => ({
  labels: { ...ALERT_LABELS, severity: 'warning', namespace, kind, workload, policy, result },
  annotations: {
    summary: `The flip on 1970-01-02 would refuse ${kind} ${namespace}/${workload} (${policy}: ${result})`,
    description: `From 1970-01-02T00:00:00Z the cluster enforces by itself. Kyverno's PolicyReports hold ${count} ${result} result(s) of ${policy} for ${kind} ${workload} in ${namespace}: it would be refused (fail: a check failed; error: a check could not complete, e.g. no registry credentials). \`scb flip-check --customer example\` prints the messages. Fix the workload, or set enforcement.mode: audit in stacks/Pulumi.example.yaml. ${HINTS}`,
  },
});

/** Labels every rescanner series carries once Prometheus scrapes the Pushgateway with honorLabels. */
const RESCANNER = 'job="supply_chain_rescanner", cluster="example", customer="example"';
const ALERT_LABELS = { cluster: 'example', customer: 'example' };
const IMAGE = 'ghcr.io/example-org/shop';
const FIX_HINT =
  'Rebuild and redeploy the image, or record an accepted risk (cve, reason, owner, expires) if it cannot be fixed. The finding holds while scans fail: see SupplyChainImageScanFailing.';
const PROD = (digest: string) => `scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="${digest}", namespace="production-a", workload="shop", container="app"}`;

interface AlertCase {
  /** Alert under test. */
  readonly alert: string;
  /** What the synthetic series represent. */
  readonly name: string;
  /** The rendering the case runs against; default `ivp-audit`. */
  readonly scenario?: Scenario;
  readonly interval?: string;
  readonly series: Record<string, string>;
  readonly evalTime: string;
  /** Expected alerts; empty means "must not fire". */
  readonly expected: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const CASES: AlertCase[] = [
  {
    alert: 'SupplyChainVulnerableRunningImage',
    name: 'a CRITICAL finding in a digest that runs in production pages; a HIGH one is a warning',
    series: {
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0001", severity="CRITICAL", package="openssl", fixed="3.0.15"}`]: '1x15',
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0003", severity="HIGH", package="curl", fixed="8.11.1"}`]: '1x15',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", namespace="production-a", workload="shop", container="app"}`]: '1x15',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical', vulnerability_severity: 'CRITICAL', image: IMAGE, digest: 'sha256:aa', vulnerability_id: 'CVE-2026-0001', package: 'openssl', fixed: '3.0.15' },
        annotations: {
          summary: `CRITICAL CVE-2026-0001 in running image ${IMAGE}`,
          description: `Package openssl in ${IMAGE}@sha256:aa, running in a production namespace, has CVE-2026-0001 (CRITICAL); fixed in "3.0.15". ${FIX_HINT}`,
        },
      },
      {
        labels: { ...ALERT_LABELS, severity: 'critical', vulnerability_severity: 'HIGH', image: IMAGE, digest: 'sha256:aa', vulnerability_id: 'CVE-2026-0003', package: 'curl', fixed: '8.11.1' },
        annotations: {
          summary: `HIGH CVE-2026-0003 in running image ${IMAGE}`,
          description: `Package curl in ${IMAGE}@sha256:aa, running in a production namespace, has CVE-2026-0003 (HIGH); fixed in "8.11.1". ${FIX_HINT}`,
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
    alert: 'SupplyChainVulnerableRunningImage',
    name: 'CRITICAL and HIGH findings in a kube-system image outside the production namespaces stay quiet',
    series: {
      [`scb_image_vulnerability_info{${RESCANNER}, image="registry.k8s.io/kube-proxy", digest="sha256:kp", vulnerability_id="CVE-2026-0004", severity="CRITICAL", package="stdlib", fixed="1.25.4"}`]: '1x15',
      [`scb_image_vulnerability_info{${RESCANNER}, image="registry.k8s.io/kube-proxy", digest="sha256:kp", vulnerability_id="CVE-2026-0005", severity="HIGH", package="stdlib", fixed="1.25.4"}`]: '1x15',
      [`scb_image_workloads{${RESCANNER}, image="registry.k8s.io/kube-proxy", digest="sha256:kp", namespace="kube-system", workload="kube-proxy", container="kube-proxy"}`]: '1x15',
      // A namespace that merely contains the glob's text is not production either (the regex is anchored).
      [`scb_image_workloads{${RESCANNER}, image="registry.k8s.io/kube-proxy", digest="sha256:kp", namespace="pre-production-a", workload="kube-proxy", container="kube-proxy"}`]: '1x15',
    },
    evalTime: '10m',
    expected: [],
  },
  {
    alert: 'SupplyChainVulnerableRunningImage',
    name: 'an accepted risk whose expiry is still ahead stays quiet; one that lapsed pages again',
    series: {
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0001", severity="CRITICAL", package="openssl", fixed=""}`]: '1x15',
      [`scb_image_vulnerability_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0009", severity="CRITICAL", package="glibc", fixed=""}`]: '1x15',
      // Accepted until 100000 s (far ahead of the 10m eval) and until 60 s (lapsed by then).
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0001", owner="team-shop"}`]: '100000x15',
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", vulnerability_id="CVE-2026-0009", owner="team-shop"}`]: '60x15',
      [PROD('sha256:aa')]: '1x15',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'critical', vulnerability_severity: 'CRITICAL', image: IMAGE, digest: 'sha256:aa', vulnerability_id: 'CVE-2026-0009', package: 'glibc' },
        annotations: {
          summary: `CRITICAL CVE-2026-0009 in running image ${IMAGE}`,
          description: `Package glibc in ${IMAGE}@sha256:aa, running in a production namespace, has CVE-2026-0009 (CRITICAL); fixed in "". ${FIX_HINT}`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageScanFailing',
    name: 'a production digest that failed two runs in a row (a registry timeout)',
    series: {
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:aa"}`]: '1x5 2x10',
      [`scb_image_scan_failure_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", reason="timeout", credentials="pull_secret"}`]: '1x15',
      [PROD('sha256:aa')]: '1x15',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', image: IMAGE, digest: 'sha256:aa' },
        annotations: {
          summary: `Running image ${IMAGE} failed to scan 2 runs in a row`,
          description: `The rescanner could not scan ${IMAGE}@sha256:aa (production) in the last 2 runs. Its last known findings are kept and still alert; their age is scb_image_last_scan_timestamp_seconds. See scb_image_scan_failure_info for the reason and the rescanner's log (event scan_failed) for Trivy's error.`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageScanFailing',
    name: 'one failure (a blip), a digest failing outside production, and an unauthorized one (its own alert) stay quiet',
    series: {
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:aa"}`]: '1x15',
      [PROD('sha256:aa')]: '1x15',
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:ks"}`]: '3x15',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:ks", namespace="kube-system", workload="x", container="x"}`]: '1x15',
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:un"}`]: '2x15',
      [`scb_image_scan_failure_info{${RESCANNER}, image="${IMAGE}", digest="sha256:un", reason="unauthorized", credentials="none"}`]: '1x15',
      [PROD('sha256:un')]: '1x15',
    },
    evalTime: '10m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageUnscannableCredentials',
    name: 'a private ECR image refused twice with no credentials names the cause',
    series: {
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments", digest="sha256:ecr"}`]: '2x15',
      [`scb_image_scan_failure_info{${RESCANNER}, image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments", digest="sha256:ecr", reason="unauthorized", credentials="none"}`]: '1x15',
      [`scb_image_workloads{${RESCANNER}, image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments", digest="sha256:ecr", namespace="production-a", workload="Deployment/payments", container="app"}`]: '1x15',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments', digest: 'sha256:ecr', credentials: 'none' },
        annotations: {
          summary: 'The rescanner is not allowed to pull 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments (credentials: none)',
          description:
            'The registry refused the rescanner for 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments@sha256:ecr in two runs in a row; it used credentials "none" (none: no pull secret named by the pods, no registry identity; workload_identity: the cloud role lacks pull rights; pull_secret / registry_secret: the secret is wrong or expired). Give the rescanner an identity in stacks/Pulumi.example.yaml (monitoring.registryIdentity: IRSA, GKE Workload Identity, Azure workload identity or a Secret in its namespace). Until then this image\'s vulnerabilities are unknown.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageUnscannableCredentials',
    name: 'refused only once, or failing for another reason, stays quiet',
    series: {
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:aa"}`]: '1x15',
      [`scb_image_scan_failure_info{${RESCANNER}, image="${IMAGE}", digest="sha256:aa", reason="unauthorized", credentials="none"}`]: '1x15',
      [PROD('sha256:aa')]: '1x15',
      [`scb_image_scan_consecutive_failures{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '4x15',
      [`scb_image_scan_failure_info{${RESCANNER}, image="${IMAGE}", digest="sha256:bb", reason="not_found", credentials="none"}`]: '1x15',
      [PROD('sha256:bb')]: '1x15',
    },
    evalTime: '10m',
    expected: [],
  },
  {
    alert: 'SupplyChainTrivyDbStale',
    name: 'a DB last updated 50 hours before (limit 48h)',
    interval: '1h',
    series: { [`scb_trivy_db_updated_timestamp_seconds{${RESCANNER}}`]: '0x60' },
    evalTime: '50h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning' },
        annotations: {
          summary: 'The Trivy vulnerability DB is older than 48h',
          description:
            "The Trivy server's DB was last updated 2d 2h 0m 0s ago (limit 48h, monitoring.trivyDbMaxAgeHours): CVEs published since are not matched. Check the trivy-server pod's log for DB download errors and its egress to mirror.gcr.io / ghcr.io (NetworkPolicy, DNS, proxy).",
        },
      },
    ],
  },
  {
    alert: 'SupplyChainTrivyDbStale',
    name: 'a DB updated every 6 hours stays quiet',
    interval: '1h',
    series: { [`scb_trivy_db_updated_timestamp_seconds{${RESCANNER}}`]: '0x5 21600x5 43200x5 64800x5 86400x5 108000x5 129600x5 151200x5 172800x5 194400x10' },
    evalTime: '50h',
    expected: [],
  },
  {
    alert: 'SupplyChainTrivyServerDown',
    name: 'two hourly runs in a row found the Trivy server down',
    series: { [`scb_trivy_server_up{${RESCANNER}}`]: '1x30 0x80' },
    evalTime: '95m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning' },
        annotations: {
          summary: 'The Trivy server did not answer the rescanner in two runs',
          description:
            'No image was scanned because trivy-server in supply-chain-monitoring did not answer its health check. Every digest keeps its last known findings (pages hold), but new vulnerabilities are not found. Check the trivy-server Deployment, its PVC and its logs.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainTrivyServerDown',
    name: 'one run that found it down, then up again, stays quiet',
    series: { [`scb_trivy_server_up{${RESCANNER}}`]: '1x30 0x59 1x30' },
    evalTime: '110m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageAgeUnknown',
    name: 'a reproducible build (1970) with no other build time runs in production',
    series: {
      [`scb_image_build_time_source{${RESCANNER}, image="${IMAGE}", digest="sha256:repro", source="first_seen"}`]: '1x90',
      [PROD('sha256:repro').replace('workload="shop"', 'workload="repro"')]: '1x90',
    },
    evalTime: '70m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', image: IMAGE, digest: 'sha256:repro' },
        annotations: {
          summary: `The build time of running image ${IMAGE} is unknown`,
          description: `${IMAGE}@sha256:repro carries no usable build time (a reproducible build's 1970 date, and no signature time, attestation scanFinishedOn, SBOM timestamp or OCI created label), so its age is counted from when the rescanner first saw it. Sign and attest it with the release workflow, or set org.opencontainers.image.created.`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainImageAgeUnknown',
    name: 'a 1970 build whose signature gives the time, an allowlisted one, and one outside production stay quiet',
    series: {
      [`scb_image_build_time_source{${RESCANNER}, image="${IMAGE}", digest="sha256:signed", source="signature"}`]: '1x90',
      [PROD('sha256:signed')]: '1x90',
      [`scb_image_build_time_source{${RESCANNER}, image="${IMAGE}", digest="sha256:pinned", source="first_seen"}`]: '1x90',
      [`scb_image_allowlisted{${RESCANNER}, image="${IMAGE}", digest="sha256:pinned"}`]: '1x90',
      [PROD('sha256:pinned')]: '1x90',
      [`scb_image_build_time_source{${RESCANNER}, image="${IMAGE}", digest="sha256:ks", source="first_seen"}`]: '1x90',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:ks", namespace="kube-system", workload="x", container="x"}`]: '1x90',
    },
    evalTime: '70m',
    expected: [],
  },
  {
    alert: 'SupplyChainStaleImage',
    name: 'an image running in production, built more than a day ago (limit 1 day), not allowlisted',
    series: {
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '100000+0x3300',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:bb", namespace="production-a", workload="shop", container="app"}`]: '1+0x3300',
    },
    evalTime: '54h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', job: 'supply_chain_rescanner', image: IMAGE, digest: 'sha256:bb' },
        annotations: {
          summary: `Running image ${IMAGE} is older than 1 days`,
          description: `${IMAGE}@sha256:bb, running in a production namespace, was built 1d 2h 13m 20s ago (limit 1 days, staleness.maxImageAgeDays) and is not on the allowlist. Rebuild it, or allowlist the digest with an owner and a reason.`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainStaleImage',
    name: 'the same old image allowlisted; a reproducible build stamped 1970; an old upstream image in kube-system',
    series: {
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '100000+0x3300',
      [`scb_image_allowlisted{${RESCANNER}, image="${IMAGE}", digest="sha256:bb"}`]: '1+0x3300',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:bb", namespace="production-a", workload="shop", container="app"}`]: '1+0x3300',
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="${IMAGE}", digest="sha256:repro"}`]: '0+0x3300',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:repro", namespace="production-a", workload="repro", container="app"}`]: '1+0x3300',
      [`scb_image_build_timestamp_seconds{${RESCANNER}, image="registry.k8s.io/coredns/coredns", digest="sha256:dns"}`]: '100000+0x3300',
      [`scb_image_workloads{${RESCANNER}, image="registry.k8s.io/coredns/coredns", digest="sha256:dns", namespace="kube-system", workload="coredns", container="coredns"}`]: '1+0x3300',
    },
    evalTime: '54h',
    expected: [],
  },
  {
    alert: 'SupplyChainAcceptedRiskExpiring',
    name: 'an acceptance that lapses in a day warns its owner; one in 30 days and an expired one do not',
    series: {
      // time() is 600 at 10m: expiry at 600 + 1 day, at 600 + 30 days, and already past.
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="ghcr.io/example-org/shop", digest="sha256:aa", vulnerability_id="CVE-2019-18224", owner="platform"}`]: '87000x20',
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="ghcr.io/example-org/shop", digest="sha256:aa", vulnerability_id="CVE-2026-0002", owner="platform"}`]: '2592600x20',
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="ghcr.io/example-org/shop", digest="sha256:aa", vulnerability_id="CVE-2026-0003", owner="platform"}`]: '300x20',
    },
    evalTime: '10m',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', vulnerability_id: 'CVE-2019-18224', owner: 'platform' },
        annotations: {
          summary: 'Accepted risk CVE-2019-18224 expires in 1d 0h 0m 0s',
          description:
            'platform accepted CVE-2019-18224 in stacks/Pulumi.example.yaml (vulnerabilities.acceptedRisks); the acceptance lapses in 1d 0h 0m 0s, and from then on the release job, admission, the deploy gate and these alerts refuse images that still carry it. Rebuild on a fixed base, or renew the entry with a new expires date and a reason.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainAcceptedRiskExpiring',
    name: 'acceptances 15 days away and already lapsed stay quiet',
    series: {
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="ghcr.io/example-org/shop", digest="sha256:aa", vulnerability_id="CVE-2019-18224", owner="platform"}`]: '1296600x20',
      [`scb_accepted_risk_expiry_timestamp_seconds{${RESCANNER}, image="ghcr.io/example-org/shop", digest="sha256:aa", vulnerability_id="CVE-2026-0003", owner="platform"}`]: '600x20',
    },
    evalTime: '10m',
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
            'sre was due to review the allowlist entry for docker.io/library/redis@sha256:cc on 1970-01-01 00:05:00 +0000 UTC. 14 days after that date (admission.allowlistGraceDays) the cluster stops exempting it: a new workload, bare pod or image change with that image is refused (pods that controllers recreate keep running). Review it and update lastReviewed in stacks/Pulumi.example.yaml, or remove the entry.',
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
    name: 'enforce twins of the ImageValidatingPolicy and ValidatingPolicy (rule 4) refuse; an error (a private image without credentials) is a refusal too',
    scenario: 'ivp-enforce',
    series: { [K.ivpDenyFail]: '0+1x20', [K.ivpDenyError]: '0+1x20', [K.vpolDenyFail]: '0+2x20' },
    evalTime: '15m',
    expected: [refused('scb-example-allowed-images', 'allowed', 20), refused('scb-example-verify-images', 'attestations', 20)],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: 'a signature refusal is not counted here (it has its own alert)',
    scenario: 'ivp-enforce',
    series: { [K.ivpSignatureDenyFail]: '0+1x20', [K.ivpSignatureDenyError]: '0+1x20' },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: "Audit-mode failures, passes, another team's policy, customer example-eu and background failures stay quiet",
    scenario: 'ivp-enforce',
    series: {
      [K.ivpAuditFail]: '0+1x20',
      [K.vpolAuditFail]: '0+1x20',
      [K.ivpDenyPass]: '0+1x20',
      [K.otherTeamDenyFail]: '0+1x20',
      [K.otherCustomerDenyFail]: '0+1x20',
      [K.vpolBackgroundFail]: '0+1x20',
    },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: 'ClusterPolicy refusals after the flip: verifyImages (labelled "audit" by Kyverno) and the rule-4 validate rule',
    scenario: 'cpol-enforce',
    series: { [K.cpolSbomFail]: '0+1x20', [K.cpolVerifyFail]: '0+1x20', [K.cpolAllowedEnforceFail]: '0+1x20' },
    evalTime: '15m',
    expected: [refused('scb-example-allowed-images', 'allowed', 10, 'cpol'), refused('scb-example-verify-images', 'attestations', 10, 'cpol')],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'the enforce twin of rule 1 refuses: fail and error (registry credentials) both count',
    scenario: 'ivp-enforce',
    series: { [K.ivpSignatureDenyFail]: '0+1x20', [K.ivpSignatureDenyError]: '0+2x20' },
    evalTime: '15m',
    expected: [unsigned('scb-example-verify-signature', 30)],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'the first refusal since Kyverno started: a series born at 1 that never changes',
    scenario: 'ivp-enforce',
    series: { [K.ivpSignatureDenyFail]: '_x5 1x20' },
    evalTime: '8m',
    expected: [unsigned('scb-example-verify-signature', 1)],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'the first error since Kyverno started, seen at its first sample',
    scenario: 'ivp-enforce',
    series: { [K.ivpSignatureDenyError]: '_x5 1x20' },
    evalTime: '5m',
    expected: [unsigned('scb-example-verify-signature', 1)],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'a refusal counted more than the window ago, with nothing since, stays quiet (born at 1, old)',
    scenario: 'ivp-enforce',
    series: { [K.ivpSignatureDenyFail]: '_x5 1x40' },
    evalTime: '30m',
    expected: [],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'rules 2-4, passes, the report twin, background scans and other customers stay quiet',
    scenario: 'ivp-enforce',
    series: {
      [K.ivpDenyFail]: '_x5 1+1x20',
      [K.vpolDenyFail]: '_x5 1+1x20',
      [K.ivpSignatureDenyPass]: '_x5 1+1x20',
      [K.ivpSignatureAuditFail]: '_x5 1+1x20',
      [K.ivpSignatureBackgroundFail]: '_x5 1+1x20',
      [K.otherCustomerDenyFail]: '_x5 1+1x20',
    },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'ClusterPolicy: rule verify-signature and its autogenerated rule (a Deployment), error included; verify-sbom is not counted',
    scenario: 'cpol-enforce',
    series: { [K.cpolSignatureAutogenFail]: '0+1x20', [K.cpolSignatureError]: '_x5 1x20', [K.cpolSbomFail]: '0+1x20' },
    evalTime: '8m',
    expected: [unsigned('scb-example-verify-images', 9, 'cpol')],
  },
  {
    alert: 'SupplyChainSignatureVerificationFailed',
    name: 'ClusterPolicy: other rules of the verifyImages policy and the report twin stay quiet',
    scenario: 'cpol-enforce',
    series: { [K.cpolSbomFail]: '_x5 1+1x20', [K.cpolVerifyAuditFail]: '_x5 1+1x20', [K.cpolVerifyPass]: '_x5 1+1x20' },
    evalTime: '15m',
    expected: [],
  },
  {
    alert: 'SupplyChainImageVerificationFailed',
    name: 'ClusterPolicy in the soft period: the report twins refuse nothing and stay quiet',
    scenario: 'cpol-audit',
    series: { [K.cpolVerifyAuditFail]: '0+1x20', [K.cpolAllowedAuditFail]: '0+1x20', [K.cpolAllowedEnforcePass]: '0+1x20' },
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
    name: 'failures and errors of both CEL report twins during the soft period',
    series: { [K.ivpAuditFail]: '0+1x70', [K.ivpAuditError]: '0+1x70', [K.vpolAuditFail]: '0+1x70', [K.ivpSignatureAuditFail]: '_x30 1x40' },
    evalTime: '65m',
    expected: [
      wouldRefuse('scb-example-allowed-images-audit', 'allowed', 60),
      wouldRefuse('scb-example-verify-images-audit', 'attestations', 120),
      wouldRefuse('scb-example-verify-signature-audit', 'signature', 1),
    ],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'Audit-mode passes and Deny-mode failures stay quiet',
    series: { [K.ivpAuditPass]: '0+1x70', [K.ivpDenyFail]: '0+1x70', [K.vpolDenyFail]: '0+1x70' },
    evalTime: '65m',
    expected: [],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'ClusterPolicy soft period: report-twin failures of verifyImages and rule 4',
    scenario: 'cpol-audit',
    series: { [K.cpolVerifyAuditFail]: '0+1x70', [K.cpolSbomAuditFail]: '0+2x70', [K.cpolAllowedAuditFail]: '0+1x70', [K.cpolAllowedEnforceFail]: '0+1x70' },
    evalTime: '65m',
    expected: [
      wouldRefuse('scb-example-allowed-images-audit', 'allowed', 60, 'cpol'),
      wouldRefuse('scb-example-verify-images-audit', 'attestations', 120, 'cpol'),
      wouldRefuse('scb-example-verify-images-audit', 'signature', 60, 'cpol'),
    ],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'ClusterPolicy after the flip: an enforcing verifyImages policy, labelled "audit" by Kyverno, is not taken for audit',
    scenario: 'cpol-enforce',
    series: { [K.cpolVerifyFail]: '0+1x70', [K.cpolAllowedEnforceFail]: '0+1x70' },
    evalTime: '65m',
    expected: [],
  },
  {
    alert: 'SupplyChainAuditModeVerificationFailures',
    name: 'report-twin failures after the flip instant stay quiet (the enforce twins refuse, and alert, instead)',
    scenario: 'epoch-flip',
    series: { [K.ivpAuditFail]: '0+1x1600' },
    evalTime: '25h',
    expected: [],
  },
  {
    alert: 'SupplyChainFlipApproaching',
    name: 'within warnDaysBeforeFlip of the flip: names the namespace, kind and policy the flip would refuse (fail and error)',
    scenario: 'epoch-flip',
    series: { [K.ivpBackgroundFail]: '0+1x150', [K.ivpAuditError]: '0+1x150', [K.ivpDenyFail]: '0+1x150' },
    evalTime: '2h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning', policy_name: 'scb-example-verify-images-audit', check: 'attestations', resource_namespace: 'production-a', resource_kind: 'Pod' },
        annotations: {
          summary: 'The flip on 1970-01-02 would refuse Pod workloads in production-a (scb-example-verify-images-audit)',
          description: `From 1970-01-02T00:00:00Z the cluster enforces by itself. In the last 2h, 240 checks of Pod objects in production-a failed or could not complete under scb-example-verify-images-audit; they would be refused. The rescanner could not read the PolicyReports (scb_admission_reports_read is not 1: check its ClusterRole and log), so no workload is named: run \`scb flip-check --customer example\` for the names, and fix them or set enforcement.mode: audit in stacks/Pulumi.example.yaml. ${HINTS}`,
        },
      },
    ],
  },
  {
    alert: 'SupplyChainFlipApproaching',
    name: 'names each workload the PolicyReports say would be refused (fail and error), from the rescanner',
    scenario: 'epoch-flip',
    series: {
      [WOULD_REFUSE('production-a', 'Deployment', 'shop', 'scb-example-verify-signature-audit', 'error')]: '2x150',
      [WOULD_REFUSE('production-b', 'CronJob', 'report', 'scb-example-allowed-images-audit', 'fail')]: '1x150',
      [WOULD_REFUSE('staging', 'Deployment', 'shop', 'scb-example-verify-images-audit', 'fail')]: '1x150',
      [`scb_admission_reports_read{${RESCANNER}}`]: '1x150',
      [K.ivpBackgroundFail]: '0+1x150',
    },
    evalTime: '2h',
    expected: [
      flipNames('production-a', 'Deployment', 'shop', 'scb-example-verify-signature-audit', 'error', 2),
      flipNames('production-b', 'CronJob', 'report', 'scb-example-allowed-images-audit', 'fail', 1),
    ],
  },
  {
    alert: 'SupplyChainFlipApproaching',
    name: 'after the flip instant the named workloads stay quiet (the enforce twins refuse them instead)',
    scenario: 'epoch-flip',
    series: { [WOULD_REFUSE('production-a', 'Deployment', 'shop', 'scb-example-verify-signature-audit', 'fail')]: '1x1600', [`scb_admission_reports_read{${RESCANNER}}`]: '1x1600' },
    evalTime: '25h',
    expected: [],
  },
  {
    alert: 'SupplyChainFlipApproaching',
    name: 'after the flip instant it stays quiet',
    scenario: 'epoch-flip',
    series: { [K.ivpBackgroundFail]: '0+1x1600' },
    evalTime: '25h',
    expected: [],
  },
  {
    alert: 'SupplyChainStillSoftAfterFlip',
    name: 'an enforcement.mode audit override past the flip date',
    scenario: 'epoch-override',
    series: {},
    evalTime: '25h',
    expected: [
      {
        labels: { ...ALERT_LABELS, severity: 'warning' },
        annotations: {
          summary: 'Admission is still soft after its flip date 1970-01-02 (enforcement.mode: audit)',
          description:
            'The soft period of example ended on 1970-01-02, but enforcement.mode: audit in stacks/Pulumi.example.yaml keeps every policy in audit: unsigned and unverified images are admitted. Fix what scb flip-check lists, then remove the override.',
        },
      },
    ],
  },
  {
    alert: 'SupplyChainStillSoftAfterFlip',
    name: 'before the flip date it stays quiet',
    scenario: 'epoch-override',
    series: {},
    evalTime: '23h',
    expected: [],
  },
  {
    alert: 'SupplyChainUnverifiedRunningImage',
    name: 'the rescanner found a production digest without a valid signature (soft period: warning)',
    series: {
      [`scb_image_signature_verified{${RESCANNER}, image="${IMAGE}", digest="sha256:un"}`]: '0x90',
      [PROD('sha256:un')]: '1x90',
    },
    evalTime: '70m',
    expected: [unverifiedRunning('warning', 'sha256:un', ' (the policies enforce from 2026-10-01)')],
  },
  {
    alert: 'SupplyChainUnverifiedRunningImage',
    name: 'after the flip an unsigned running image is critical',
    scenario: 'cpol-enforce',
    series: {
      [`scb_image_signature_verified{${RESCANNER}, image="${IMAGE}", digest="sha256:un"}`]: '0x90',
      [PROD('sha256:un')]: '1x90',
    },
    evalTime: '70m',
    expected: [unverifiedRunning('critical', 'sha256:un', '')],
  },
  {
    alert: 'SupplyChainUnverifiedRunningImage',
    name: 'verified, allowlisted, outside production, or not checked at all (no series): quiet',
    scenario: 'ivp-enforce',
    series: {
      [`scb_image_signature_verified{${RESCANNER}, image="${IMAGE}", digest="sha256:ok"}`]: '1x90',
      [PROD('sha256:ok')]: '1x90',
      [`scb_image_signature_verified{${RESCANNER}, image="${IMAGE}", digest="sha256:pin"}`]: '0x90',
      [`scb_image_allowlisted{${RESCANNER}, image="${IMAGE}", digest="sha256:pin"}`]: '1x90',
      [PROD('sha256:pin')]: '1x90',
      [`scb_image_signature_verified{${RESCANNER}, image="${IMAGE}", digest="sha256:ks"}`]: '0x90',
      [`scb_image_workloads{${RESCANNER}, image="${IMAGE}", digest="sha256:ks", namespace="kube-system", workload="x", container="x"}`]: '1x90',
      [PROD('sha256:unchecked')]: '1x90',
      // Kyverno's background failures no longer drive this alert (they drift and double count).
      [K.ivpBackgroundFail]: '0+1x90',
    },
    evalTime: '70m',
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
    name: "Falco's drift rule fires in production, counted by falcosidekick >= 2.30 (new name, priority as a number) and < 2.30 (falco_events)",
    series: {
      'falcosecurity_falcosidekick_falco_events_total{rule="Drop and execute new binary in container", priority="5", priority_raw="critical", source="syscall", k8s_ns_name="production-a", k8s_pod_name="shop-1"}': '0+1x20',
      'falco_events{rule="Drop and execute new binary in container", priority="Critical", source="syscall", k8s_ns_name="production-a", k8s_pod_name="shop-2"}': '0+1x20',
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
      {
        labels: { ...ALERT_LABELS, severity: 'critical', k8s_ns_name: 'production-a', k8s_pod_name: 'shop-2' },
        annotations: {
          summary: 'A container in production-a/shop-2 executed a binary that was not in its image',
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
      'falcosecurity_falcosidekick_falco_events_total{rule="Terminal shell in container", priority="3", priority_raw="notice", source="syscall", k8s_ns_name="production-a", k8s_pod_name="shop-1"}': '0+1x20',
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

function synthesizedRule(scenario: Scenario = 'ivp-audit'): Record<string, any> {
  const chart = new Chart(Testing.app(), 'test');
  new SupplyChainAlerts(chart, 'alerts', SCENARIOS[scenario]);
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
    // The Kyverno alerts are rendered per engine: each must fire on a case of both engines.
    for (const alert of ['SupplyChainSignatureVerificationFailed', 'SupplyChainImageVerificationFailed', 'SupplyChainAuditModeVerificationFailures']) {
      for (const engine of ['ivp', 'cpol']) {
        assert.ok(CASES.some((entry) => entry.alert === alert && (entry.scenario ?? 'ivp-audit').startsWith(engine) && entry.expected.length > 0), `${alert} never fires on ${engine}`);
      }
    }
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const cases = CASES.filter((entry) => (entry.scenario ?? 'ivp-audit') === scenario);
      assert.ok(cases.length > 0, `no case for ${scenario}`);
      const { dir, file } = writeRuleFile(synthesizedRule(scenario).spec.groups);
      writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests: promtoolTests(cases) }));
      const result = promtool(['test', 'rules', 'tests.yaml'], dir);
      assert.equal(result.status, 0, `${scenario}:\n${result.output}`);
    }
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

  it('render the same rules before and after the flip date (the flip happens in the cluster), and fit each override', () => {
    // The admission alerts (the rescanner's signature alert changes severity with the synth clock).
    const admission = (at: Date) => alertRuleGroups(customer, enforcementState(customer, at))[0].rules.filter((rule) => /Flip|Soft|AuditMode|VerificationFailed|AdmissionDenied/.test(rule.alert));
    assert.deepEqual(admission(new Date('2026-11-01T00:00:00Z')), admission(AT));
    const names = (overrides: Record<string, unknown>) => {
      const c = parsedCustomer({ ...MONITORED, ...overrides });
      return alertRuleGroups(c, enforcementState(c, AT))[0].rules.map((rule) => rule.alert).filter((name) => /Flip|Soft|Audit|VerificationFailed/.test(name));
    };
    // The flip alert twice: per workload from the reports, and Kyverno's counters while the reports cannot be read.
    assert.deepEqual(names({}), ['SupplyChainSignatureVerificationFailed', 'SupplyChainImageVerificationFailed', 'SupplyChainAuditModeVerificationFailures', 'SupplyChainFlipApproaching', 'SupplyChainFlipApproaching']);
    assert.deepEqual(names({ enforcement: { onboardedAt: '2026-09-01', mode: 'audit' } }), ['SupplyChainAuditModeVerificationFailures', 'SupplyChainStillSoftAfterFlip']);
    assert.deepEqual(names({ enforcement: { onboardedAt: '2026-09-01', mode: 'enforce' } }), ['SupplyChainSignatureVerificationFailed', 'SupplyChainImageVerificationFailed']);
  });
});
