/**
 * The Pulumi program (`main` in Pulumi.yaml): `pulumi up -s <customer>` onboards that customer.
 * Pulumi calls the exported function and publishes what it returns as the stack outputs.
 */
import { onboardCustomer } from './onboard';
import { readStackInputs } from './stack-config';

export = async () => onboardCustomer(readStackInputs());
