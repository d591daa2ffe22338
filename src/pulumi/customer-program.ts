import * as pulumi from '@pulumi/pulumi';
import { onboardCustomer, type StackOutputs } from './onboard';
import { readStackInputs } from './stack-config';

/**
 * The Pulumi program of one customer stack, as one function for both ways it runs:
 * `pulumi up -s <customer>` loads it from program.ts (Pulumi.yaml's `main`), and `scb fleet` runs
 * it as an Automation API inline program. Same code, same stack config, same outputs.
 *
 * @param projectDir the folder holding `stacks/Pulumi.<customer>.yaml`, read again for line numbers
 *   in errors. @default - the program's root directory (the project folder under `pulumi up`)
 */
export function customerProgram(projectDir?: string): () => Promise<StackOutputs> {
  return async () => onboardCustomer(readStackInputs(pulumi.getStack(), projectDir ?? (pulumi.runtime.getRootDirectory() || process.cwd())));
}
