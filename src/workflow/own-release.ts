import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Customer } from '../model/customer';
import { CustomerValidationError, parseStackFile } from '../model/load';
import { signingIdentity } from '../contract';
import { generatedHeader, releaseWorkflow, workflowYaml } from './release-workflow';

/** This repository's own customer description (stack-file form), relative to the repository root. */
export const OWN_CUSTOMER_FILE = '.github/supply-chain.yaml';

/** Loads this repository's own customer description; throws CustomerValidationError when it is invalid. */
export function loadOwnCustomer(repositoryRoot: string): Customer {
  const text = readFileSync(join(repositoryRoot, OWN_CUSTOMER_FILE), 'utf8');
  // The file is not under stacks/ (it is not a customer we deliver to), so its stack name is given here.
  const loaded = parseStackFile('Pulumi.supply-chain-bundle.yaml', text, OWN_CUSTOMER_FILE);
  if (!loaded.customer) throw new CustomerValidationError(loaded.errors);
  return loaded.customer;
}

/** The release workflow of this repository (path inside the repository, and content), generated like a customer's. */
export function ownReleaseWorkflow(repositoryRoot: string): { path: string; content: string } {
  const customer = loadOwnCustomer(repositoryRoot);
  const identity = signingIdentity(customer);
  return {
    path: identity.workflowPath,
    content: workflowYaml(
      releaseWorkflow(customer),
      generatedHeader(customer, `Releases the rescanner image, signed as ${identity.subject}. Regenerate with: npm run release-workflow`),
    ),
  };
}
