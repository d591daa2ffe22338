import { ClusterPolicy } from '../../../imports/kyverno.io';
import { ADMISSION_ENGINE_DESCRIPTORS, KYVERNO_NAMESPACE, policyNames, twinName } from '../../contract';
import { KYVERNO_METRICS } from '../../monitoring/metrics';
import { LegacyAllowedImagesPolicy, LegacyVerifyImagesPolicy } from '../cluster-policy';
import { KYVERNO_CHART } from '../kyverno-values';
import { policyMetadata } from '../policy-metadata';
import { READ_ONLY_ROOT_MESSAGE } from './drift-rules';
import type { AdmissionEngine, PolicyJson } from './engine';
import { twinResultSource } from './twin-sources';

const descriptor = ADMISSION_ENGINE_DESCRIPTORS.ClusterPolicy;

/** Calls `visit` on every `verifyImages[].attestors[].entries[]` and `...attestations[].attestors[].entries[]` of a ClusterPolicy. */
function forEachLegacyAttestorEntry(policy: PolicyJson, visit: (entry: PolicyJson) => void): void {
  const spec = policy.spec as PolicyJson | undefined;
  for (const rule of (spec?.rules as PolicyJson[] | undefined) ?? []) {
    for (const verify of (rule.verifyImages as PolicyJson[] | undefined) ?? []) {
      const attestorSets = [
        ...((verify.attestors as PolicyJson[] | undefined) ?? []),
        ...((verify.attestations as PolicyJson[] | undefined) ?? []).flatMap((attestation) => (attestation.attestors as PolicyJson[] | undefined) ?? []),
      ];
      for (const set of attestorSets) for (const entry of (set.entries as PolicyJson[] | undefined) ?? []) visit(entry);
    }
  }
}

/**
 * Kyverno's legacy engine: ClusterPolicy `verifyImages` rules (1 to 3) and `validate` rules
 * (rule 4, drift). Its `type: Cosign` verifier reads legacy `.sig`/`.att` tags only.
 */
export const clusterPolicyEngine: AdmissionEngine = {
  ...descriptor,
  name: 'ClusterPolicy',
  install: { chart: KYVERNO_CHART, namespace: KYVERNO_NAMESPACE, apiGroups: descriptor.apiGroups },
  policyKinds: ['ClusterPolicy'],

  admissionPolicies(scope, props) {
    const id = (name: string) => twinName(name, props.role);
    return {
      verifyImages: new LegacyVerifyImagesPolicy(scope, id('verify-images'), props).policy,
      allowedImages: new LegacyAllowedImagesPolicy(scope, id('allowed-images'), props).policy,
      others: [],
    };
  },

  readOnlyRootFilesystemPolicy(scope, id, { customer, enforcement }) {
    return new ClusterPolicy(scope, id, {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).readOnlyRootFilesystem),
      spec: {
        background: true,
        rules: [
          {
            name: 'require-readonly-root-filesystem',
            match: { any: [{ resources: { kinds: ['Pod'], namespaces: [...customer.admission.namespaces] } }] },
            validate: {
              failureAction: enforcement.mode === 'enforce' ? 'Enforce' : 'Audit',
              message: READ_ONLY_ROOT_MESSAGE,
              pattern: {
                spec: {
                  containers: [{ securityContext: { readOnlyRootFilesystem: true } }],
                  '=(initContainers)': [{ securityContext: { readOnlyRootFilesystem: true } }],
                },
              },
            },
          },
        ],
      } as never,
    });
  },

  /**
   * Both twins of each policy, told apart by NAME (twin-sources.ts): Kyverno labels a
   * verifyImages ClusterPolicy "audit" whatever its failureAction (`Spec.HasValidateEnforce()`
   * reads validate rules only), so its mode label cannot be trusted.
   */
  resultSources(customerName, enforcement) {
    const names = policyNames(customerName);
    const legacy = { metric: KYVERNO_METRICS.policyResults, resultLabel: 'rule_result', causeLabel: 'rule_execution_cause' };
    return {
      verify: twinResultSource([names.verifyImages], enforcement, { ...legacy, extra: 'rule_type="imageVerify"' }),
      allowed: twinResultSource([names.allowedImages], enforcement, { ...legacy, extra: 'rule_type="validate"' }),
    };
  },

  /**
   * - `{ rootsPem }`: every keyless attestor keeps issuer, subject and extensions, and gets
   *   `roots` = the test CA, `rekor.ignoreTlog: true`, `ctlog: {ignoreSCT: true}` (legacy-format
   *   signatures then verify with no network). `rekor.url` stays: Kyverno's policy validation
   *   refuses a `rekor` block without a URL ("An URL is required"), even when ignored.
   * - `{ publicKeyPem }`: every keyless attestor becomes a key attestor (`keys.publicKeys`, tlog
   *   and SCT ignored).
   */
  trustTestRoots(policy, roots) {
    if ('tufMirror' in roots) {
      throw new Error('withTestTrustRoots: a ClusterPolicy type Cosign attestor verifies legacy signatures against keyless.roots; pass { rootsPem }');
    }
    forEachLegacyAttestorEntry(policy, (entry) => {
      const keyless = entry.keyless as PolicyJson | undefined;
      if (!keyless) return;
      if ('rootsPem' in roots) {
        entry.keyless = { ...keyless, roots: roots.rootsPem, rekor: { ...(keyless.rekor as PolicyJson | undefined), ignoreTlog: true }, ctlog: { ignoreSCT: true } };
      } else {
        delete entry.keyless;
        entry.keys = { publicKeys: roots.publicKeyPem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } };
      }
    });
  },
};
