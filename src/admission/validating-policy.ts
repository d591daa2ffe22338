import { Construct } from 'constructs';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy,
  ValidatingPolicySpecValidationActions,
} from '../../imports/policies.kyverno.io';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { imageReferencePatterns } from '../model/supply-chain-contract';
import { type AllowlistExemption, allowlistAnnotations, celAllowlisted } from './allowlist';
import { celImageMatches } from './image-references';
import { namespaceMatchExpression } from './namespace-globs';
import { AUTOGEN_CONTROLLERS, policyMetadata, policyNames } from './policy-metadata';

export interface AllowedImagesPolicyProps {
  /** The customer whose image globs and namespaces the policy encodes. */
  readonly customer: Customer;
  /** Audit or enforce, and the flip date, at the synth clock. */
  readonly enforcement: EnforcementState;
  /**
   * Allowlisted images, admitted by digest next to the customer's own.
   * @default - none
   */
  readonly exemptions?: readonly AllowlistExemption[];
}

/**
 * Every image of a pod, written with `object.spec` so the engine's autogen rewrites it to
 * `object.spec.template.spec` (and the CronJob path) for the controllers.
 */
const POD_IMAGES =
  'object.spec.containers.map(c, c.image) + object.spec.?initContainers.orValue([]).map(c, c.image) + ' +
  'object.spec.?ephemeralContainers.orValue([]).map(c, c.image)';

/** CEL: the image in variable `name` is the customer's own or allowlisted. */
export function celAdmittedImage(name: string, customer: Customer, exemptions: readonly AllowlistExemption[]): string {
  const own = celImageMatches(name, imageReferencePatterns(customer));
  return exemptions.length === 0 ? own : `${own} || ${celAllowlisted(name, exemptions)}`;
}

/**
 * Rule 4, no side door, on the CEL engine. Not an image verification (nothing is fetched from a
 * registry), so a ValidatingPolicy: it runs in the API server's CEL, can be tested offline with
 * `kyverno apply`, and refuses any image in a production namespace that is neither one of the
 * customer's references nor an allowlisted digest. Without it, a pod could sidestep rules 1 to 3
 * simply by pulling from another repository, which matchImageReferences would never select.
 */
export class AllowedImagesPolicy extends Construct {
  readonly policy: ValidatingPolicy;

  constructor(scope: Construct, id: string, props: AllowedImagesPolicyProps) {
    super(scope, id);
    const { customer, enforcement, exemptions = [] } = props;
    const enforcing = enforcement.mode === 'enforce';
    const admitted = celAdmittedImage('image', customer, exemptions);
    const references = imageReferencePatterns(customer).join(', ');
    this.policy = new ValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).allowedImages, allowlistAnnotations(exemptions)),
      spec: {
        validationActions: enforcing
          ? [ValidatingPolicySpecValidationActions.DENY]
          : [ValidatingPolicySpecValidationActions.AUDIT, ValidatingPolicySpecValidationActions.WARN],
        failurePolicy: enforcing ? ValidatingPolicySpecFailurePolicy.FAIL : ValidatingPolicySpecFailurePolicy.IGNORE,
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchConditions: [{ name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) }],
        autogen: { podControllers: { controllers: [...AUTOGEN_CONTROLLERS.resources] } },
        variables: [
          { name: 'images', expression: POD_IMAGES },
          { name: 'refused', expression: `variables.images.filter(image, !(${admitted}))` },
        ],
        validations: [
          {
            expression: 'size(variables.refused) == 0',
            messageExpression: `'rule 4 (no side door): images outside ${references.replace(/'/g, '')} and the allowlist are refused: ' + variables.refused.join(', ')`,
          },
        ],
      },
    });
  }
}
