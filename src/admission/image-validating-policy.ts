import { Construct } from 'constructs';
import { ImageValidatingPolicy } from '../../imports/policies.kyverno.io';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { imageReferencePatterns, signingIdentity } from '../model/supply-chain-contract';
import { namespaceMatchExpression } from './namespace-globs';

/** Annotation keys every generated policy carries, so a reviewer sees the flip without reading the model. */
export const POLICY_ANNOTATIONS = {
  flipDate: 'supply-chain-bundle.io/enforce-from',
  mode: 'supply-chain-bundle.io/enforcement-mode',
  signingIdentity: 'supply-chain-bundle.io/signing-identity',
} as const;

export interface SignaturePolicyProps {
  readonly customer: Customer;
  readonly enforcement: EnforcementState;
}

/** Name of the attestor every rule refers to. */
export const GITHUB_ACTIONS_ATTESTOR = 'github-actions';

/**
 * Rule 1, signature (and main branch): every container image matching the customer's references
 * in a production namespace is signed keylessly by the customer's release workflow on its branch.
 */
export class SignaturePolicy extends Construct {
  readonly policy: ImageValidatingPolicy;

  constructor(scope: Construct, id: string, props: SignaturePolicyProps) {
    super(scope, id);
    const { customer, enforcement } = props;
    const identity = signingIdentity(customer);
    const enforcing = enforcement.mode === 'enforce';
    this.policy = new ImageValidatingPolicy(this, 'Resource', {
      metadata: {
        name: `scb-${customer.name}-signed-images`,
        annotations: {
          [POLICY_ANNOTATIONS.flipDate]: enforcement.flipDate,
          [POLICY_ANNOTATIONS.mode]: enforcement.mode,
          [POLICY_ANNOTATIONS.signingIdentity]: identity.subject,
        },
      },
      spec: {
        validationActions: [enforcing ? 'Deny' : 'Audit'],
        failurePolicy: enforcing ? 'Fail' : 'Ignore',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchConditions: [{ name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) }],
        matchImageReferences: imageReferencePatterns(customer).map((glob) => ({ glob })),
        attestors: [
          {
            name: GITHUB_ACTIONS_ATTESTOR,
            cosign: { keyless: { identities: [{ issuer: identity.issuer, subjectRegExp: identity.subjectRegExp }] } },
          },
        ],
        validationConfigurations: { mutateDigest: enforcing, verifyDigest: true, required: true },
        validations: [
          {
            expression: `images.containers.map(image, verifyImageSignatures(image, [attestors["${GITHUB_ACTIONS_ATTESTOR}"]])).all(e, e > 0)`,
            message: `images must be signed by ${identity.subject}`,
          },
        ],
      } as never,
    });
  }
}
