/**
 * The Pulumi program (`main` in Pulumi.yaml): `pulumi up -s <customer>` onboards that customer.
 * Pulumi calls the exported function and publishes what it returns as the stack outputs.
 * `scb fleet` runs the very same function as an inline program (customer-program.ts).
 */
import { customerProgram } from './customer-program';

export = customerProgram();
