/**
 * Every metric name the monitoring bundle reads, in one place. Alert rules and dashboards use
 * these constants, and a test refuses any PromQL that names a metric not listed here, so a
 * renamed metric cannot silently turn a panel blank or an alert mute.
 */

/** The Pushgateway job the rescanner pushes its whole group under (HTTP PUT, replaced each run). */
export const RESCANNER_JOB = 'supply_chain_rescanner';

/** Metrics the rescanner (`scb rescan`) pushes; every series carries `cluster` and `customer`. */
export const SCB_METRICS = {
  /** Vulnerability count per running digest, by `severity` (upper case: CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN). */
  imageVulnerabilities: 'scb_image_vulnerabilities',
  /** 1 per HIGH/CRITICAL finding: `image, digest, vulnerability_id, severity, package, fixed`. */
  imageVulnerabilityInfo: 'scb_image_vulnerability_info',
  /** Build time from the image config (`created`); absent or 0 when unknown (reproducible builds write 1970). */
  imageBuildTimestamp: 'scb_image_build_timestamp_seconds',
  /** 1 when the digest is older than `staleness.maxImageAgeDays`; label `allowlisted` = "true"/"false". */
  imageStale: 'scb_image_stale',
  /** 1 per container running the digest: `namespace, workload, container`. */
  imageWorkloads: 'scb_image_workloads',
  /** 1 when the digest is on the customer's allowlist. */
  imageAllowlisted: 'scb_image_allowlisted',
  /** Next review date of an allowlist entry: `image, owner`. */
  allowlistReviewDue: 'scb_allowlist_review_due_timestamp_seconds',
  /** 1 when an allowlist entry is past its review date. */
  allowlistReviewOverdue: 'scb_allowlist_review_overdue',
  /** Scan errors for one digest in the last run. */
  imageScanErrors: 'scb_image_scan_errors',
  /**
   * When the findings exported for a digest were obtained (its last successful scan). A failed
   * scan carries the previous findings forward unchanged, so `time() - this` is their age.
   */
  imageLastScan: 'scb_image_last_scan_timestamp_seconds',
  /** Runs in a row whose scan of the digest failed; 0 after a successful scan. */
  imageScanConsecutiveFailures: 'scb_image_scan_consecutive_failures',
  /** 1 while the digest's last scan failed: `reason` (unauthorized, not_found, timeout, invalid_report, scanner_unavailable, other) and `credentials` (none, pull_secret, registry_secret, workload_identity). */
  imageScanFailure: 'scb_image_scan_failure_info',
  /** When the rescanner first saw the digest running (carried from run to run). */
  imageFirstSeen: 'scb_image_first_seen_timestamp_seconds',
  /** 1 per digest: `source` of its build time (image_config, signature, attestation, sbom, oci_created, first_seen). */
  imageBuildTimeSource: 'scb_image_build_time_source',
  /** 1 when the digest's signature verified against the customer's identity, 0 when it did not; absent when not checked. */
  imageSignatureVerified: 'scb_image_signature_verified',
  /** 1 when the digest's required attestations verified against the customer's identity, 0 when not; absent when not checked. */
  imageAttestationsVerified: 'scb_image_attestations_verified',
  /** A finding of a running digest covered by an accepted risk (`image, digest, vulnerability_id, owner`): when the acceptance lapses. */
  acceptedRiskExpiry: 'scb_accepted_risk_expiry_timestamp_seconds',
  /**
   * Per workload the customer's policies refuse, or would refuse once enforcing, from Kyverno's
   * PolicyReports (`fail` and `error`, the judgement of `scb flip-check`):
   * `namespace, kind, workload, policy, rule, result`; the value counts the report results.
   */
  admissionWouldRefuse: 'scb_admission_would_refuse',
  /** 1 when the last run read Kyverno's PolicyReports, 0 when it could not (RBAC, no report CRDs). */
  admissionReportsRead: 'scb_admission_reports_read',
  /** The Trivy server's vulnerability DB `UpdatedAt` (seconds since the epoch), from its /version endpoint. */
  trivyDbUpdated: 'scb_trivy_db_updated_timestamp_seconds',
  /** 1 when the Trivy server answered its health check in the last run, 0 when not. */
  trivyServerUp: 'scb_trivy_server_up',
  /** Unix time of the last run that completed. */
  rescanLastSuccess: 'scb_rescan_last_success_timestamp_seconds',
  /** Unix time of the last run, successful or not. */
  rescanLastRun: 'scb_rescan_last_run_timestamp_seconds',
  /** Scan errors in the last run. */
  rescanScanErrors: 'scb_rescan_scan_errors_total',
  /** Distinct digests scanned in the last run. */
  rescanImagesScanned: 'scb_rescan_images_scanned',
  /** Wall time of the last run. */
  rescanDuration: 'scb_rescan_duration_seconds',
  /** Pods listed in the last run. */
  rescanPodsListed: 'scb_rescan_pods_listed',
} as const;

