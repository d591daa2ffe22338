import { Construct } from 'constructs';
import type { ApiObject } from 'cdk8s';
import { admissionEngine, type DriftPolicyProps } from '../admission/engines';
import type { Customer } from '../model/customer';

export { READ_ONLY_ROOT_EXPRESSION } from '../admission/engines';

export interface ReadOnlyRootFilesystemPolicyProps extends DriftPolicyProps {
  /** The customer: admission engine, name, identity and production namespaces. */
  readonly customer: DriftPolicyProps['customer'] & { readonly admission: Pick<Customer['admission'], 'engine' | 'namespaces'> };
}

/**
 * Optional drift control (`monitoring.requireReadOnlyRootFilesystem`): a read-only root
 * filesystem stops most runtime package installs and binary drops inside a running container.
 * Written by the customer's admission engine (a CEL ValidatingPolicy, or a legacy ClusterPolicy
 * validate rule), with the same metadata as the admission policies. It audits during the soft
 * period and enforces after the flip, like them.
 */
export class ReadOnlyRootFilesystemPolicy extends Construct {
  readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: ReadOnlyRootFilesystemPolicyProps) {
    super(scope, id);
    this.policy = admissionEngine(props.customer.admission.engine).readOnlyRootFilesystemPolicy(this, 'Resource', props);
  }
}
