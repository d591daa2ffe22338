import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { toCustomer, type Customer } from './customer';
import { customerSchema } from './schema';

/** The Pulumi project name; config keys of this project are `supply-chain:<key>`. */
export const PULUMI_PROJECT = 'supply-chain';
/** The stack-config key that holds the customer description. */
export const CUSTOMER_CONFIG_KEY = `${PULUMI_PROJECT}:customer`;
const STACK_FILE = /^Pulumi\.([A-Za-z0-9._-]+)\.ya?ml$/;
/** Folders `scb synth` writes for the whole fleet beside the customer folders (`dist/argocd/`). */
export const RESERVED_CUSTOMER_NAMES: readonly string[] = ['argocd'];
/** Top-level keys Pulumi itself allows in a stack file. */
const PULUMI_STACK_KEYS = new Set(['config', 'secretsprovider', 'encryptedkey', 'encryptionsalt', 'environment']);

export { formatFieldError, type FieldError } from './config-errors';
import { configFieldErrors, formatFieldError, type FieldError } from './config-errors';

/** Thrown when one or more customer files are invalid; carries every problem found, not just the first. */
export class CustomerValidationError extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map(formatFieldError).join('\n'));
    this.name = 'CustomerValidationError';
  }
}

/** Lists `Pulumi.<stack>.yaml` files of a folder, sorted so that output order never depends on the file system. */
export function listStackFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => STACK_FILE.test(name))
    .sort()
    .map((name) => join(directory, name));
}

/** The stack name a stack file stands for (`Pulumi.acme.yaml` → `acme`). */
export function stackNameOf(file: string): string | undefined {
  return STACK_FILE.exec(basename(file))?.[1];
}

export interface LoadedFile {
  readonly customer?: Customer;
  readonly errors: readonly FieldError[];
}

/** Parses one stack file into a customer, or into the list of everything wrong with it. */
export function parseStackFile(file: string, text: string, displayName = file): LoadedFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fileError = (field: string, message: string, offset?: number): LoadedFile => {
    const position = offset !== undefined ? lineCounter.linePos(offset) : undefined;
    return { errors: [{ file: displayName, line: position?.line, column: position?.col, field, message }] };
  };
  if (document.errors.length > 0) {
    return {
      errors: document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { file: displayName, line: position.line, column: position.col, field: '(yaml)', message: `${error.message.split('\n')[0]}. Fix the YAML syntax.` };
      }),
    };
  }
  const stack = stackNameOf(file);
  if (!stack) return fileError('(file name)', `is not named like a Pulumi stack file; rename it to stacks/Pulumi.<customer>.yaml.`);
  const root = document.toJS({ maxAliasCount: 0 }) as unknown;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    return fileError('(stack file)', 'is not a mapping; a Pulumi stack file starts with "config:".');
  }
  const unknownTopLevel = Object.keys(root).filter((key) => !PULUMI_STACK_KEYS.has(key));
  if (unknownTopLevel.length > 0) {
    return fileError(unknownTopLevel[0], `is not a Pulumi stack file key; expected one of ${[...PULUMI_STACK_KEYS].join(', ')}. Fix: put the customer under config."${CUSTOMER_CONFIG_KEY}".`);
  }
  const config = (root as { config?: Record<string, unknown> }).config;
  const description = config?.[CUSTOMER_CONFIG_KEY];
  if (description === undefined) {
    return fileError(`config."${CUSTOMER_CONFIG_KEY}"`, `is missing; the customer description lives under this config key. Fix: add "${CUSTOMER_CONFIG_KEY}:" under "config:".`);
  }
  return customerFromDescription(description, displayName, stack, { document, lineCounter });
}

/**
 * Validates a customer description that is already parsed (as the Pulumi program receives it
 * from stack config). With the source document, errors carry line and column too.
 */
export function customerFromDescription(
  description: unknown,
  displayName: string,
  stack: string,
  source?: { document: Document; lineCounter: LineCounter },
): LoadedFile {
  const result = customerSchema.safeParse(description);
  if (!result.success) {
    return {
      errors: configFieldErrors(result.error.issues, {
        schema: customerSchema,
        input: description,
        file: displayName,
        configKey: CUSTOMER_CONFIG_KEY,
        document: source,
      }),
    };
  }
  return { customer: toCustomer(result.data, displayName, stack), errors: [] };
}

/**
 * Loads and validates customer files. Reports every problem in every file together, including
 * names used by more than one file, and throws CustomerValidationError if there is any.
 */
export function loadCustomers(files: readonly string[], cwd = process.cwd()): Customer[] {
  const errors: FieldError[] = [];
  const customers: Customer[] = [];
  for (const file of files) {
    const displayName = relative(cwd, file) || file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      errors.push({ file: displayName, field: '(file)', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Fix: check the path.` });
      continue;
    }
    const loaded = parseStackFile(file, text, displayName);
    errors.push(...loaded.errors);
    if (loaded.customer) customers.push(loaded.customer);
  }
  const firstFileByName = new Map<string, Customer>();
  for (const customer of customers) {
    if (RESERVED_CUSTOMER_NAMES.includes(customer.name)) {
      errors.push({
        file: customer.sourceFile,
        field: 'name',
        message: `found "${customer.name}", which is reserved: scb synth writes the fleet-level ${customer.name}/ folder beside the customer folders. Fix: choose another customer name.`,
      });
      continue;
    }
    const first = firstFileByName.get(customer.name);
    if (first) {
      errors.push({
        file: customer.sourceFile,
        field: 'name',
        message: `found "${customer.name}", which is already the name of the customer in ${first.sourceFile}; customer names must be unique across stacks/. Fix: rename one of them.`,
      });
    } else {
      firstFileByName.set(customer.name, customer);
    }
  }
  if (errors.length > 0) throw new CustomerValidationError(errors);
  return customers;
}
