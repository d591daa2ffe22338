import { Construct } from 'constructs';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy,
  ValidatingPolicySpecValidationActions,
} from '../../imports/policies.kyverno.io';
import { imageReferencePatterns } from '../contract';
import { type AllowlistExemption, allowlistAnnotations, celAllowlistExpired } from './allowlist';
import type { AdmissionPolicyProps } from './engines/engine';
import { celAdmittedImage } from './image-references';
import { AUTOGEN_CONTROLLERS, policyMetadata, policyNames } from './policy-metadata';
import { CEL_PREVIOUS_IMAGES, CEL_TIME_JUDGED, celMatchConditions, celPodImages } from './request-paths';

/**
 * Rule 4, no side door, on the CEL engine, one twin (see flip-gate.ts). Not an image
 * verification (nothing is fetched from a registry), so a ValidatingPolicy: it runs in Kyverno's
 * CEL, can be tested offline with `kyverno apply`, and refuses any image a request brings into a
 * production namespace that is neither one of the customer's references nor an allowlisted
 * digest. Without it, a pod could sidestep rules 1 to 3 simply by pulling from another
 * repository, which matchImageReferences would never select. Like rules 1 to 3 it judges the
 * images a request adds (all of them on CREATE; see request-paths.ts); ephemeral containers are
 * judged by the ephemeral-containers policy.
 */
export class AllowedImagesPolicy extends Construct {
  readonly policy: ValidatingPolicy;

  constructor(scope: Construct, id: string, props: AdmissionPolicyProps) {
    super(scope, id);
    const { customer, enforcement, role, exemptions = [] } = props;
    const enforcing = role === 'enforce';
    const admitted = celAdmittedImage('image', customer, exemptions);
    const references = imageReferencePatterns(customer).join(', ');
    this.policy = new ValidatingPolicy(this, 'Resource', {
      metadata: policyMetadata(customer, enforcement, policyNames(customer.name).allowedImages, role, allowlistAnnotations(exemptions)),
      spec: {
        validationActions: enforcing
          ? [ValidatingPolicySpecValidationActions.DENY]
          : [ValidatingPolicySpecValidationActions.AUDIT, ValidatingPolicySpecValidationActions.WARN],
        // The enforce twin fails closed from day 0, matching nothing before the flip (flip-gate.ts).
        failurePolicy: enforcing ? ValidatingPolicySpecFailurePolicy.FAIL : ValidatingPolicySpecFailurePolicy.IGNORE,
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchConditions: celMatchConditions(customer, enforcement, role),
        autogen: { podControllers: { controllers: [...AUTOGEN_CONTROLLERS.resources] } },
        variables: [
          { name: 'previousImages', expression: CEL_PREVIOUS_IMAGES },
          { name: 'refused', expression: `(${celPodImages('object')}).filter(image, !(image in variables.previousImages) && !(${admitted}))` },
          ...allowlistExpiryVariables(exemptions),
        ],
        validations: [
          {
            expression: 'size(variables.refused) == 0',
            messageExpression: `'rule 4 (no side door): images outside ${references.replace(/'/g, '')} and the allowlist are refused: ' + variables.refused.join(', ')`,
          },
          ...allowlistExpiryValidations(exemptions),
        ],
      },
    });
  }
}

export { celAdmittedImage };

/**
 * The allowlist's expiry, on Kyverno's clock (allowlist.ts): the images a change by someone
 * brings in that only an expired entry had exempted. Not judged for a controller's reschedule.
 */
export function allowlistExpiryVariables(exemptions: readonly AllowlistExemption[]): { name: string; expression: string }[] {
  if (exemptions.length === 0) return [];
  return [
    {
      name: 'allowlistExpired',
      expression: `(${CEL_TIME_JUDGED}) ? (${celPodImages('object')}).filter(image, !(image in variables.previousImages) && (${celAllowlistExpired('image', exemptions)})) : []`,
    },
  ];
}

/** The validation that refuses what `allowlistExpiryVariables` found. */
export function allowlistExpiryValidations(exemptions: readonly AllowlistExemption[]): { expression: string; messageExpression: string }[] {
  if (exemptions.length === 0) return [];
  return [
    {
      expression: 'size(variables.allowlistExpired) == 0',
      messageExpression: "'allowlist: the entry for these images has expired (review it and update lastReviewed in the customer file): ' + variables.allowlistExpired.join(', ')",
    },
  ];
}
