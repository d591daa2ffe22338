import { BUNDLE_FEATURES } from '../features';
import { renderManifest } from '../manifest';
import { CustomerOnboarding, type StackOutputs } from './customer-onboarding';
import type { StackInputs } from './stack-config';

export { CUSTOMER_ONBOARDING_TYPE, CustomerOnboarding, type StackOutputs } from './customer-onboarding';

/**
 * Onboards one customer: renders the manifest (what `scb synth` writes, by the same features at
 * the same clock) and delivers it through one CustomerOnboarding component named after the
 * customer. Returns the stack outputs.
 */
export function onboardCustomer(inputs: StackInputs): StackOutputs {
  const manifest = renderManifest(inputs.customer, inputs.at, BUNDLE_FEATURES);
  return new CustomerOnboarding(inputs.customer.name, { inputs, manifest }).outputs;
}
