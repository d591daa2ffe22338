import { parseAllDocuments } from 'yaml';
import type { Customer } from '../../src/model/customer';
import { loadCustomers } from '../../src/model/load';
import { renderBundle, type RenderedBundle } from '../../src/synth/bundle';
import { BUNDLE_CONTRIBUTORS } from '../../src/synth/contributors';
import { validCustomer, writeStackFiles } from './customer-files';
import { REPO_ROOT, exampleStackFiles } from './synth-helper';

export type Doc = Record<string, any>;

/** Loads one customer description (overrides on `validCustomer()`) through the real loader. */
export function customerFrom(overrides: Record<string, unknown> = {}): Customer {
  const [customer] = loadCustomers(writeStackFiles({ [String(overrides.name ?? 'example')]: validCustomer(overrides) }), REPO_ROOT);
  return customer;
}

/** One of the example customers in stacks/. */
export function exampleCustomer(name: string): Customer {
  const customer = loadCustomers(exampleStackFiles(), REPO_ROOT).find((candidate) => candidate.name === name);
  if (!customer) throw new Error(`no example customer ${name}`);
  return customer;
}

export interface RenderedAdmission {
  readonly bundle: RenderedBundle;
  /** The documents of kubernetes/admission-policies.yaml, parsed back from the written YAML. */
  readonly policies: Doc[];
  byKind(kind: string): Doc[];
  byName(name: string): Doc;
}

/** Renders a customer's bundle at `at` and parses the admission policies back from YAML. */
export function renderAdmission(customer: Customer, at: string | Date): RenderedAdmission {
  const bundle = renderBundle(customer, typeof at === 'string' ? new Date(at) : at, BUNDLE_CONTRIBUTORS);
  const text = bundle.files.get('kubernetes/admission-policies.yaml');
  if (text === undefined) throw new Error('no admission-policies.yaml in the bundle');
  const policies = parseAllDocuments(text).map((doc) => doc.toJS() as Doc);
  return {
    bundle,
    policies,
    byKind: (kind) => policies.filter((doc) => doc.kind === kind),
    byName: (name) => {
      const found = policies.find((doc) => doc.metadata?.name === name);
      if (!found) throw new Error(`no policy ${name}; have ${policies.map((doc) => doc.metadata?.name).join(', ')}`);
      return found;
    },
  };
}
