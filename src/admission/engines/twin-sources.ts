import { type PolicyRole, twinName } from '../../contract';
import type { EnforcementMode, EnforcementState } from '../../model/enforcement';
import { quote } from '../../monitoring/promql';
import { policyRoles } from '../flip-gate';
import type { AdmissionCheck, KyvernoResultSource } from './engine';

/** A PromQL matcher for exactly these policy names (an anchored alternation; names are DNS labels). */
function policyNameMatcher(names: readonly string[]): string {
  return names.length === 1 ? `policy_name=${quote(names[0])}` : `policy_name=~${quote(names.join('|'))}`;
}

/**
 * The result series of some policies rendered as twins (src/admission/flip-gate.ts): the selector
 * matches every rendered twin of them by exact name; `mode: 'audit'` keeps the report twins
 * (`…-audit`, acting until the flip), `mode: 'enforce'` the enforce twins (acting from it), and
 * answers undefined for a twin an `enforcement.mode` override does not render. The mode is told
 * by the policy's NAME on every engine, not by Kyverno's mode label (which mislabels a
 * verifyImages ClusterPolicy).
 */
export function twinResultSource(
  policies: readonly string[],
  enforcement: EnforcementState,
  series: { readonly metric: string; readonly extra?: string; readonly resultLabel: string; readonly causeLabel: string; readonly check: AdmissionCheck; readonly title?: string },
): KyvernoResultSource {
  const roles = policyRoles(enforcement);
  const names = (role: PolicyRole) => policies.map((name) => twinName(name, role));
  return {
    policy: policies[0],
    check: series.check,
    title: series.title ?? policies[0],
    metric: series.metric,
    selector: [policyNameMatcher(roles.flatMap(names)), ...(series.extra ? [series.extra] : [])].join(', '),
    resultLabel: series.resultLabel,
    causeLabel: series.causeLabel,
    modeMatcher: (mode: EnforcementMode) => {
      const role: PolicyRole = mode === 'enforce' ? 'enforce' : 'report';
      return roles.includes(role) ? policyNameMatcher(names(role)) : undefined;
    },
  };
}
