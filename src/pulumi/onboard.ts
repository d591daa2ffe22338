import { BUNDLE_FEATURES } from '../features';
import { renderManifest } from '../manifest';
import { readCanonicalRepository, withRepositoryId } from './canonical-repository';
import { CustomerOnboarding, type StackOutputs } from './customer-onboarding';
import type { StackInputs } from './stack-config';

export { CUSTOMER_ONBOARDING_TYPE, CustomerOnboarding, type StackOutputs } from './customer-onboarding';

/**
 * Onboards one customer: first reads the repository through the GitHub provider and refuses to go
 * on when GitHub spells it differently from the customer file (or reports another repository ID;
 * not with `deliver: cluster`, which has no GitHub access);
 * then renders the manifest (what `scb synth` writes, by the same features at the same clock, with
 * the repository ID GitHub reported when the file pins none) and delivers it through one
 * CustomerOnboarding component named after the customer. Returns the stack outputs.
 */
export async function onboardCustomer(inputs: StackInputs): Promise<StackOutputs> {
  // A stack that delivers the cluster half only has no GitHub credentials: it renders what
  // `scb synth` renders from the file (pin github.repositoryId there to keep the ID in the policies).
  const customer = inputs.github ? withRepositoryId(inputs.customer, await readCanonicalRepository(inputs.customer, inputs.github)) : inputs.customer;
  const manifest = renderManifest(customer, inputs.at, BUNDLE_FEATURES);
  return new CustomerOnboarding(customer.name, { inputs: { ...inputs, customer }, manifest }).outputs;
}
