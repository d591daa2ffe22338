import type { PolicyRole } from '../contract';
import type { EnforcementState } from '../model/enforcement';
import { celString } from './allowlist';

/**
 * The flip, decided in the cluster rather than at synth.
 *
 * Each admission policy is rendered as two twins, once, whatever the synth clock, and exactly
 * one of them acts at any instant, by Kyverno's own clock:
 * - the REPORT twin (`…-audit`): Audit (+ Warn) only, `failurePolicy: Ignore`, no tag rewriting,
 *   active until the flip instant. It never blocks; its results are what `scb flip-check`, the
 *   alerts and the panels read as "would be refused" during the soft period.
 * - the ENFORCE twin (the policy's plain name): Deny/Enforce, `failurePolicy: Fail`, tags
 *   rewritten to digests, active from the flip instant on. Its background results keep
 *   reporting running workloads that fail after the flip.
 * No re-synth, no re-apply, no drift for GitOps to undo.
 *
 * Why never both at once: in Kyverno 1.19.0 two ImageValidatingPolicies that verify the same
 * images in one request deadlock (the SDK's image context leaks a read lock in `Get`, and the
 * second policy's `AddImages` waits for ever: found by test/conformance). The gates are
 * complementary, so one admission request is evaluated by one twin.
 *
 * The gate is evaluated by Kyverno, not by the API server (which has no clock in CEL): on the
 * CEL engines a match condition using Kyverno's `time.now()` (Kyverno keeps such conditions out
 * of the webhook and evaluates them itself, before fetching anything); on the ClusterPolicy
 * engine a rule precondition using the JMESPath `time_now_utc()`.
 *
 * A `mode` override decides without the clock: `enforce` renders only the enforce twin,
 * ungated; `audit` renders only the report twin, ungated (an alert fires once the flip date has
 * passed).
 */

/** Which twin a policy is, and the twins' names: part of the contract (src/contract/names.ts). */
export { type PolicyRole, REPORT_TWIN_SUFFIX, twinName } from '../contract';

/** The enforce twin of a customer in one state: absent, always on, or on from an instant. */
export type EnforceGate = { readonly kind: 'none' } | { readonly kind: 'always' } | { readonly kind: 'from'; readonly instant: string };

/** The instant the soft period ends: 00:00 UTC of the flip date, RFC 3339. */
export function flipInstant(enforcement: Pick<EnforcementState, 'flipDate'>): string {
  return `${enforcement.flipDate}T00:00:00Z`;
}

/** The gate of the enforce twin for this state (independent of the synth clock unless overridden). */
export function enforceGate(enforcement: EnforcementState): EnforceGate {
  if (enforcement.source === 'override') return enforcement.mode === 'enforce' ? { kind: 'always' } : { kind: 'none' };
  return { kind: 'from', instant: flipInstant(enforcement) };
}

/** The twins to render, report twin first. */
export function policyRoles(enforcement: EnforcementState): PolicyRole[] {
  const gate = enforceGate(enforcement);
  return gate.kind === 'none' ? ['report'] : gate.kind === 'always' ? ['enforce'] : ['report', 'enforce'];
}

/** Match-condition name of the flip gate on the CEL engines (the report twin's is `before-flip`). */
export function flipConditionName(role: PolicyRole): string {
  return role === 'enforce' ? FLIP_CONDITION_NAME : 'before-flip';
}

/** CEL gate of one twin, or undefined when the twin is not gated (a mode override). */
export function celTwinGate(enforcement: EnforcementState, role: PolicyRole): string | undefined {
  const gate = enforceGate(enforcement);
  if (gate.kind !== 'from') return undefined;
  return role === 'enforce' ? celFlipReached(gate.instant) : `time.now() < timestamp(${celString(gate.instant)})`;
}

/** ClusterPolicy precondition gating one twin, or undefined when the twin is not gated. */
export function jmespathTwinGate(enforcement: EnforcementState, role: PolicyRole) {
  const gate = enforceGate(enforcement);
  if (gate.kind !== 'from') return undefined;
  return {
    key: `{{ time_before(time_now_utc(), '${gate.instant}') }}`,
    operator: 'Equals' as const,
    value: role === 'report',
    message: role === 'enforce' ? `the policies enforce from ${gate.instant}` : `the report twin is replaced by the enforce twin at ${gate.instant}`,
  };
}

/** Match-condition name of the flip gate on the CEL engines. */
export const FLIP_CONDITION_NAME = 'flip-reached';

/** CEL (Kyverno's time library): the flip instant has passed on Kyverno's clock. */
export function celFlipReached(instant: string): string {
  return `time.now() >= timestamp(${celString(instant)})`;
}