/** The Pushgateway job the SBOM drift agent pushes under: one group per node (`cluster`, `customer`, `node`), replaced each pass. */
export const DRIFT_AGENT_JOB = 'supply_chain_drift_agent';

/**
 * Metrics the SBOM drift agent (`scb drift-agent`, a DaemonSet) pushes; every series carries
 * `cluster`, `customer`, `node`, and per container `namespace, workload, pod, container, image, digest`.
 */
export const DRIFT_METRICS = {
  /** Packages that differ from the verified SBOM attestation, by `change` (added, removed, changed); 0 when compared and equal. */
  packages: 'scb_drift_packages',
  /** 1 when the container's digest has no verified CycloneDX SBOM attestation of the customer's identity: `reason` (missing, unverified, not_cyclonedx, registry, verifier_unavailable). Never compared, never "no drift". */
  unverifiable: 'scb_drift_unverifiable',
  /** 1 when the container could not be inventoried: `reason` (no_process, root_unreadable, inventory). */
  inventoryFailed: 'scb_drift_inventory_failed',
  /** When the container's packages were last inventoried. */
  lastInventory: 'scb_drift_last_inventory_timestamp_seconds',
  /** Wall time and peak memory of the container's last syft inventory. */
  inventoryDuration: 'scb_drift_inventory_duration_seconds',
  inventoryPeakMemory: 'scb_drift_inventory_peak_memory_bytes',
  /** Unix time of the agent's last completed pass on the node (the dead man's switch). */
  lastPass: 'scb_drift_agent_last_pass_timestamp_seconds',
  /** Production containers on the node, compared or not. */
  containers: 'scb_drift_agent_containers',
  /** syft runs in the last pass (containers new or changed). */
  inventories: 'scb_drift_agent_inventories',
  passDuration: 'scb_drift_agent_pass_duration_seconds',
} as const;

/**
 * Kyverno 1.19 controller metrics; Prometheus adds `_total` to the counters. Labels as
 * kyverno/kyverno v1.19.0 writes them (pkg/metrics/policy_engine.go, ivpol.go, vpol.go,
 * admission.go); what `policy_validation_mode` means per kind: src/monitoring/kyverno-results.ts.
 */
export const KYVERNO_METRICS = {
  /** ClusterPolicy results: `policy_name, rule_name, rule_result, rule_type (imageVerify|validate|…), policy_validation_mode (enforce|audit), rule_execution_cause, resource_namespace`. */
  policyResults: 'kyverno_policy_results_total',
  /** ImageValidatingPolicy results: `policy_name, result, policy_validation_mode (Deny|Audit), execution_cause, resource_namespace`. */
  imageValidatingPolicyResults: 'kyverno_image_validating_policy_results_total',
  /** ValidatingPolicy results (rule 4 on the CEL engine): same labels as the ImageValidatingPolicy counter. */
  validatingPolicyResults: 'kyverno_validating_policy_results_total',
  /** Admission requests: `request_allowed, resource_namespace, resource_kind, request_operation`. */
  admissionRequests: 'kyverno_admission_requests_total',
} as const;

/**
 * falcosidekick's Prometheus output, counter of Falco events with `rule`, `priority`,
 * `k8s_ns_name`, `k8s_pod_name`, ... Its name changed in falcosidekick 2.30.0
 * (falcosecurity/falcosidekick#995): `falcosecurity_falcosidekick_falco_events_total` from 2.30.0
 * on, `falco_events` before (2.20–2.29). The drift alert reads both, so either version works.
 * An assumption: falcosidekick is installed with its Prometheus endpoint scraped. Falco's own
 * `falcosecurity_falco_rules_matches_total` carries no pod labels and is not used.
 */
export const FALCO_METRICS = {
  /** falcosidekick ≥ 2.30.0. */
  events: 'falcosecurity_falcosidekick_falco_events_total',
  /** falcosidekick < 2.30.0. */
  legacyEvents: 'falco_events',
} as const;

/** Every metric name a rule or a dashboard panel of this bundle may read. */
export const KNOWN_METRICS: ReadonlySet<string> = new Set<string>([
  ...Object.values(SCB_METRICS),
  ...Object.values(DRIFT_METRICS),
  ...Object.values(KYVERNO_METRICS),
  ...Object.values(FALCO_METRICS),
]);
