import { ValidatingPolicy } from '../../../imports/policies.kyverno.io';
import { ADMISSION_ENGINE_DESCRIPTORS, KYVERNO_NAMESPACE, policyNames, twinName } from '../../contract';
import { KYVERNO_METRICS } from '../../monitoring/metrics';
import { EphemeralContainersPolicy, VerifyImagesPolicy, VerifySignaturePolicy } from '../image-validating-policy';
import { KYVERNO_CHART } from '../kyverno-values';
import { namespaceMatchExpression } from '../namespace-globs';
import { policyMetadata } from '../policy-metadata';
import { AllowedImagesPolicy } from '../validating-policy';
import { READ_ONLY_ROOT_EXPRESSION, READ_ONLY_ROOT_MESSAGE } from './drift-rules';
import type { AdmissionEngine, PolicyJson } from './engine';
import { twinResultSource } from './twin-sources';

const descriptor = ADMISSION_ENGINE_DESCRIPTORS.ImageValidatingPolicy;

/**
 * Kyverno's CEL engine: an ImageValidatingPolicy for rule 1, one for rules 2 and 3 (a signature
 * refusal is then told apart by its policy's name), one for `kubectl debug` (rules 1 to 4),
 * ValidatingPolicies for rule 4 and the drift control. Its verifier reads Sigstore bundles (OCI
 * referrers).
 */
export const imageValidatingPolicyEngine: AdmissionEngine = {
  ...descriptor,
  name: 'ImageValidatingPolicy',
  install: { chart: KYVERNO_CHART, namespace: KYVERNO_NAMESPACE, apiGroups: descriptor.apiGroups },
  policyKinds: ['ImageValidatingPolicy', 'ValidatingPolicy'],

  admissionPolicies(scope, props) {
    const id = (name: string) => twinName(name, props.role);
    return {
      verifyImages: new VerifyImagesPolicy(scope, id('verify-images'), props).policy,
      allowedImages: new AllowedImagesPolicy(scope, id('allowed-images'), props).policy,
      others: [new VerifySignaturePolicy(scope, id('verify-signature'), props).policy, new EphemeralContainersPolicy(scope, id('ephemeral-containers'), props).policy],
    };
  },

  readOnlyRootFilesystemPolicy(scope, id, { customer, enforcement }) {
    const enforcing = enforcement.mode === 'enforce';
    return new ValidatingPolicy(scope, id, {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).readOnlyRootFilesystem),
      spec: {
        validationActions: [enforcing ? 'Deny' : 'Audit'],
        failurePolicy: enforcing ? 'Fail' : 'Ignore',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchConditions: [{ name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) }],
        validations: [{ expression: READ_ONLY_ROOT_EXPRESSION, message: READ_ONLY_ROOT_MESSAGE }],
      } as never,
    });
  },

  /**
   * Both twins of each policy, told apart by name (twin-sources.ts); errors count like failures.
   * Rule 1 is its own policy; `kubectl debug` (rules 1 to 4 in one policy) counts with rules 2-3.
   */
  resultSources(customerName, enforcement) {
    const names = policyNames(customerName);
    const cel = { resultLabel: 'result', causeLabel: 'execution_cause' };
    const ivp = { metric: KYVERNO_METRICS.imageValidatingPolicyResults, ...cel };
    return {
      signature: twinResultSource([names.verifySignature], enforcement, { ...ivp, check: 'signature' }),
      verify: twinResultSource([names.verifyImages, names.ephemeralContainers], enforcement, { ...ivp, check: 'attestations' }),
      allowed: twinResultSource([names.allowedImages], enforcement, { metric: KYVERNO_METRICS.validatingPolicyResults, ...cel, check: 'allowed' }),
    };
  },

  /**
   * - `{ publicKeyPem }`: the `github-actions` attestor's keyless block becomes `cosign.key.data`
   *   with `ctlog.insecureIgnoreTlog/insecureIgnoreSCT`. The IVP keyless verifier always
   *   initialises TUF and ignores `keyless.roots`, so `{ rootsPem }` is refused.
   * - `{ tufMirror, tufRootBase64 }`: every keyless attestor KEEPS its identities (issuer,
   *   subjectRegExp) and gets `tuf` = a test TUF repository whose trusted_root.json names the
   *   test CA (and a test timestamp authority), plus `ctlog.insecureIgnoreTlog/insecureIgnoreSCT`.
   *   The keyless identity is then checked for real.
   * - A ValidatingPolicy (rule 4, drift) has no trust roots and stays unchanged.
   */
  trustTestRoots(policy, roots) {
    if (policy.kind !== 'ImageValidatingPolicy') return;
    if ('rootsPem' in roots) {
      throw new Error(
        'withTestTrustRoots: an ImageValidatingPolicy keyless attestor ignores keyless.roots and always initialises TUF; pass { publicKeyPem } and sign with the test key',
      );
    }
    const spec = policy.spec as PolicyJson;
    for (const attestor of (spec.attestors as PolicyJson[] | undefined) ?? []) {
      const cosign = attestor.cosign as PolicyJson | undefined;
      if (!cosign?.keyless) continue;
      cosign.ctlog = { insecureIgnoreTlog: true, insecureIgnoreSCT: true };
      if ('tufMirror' in roots) {
        cosign.tuf = { mirror: roots.tufMirror, root: { data: roots.tufRootBase64 } };
        continue;
      }
      delete cosign.keyless;
      cosign.key = { data: roots.publicKeyPem };
    }
  },
};
