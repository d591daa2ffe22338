import { stringify } from 'yaml';
import type { Customer } from '../../src/model/customer';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { validCustomer } from './customer-files';

/** Parses a customer description through the real loader, so defaults and freezing are as in production. */
export function parsedCustomer(overrides: Record<string, unknown> = {}, file = 'stacks/Pulumi.example.yaml'): Customer {
  const { customer, errors } = parseStackFile(file, stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer(overrides) } }));
  if (!customer) throw new Error(`test customer is invalid:\n${errors.map(formatFieldError).join('\n')}`);
  return customer;
}
