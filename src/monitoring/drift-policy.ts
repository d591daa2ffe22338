import { Construct } from 'constructs';
import { ClusterPolicy } from '../../imports/kyverno.io';
import { ValidatingPolicy } from '../../imports/policies.kyverno.io';
import { namespaceMatchExpression } from '../admission/namespace-globs';
import { policyNames } from '../admission/policy-metadata';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';

export interface ReadOnlyRootFilesystemPolicyProps {
  /** The customer: admission engine and production namespaces. */
  readonly customer: Customer;
  /** The policy audits during the soft period and enforces after the flip, like the signature policies. */
  readonly enforcement: EnforcementState;
}

const MESSAGE = 'containers in production namespaces must set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where the process writes)';

/** CEL: every container and init container sets readOnlyRootFilesystem to true. */
export const READ_ONLY_ROOT_EXPRESSION = [
  'object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true)',
  '(!has(object.spec.initContainers) || object.spec.initContainers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true))',
].join(' && ');

/**
 * Optional drift control (`monitoring.requireReadOnlyRootFilesystem`): a read-only root
 * filesystem stops most runtime package installs and binary drops inside a running container.
 * Written for the customer's admission engine: a CEL ValidatingPolicy next to the
 * ImageValidatingPolicy, or a legacy ClusterPolicy validate rule.
 */
export class ReadOnlyRootFilesystemPolicy extends Construct {
  constructor(scope: Construct, id: string, props: ReadOnlyRootFilesystemPolicyProps) {
    super(scope, id);
    const { customer, enforcement } = props;
    const enforcing = enforcement.mode === 'enforce';
    const metadata = {
      name: policyNames(customer.name).readOnlyRootFilesystem,
      annotations: {
        'supply-chain-bundle.io/enforce-from': enforcement.flipDate,
        'supply-chain-bundle.io/enforcement-mode': enforcement.mode,
      },
    };
    if (customer.admission.engine === 'ImageValidatingPolicy') {
      new ValidatingPolicy(this, 'Resource', {
        metadata,
        spec: {
          validationActions: [enforcing ? 'Deny' : 'Audit'],
          failurePolicy: enforcing ? 'Fail' : 'Ignore',
          matchConstraints: {
            resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
          },
          matchConditions: [{ name: 'production-namespaces', expression: namespaceMatchExpression(customer.admission.namespaces) }],
          validations: [{ expression: READ_ONLY_ROOT_EXPRESSION, message: MESSAGE }],
        } as never,
      });
      return;
    }
    new ClusterPolicy(this, 'Resource', {
      metadata,
      spec: {
        background: true,
        rules: [
          {
            name: 'require-readonly-root-filesystem',
            match: { any: [{ resources: { kinds: ['Pod'], namespaces: [...customer.admission.namespaces] } }] },
            validate: {
              failureAction: enforcing ? 'Enforce' : 'Audit',
              message: MESSAGE,
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
  }
}
