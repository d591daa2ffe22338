/**
 * Kyverno result series for customer `example` (namespaces `production-*`), written with the
 * label names and values Kyverno v1.19.0 really exposes, for promtool tests of the alerts and
 * dashboard queries. Read from kyverno/kyverno at tag v1.19.0:
 *
 * - pkg/metrics/ivpol.go and pkg/metrics/vpol.go `RecordResult`: counters
 *   `kyverno_image_validating_policy_results` / `kyverno_validating_policy_results` (Prometheus
 *   adds `_total`) with `policy_validation_mode, policy_background_mode, policy_name,
 *   policy_namespace, resource_kind, resource_namespace, resource_request_operation,
 *   execution_cause, result`. `policy_namespace` is "" for these cluster-scoped policies, and
 *   Prometheus drops empty labels.
 * - pkg/metrics/parsers.go `GetCELPolicyInfos`: `policy_validation_mode` is the CEL validation
 *   action, "Deny" when `validationActions` contains Deny, else "Audit" (our soft period renders
 *   [Audit, Warn], so "Audit").
 * - pkg/metrics/policy_engine.go `RecordResponse`: `kyverno_policy_results` for ClusterPolicy with
 *   `policy_validation_mode, policy_type, policy_background_mode, policy_namespace ("-"),
 *   policy_name, resource_kind, resource_namespace, resource_request_operation, rule_name,
 *   rule_result, rule_type, rule_execution_cause, dry_run`.
 * - pkg/metrics/parsers.go `GetPolicyInfos` + api/kyverno/v1/spec_types.go `HasValidateEnforce`:
 *   the ClusterPolicy mode is "enforce" only for a validate rule with failureAction Enforce (or
 *   the deprecated spec.validationFailureAction), so a verifyImages policy whose failureAction is
 *   set per entry is labelled "audit" even while it enforces.
 * - pkg/metrics/common_types.go: rule_result pass|fail|warn|error|skip, rule_type
 *   imageVerify|validate, execution causes admission_request|background_scan, operations lower case.
 * - pkg/engine/api/rulestatus.go: the CEL `result` values pass|fail|warning|error|skip.
 *
 * `job`, `namespace`, `service` and `pod` are the target labels a ServiceMonitor on Kyverno's
 * admission-controller metrics service adds.
 */
const TARGET = 'job="kyverno-svc-metrics", namespace="kyverno", service="kyverno-svc-metrics", pod="kyverno-admission-controller-0"';

const ivp = (policy: string, mode: 'Deny' | 'Audit', cause: string, result: string, namespace = 'production-a') =>
  `kyverno_image_validating_policy_results_total{${TARGET}, policy_validation_mode="${mode}", policy_background_mode="true", policy_name="${policy}", resource_kind="Pod", resource_namespace="${namespace}", resource_request_operation="create", execution_cause="${cause}", result="${result}"}`;
const vpol = (policy: string, mode: 'Deny' | 'Audit', cause: string, result: string) =>
  `kyverno_validating_policy_results_total{${TARGET}, policy_validation_mode="${mode}", policy_background_mode="true", policy_name="${policy}", resource_kind="Pod", resource_namespace="production-a", resource_request_operation="create", execution_cause="${cause}", result="${result}"}`;
const cpol = (policy: string, mode: 'enforce' | 'audit', ruleType: string, rule: string, cause: string, result: string) =>
  `kyverno_policy_results_total{${TARGET}, policy_validation_mode="${mode}", policy_type="cluster", policy_background_mode="true", policy_namespace="-", policy_name="${policy}", resource_kind="Pod", resource_namespace="production-a", resource_request_operation="create", rule_name="${rule}", rule_result="${result}", rule_type="${ruleType}", rule_execution_cause="${cause}", dry_run="false"}`;

/**
 * Each policy runs as two twins (src/admission/flip-gate.ts): the report twin `…-audit` (Audit,
 * until the flip) and the enforce twin with the plain name (Deny/Enforce, from the flip). The
 * series below are named after the twin that really records them.
 */
