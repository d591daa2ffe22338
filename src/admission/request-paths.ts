import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { celString } from './allowlist';
import { type PolicyRole, celTwinGate, flipConditionName } from './flip-gate';
import { namespaceMatchExpression } from './namespace-globs';

/**
 * Which admission requests each kind of rule judges, so that passing time never causes an outage.
 *
 * - Rules that do not depend on time (signature and identity, SBOM, rule 4's allowed images)
 *   judge every request that brings an image in: CREATE of a pod or workload (whoever sends it,
 *   a controller included), an UPDATE that adds an image (`kubectl set image`, a rollout with new
 *   images, `kubectl debug` through `pods/ephemeralcontainers`).
 * - Rules that depend on time (scan age when `scan.maxAge` is set, the age of a CRITICAL
 *   finding, allowlist expiry) judge only a CHANGE made by someone: CREATE of a workload or a
 *   bare pod by a user or a deployer, and UPDATE only for the images it adds. A pod that a
 *   controller creates for a workload admitted earlier (reschedule, drain, eviction, HPA
 *   scale-out, `rollout restart`, a CronJob's next Job) is never judged by time: its images are
 *   the workload's, which were judged when they were introduced. The rescanner pages on what
 *   these rules no longer refuse on running workloads (see docs/admission.md).
 * - An UPDATE that adds no image (labels, annotations, finalizers, owner references, the garbage
 *   collector, `rollout restart`, `--suspend`) is not judged by any image rule; the ClusterPolicy
 *   engine behaves this way natively, the CEL engines through the `adds-images` match condition.
 *
 * Controllers are recognised by the user the API server authenticated (unforgeable), not by
 * ownerReferences (which the requester writes).
 *
 * Kyverno's background scans send no user (username ''). They judge the stored object by its
 * controlling owner, as the ClusterPolicy engine does on every path: a bare pod or a workload
 * (no controlling owner) is judged by time, so its report says what re-creating it after the
 * flip would meet; a pod or Job that a controller owns is not. Why not skip time in background
 * scans: Kyverno keeps ONE result per ImageValidatingPolicy and resource in a PolicyReport, the
 * newest (aggregate.MergeReports in Kyverno 1.19 keys CEL policies by policy and resource, not
 * by rule). A background result that skipped the time rules replaced the admission's `fail` a
 * second later, so `scb flip-check`, the would-be-refused alert and the panels missed every
 * time-dependent refusal (found by the live e2e suite, docs/e2e.md).
 */

/**
 * Users that create pods and Jobs on behalf of workloads: kube-controller-manager's controllers,
 * with per-controller credentials (`--use-service-account-credentials`, the kubeadm and most
 * managed-cluster default) or with the manager's own identity.
 */
export const CONTROLLER_USERNAMES: readonly string[] = [
  'system:kube-controller-manager',
  'system:serviceaccount:kube-system:cronjob-controller',
  'system:serviceaccount:kube-system:daemon-set-controller',
  'system:serviceaccount:kube-system:job-controller',
  'system:serviceaccount:kube-system:replicaset-controller',
  'system:serviceaccount:kube-system:replication-controller',
  'system:serviceaccount:kube-system:statefulset-controller',
];

/**
 * CEL: every image of the pod in `object` or `oldObject`, written with `.spec` so that Kyverno's
 * autogen rewrites it for the controllers (`object.spec.template.spec`, the CronJob path).
 */
export function celPodImages(variable: 'object' | 'oldObject'): string {
  const spec = `${variable}.spec`;
  return (
    `${spec}.containers.map(c, c.image) + ${spec}.?initContainers.orValue([]).map(c, c.image) + ` +
    `${spec}.?ephemeralContainers.orValue([]).map(c, c.image)`
  );
}

/** Match-condition name: CREATE, or an UPDATE that adds at least one image. */
export const ADDS_IMAGES_CONDITION_NAME = 'adds-images';

/** CEL match condition: the request brings in an image (CREATE, or UPDATE with a new image). */
export const CEL_ADDS_IMAGES = `request.operation != 'UPDATE' || (${celPodImages('object')}).exists(image, !(image in (${celPodImages('oldObject')})))`;

/** CEL: the images the request had before (empty on CREATE). */
export const CEL_PREVIOUS_IMAGES = `request.operation == 'UPDATE' ? (${celPodImages('oldObject')}) : []`;

/**
 * CEL: the stored object has no controlling owner. Written `object["metadata"]`, not
 * `object.metadata`: Kyverno's autogen rewrites `object.metadata` to the pod template's metadata
 * (which has no owners), and a Job's own owner (its CronJob) is what counts here.
 */
export const CEL_NO_CONTROLLING_OWNER = `!object["metadata"].?ownerReferences.orValue([]).exists(owner, owner.?controller.orValue(false) == true)`;

/**
 * CEL: whether rules that depend on time judge this request: a change by someone (not a
 * controller); in a background scan (no user), an object no controller owns.
 */
export const CEL_TIME_JUDGED =
  `request.operation == 'UPDATE' || (request.?userInfo.?username.orValue('') == '' ? ${CEL_NO_CONTROLLING_OWNER} : ` +
  `!(request.userInfo.username in [${CONTROLLER_USERNAMES.map(celString).join(', ')}]))`;

/**
 * ClusterPolicy rule precondition with the meaning of CEL_TIME_JUDGED, told by the object rather
 * than by the user: Kyverno forbids `request.userInfo` in a policy with background scans, and
 * the verifyImages rules must stay in one policy that background scans (cluster-policy.ts). A pod
 * or Job whose controlling owner is a workload was created by that workload's controller; an
 * UPDATE (only changed images are verified) is always a change. Weaker than the CEL engine's
 * check: ownerReferences are written by the requester, so a person allowed to create pods can
 * claim an owner (docs/admission.md).
 */
export function jmespathTimeJudgedPrecondition() {
  return {
    key: "{{ request.operation == 'UPDATE' || length(request.object.metadata.ownerReferences[?controller] || `[]`) == `0` }}",
    operator: 'Equals' as const,
    value: true,
    message: 'time-dependent rules do not judge a pod or Job a controller creates for a workload',
  };
}

/**
 * Match conditions of a twin: production namespaces, requests that bring in an image, and the
 * twin's side of the flip instant on Kyverno's clock (flip-gate.ts).
 */
export function celMatchConditions(customer: { readonly admission: Pick<Customer['admission'], 'namespaces'> }, enforcement: EnforcementState, role: PolicyRole): { name: string; expression: string }[] {
  const gate = celTwinGate(enforcement, role);
  return [
    { name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) },
    { name: ADDS_IMAGES_CONDITION_NAME, expression: CEL_ADDS_IMAGES },
    ...(gate === undefined ? [] : [{ name: flipConditionName(role), expression: gate }]),
  ];
}