export const KYVERNO_SERIES = {
  // ImageValidatingPolicy scb-example-verify-images (rules 2-3): enforce twin, and report twin -audit.
  ivpDenyFail: ivp('scb-example-verify-images', 'Deny', 'admission_request', 'fail'),
  ivpDenyError: ivp('scb-example-verify-images', 'Deny', 'admission_request', 'error'),
  ivpDenyPass: ivp('scb-example-verify-images', 'Deny', 'admission_request', 'pass'),
  ivpAuditFail: ivp('scb-example-verify-images-audit', 'Audit', 'admission_request', 'fail'),
  ivpAuditError: ivp('scb-example-verify-images-audit', 'Audit', 'admission_request', 'error'),
  ivpAuditPass: ivp('scb-example-verify-images-audit', 'Audit', 'admission_request', 'pass'),
  ivpBackgroundFail: ivp('scb-example-verify-images-audit', 'Audit', 'background_scan', 'fail'),
  ivpBackgroundError: ivp('scb-example-verify-images-audit', 'Audit', 'background_scan', 'error'),
  ivpBackgroundPass: ivp('scb-example-verify-images', 'Deny', 'background_scan', 'pass'),
  // ImageValidatingPolicy scb-example-verify-signature (rule 1 alone): enforce twin and report twin.
  ivpSignatureDenyFail: ivp('scb-example-verify-signature', 'Deny', 'admission_request', 'fail'),
  ivpSignatureDenyError: ivp('scb-example-verify-signature', 'Deny', 'admission_request', 'error'),
  ivpSignatureDenyPass: ivp('scb-example-verify-signature', 'Deny', 'admission_request', 'pass'),
  ivpSignatureAuditFail: ivp('scb-example-verify-signature-audit', 'Audit', 'admission_request', 'fail'),
  ivpSignatureBackgroundFail: ivp('scb-example-verify-signature', 'Deny', 'background_scan', 'fail'),
  ivpSignatureAuditBackgroundError: ivp('scb-example-verify-signature-audit', 'Audit', 'background_scan', 'error'),
  // ValidatingPolicy scb-example-allowed-images (rule 4).
  vpolDenyFail: vpol('scb-example-allowed-images', 'Deny', 'admission_request', 'fail'),
  vpolAuditFail: vpol('scb-example-allowed-images-audit', 'Audit', 'admission_request', 'fail'),
  vpolBackgroundFail: vpol('scb-example-allowed-images', 'Deny', 'background_scan', 'fail'),
  // Not ours: another team's policy, and customer `example-eu`, whose names share our prefix.
  otherTeamDenyFail: ivp('team-b-signatures', 'Deny', 'admission_request', 'fail'),
  otherCustomerDenyFail: ivp('scb-example-eu-verify-images', 'Deny', 'admission_request', 'fail'),
  // ClusterPolicy scb-example-verify-images: failureAction per verifyImages entry, so always "audit".
  cpolVerifyFail: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'verify-signature', 'admission_request', 'fail'),
  cpolVerifyAuditFail: cpol('scb-example-verify-images-audit', 'audit', 'imageVerify', 'verify-signature', 'admission_request', 'fail'),
  cpolVerifyPass: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'verify-signature', 'admission_request', 'pass'),
  cpolVerifyBackgroundFail: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'verify-signature', 'background_scan', 'fail'),
  // Rule 1 of a Deployment (Kyverno's autogenerated rule), its error, and rule 2 of the same policy.
  cpolSignatureAutogenFail: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'autogen-verify-signature', 'admission_request', 'fail'),
  cpolSignatureError: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'verify-signature', 'admission_request', 'error'),
  cpolSbomFail: cpol('scb-example-verify-images', 'audit', 'imageVerify', 'verify-sbom', 'admission_request', 'fail'),
  cpolSbomAuditFail: cpol('scb-example-verify-images-audit', 'audit', 'imageVerify', 'verify-sbom', 'admission_request', 'fail'),
  // ClusterPolicy scb-example-allowed-images: a validate rule, so the label follows its failureAction.
  cpolAllowedEnforceFail: cpol('scb-example-allowed-images', 'enforce', 'validate', 'allowed-images', 'admission_request', 'fail'),
  cpolAllowedAuditFail: cpol('scb-example-allowed-images-audit', 'audit', 'validate', 'allowed-images', 'admission_request', 'fail'),
  cpolAllowedEnforcePass: cpol('scb-example-allowed-images', 'enforce', 'validate', 'allowed-images', 'admission_request', 'pass'),
} as const;
