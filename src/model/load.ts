import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { toCustomer, type Customer } from './customer';
import { customerSchema, globsMatching, registryTypeMismatch } from './schema';

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
import { configFieldErrors, formatFieldError, locate, yamlSyntaxHint, type FieldError } from './config-errors';

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

/**
 * YAML files in the stacks folder that are not named `Pulumi.<customer>.yaml`: Pulumi and scb
 * ignore them, so the customer they describe would silently get no bundle (and a whole-fleet
 * synth would remove the one it had). Every one is an error.
 */
export function misnamedStackFiles(directory: string, cwd = process.cwd()): FieldError[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.ya?ml$/i.test(name) && !STACK_FILE.test(name))
    .sort()
    .map((name) => {
      const guess = /^(?:pulumi[.-])?([a-z0-9][a-z0-9-]*)\.ya?ml$/i.exec(name)?.[1]?.toLowerCase();
      return {
        file: relative(cwd, join(directory, name)) || name,
        field: '(file name)',
        message: `is not named Pulumi.<customer>.yaml, so Pulumi and scb ignore it: its customer gets no bundle, and a whole-fleet synth removes the bundle it had. Fix: rename it to ${join(relative(cwd, directory) || directory, `Pulumi.${guess ?? '<customer>'}.yaml`)}${name.endsWith('.yml') && guess ? ' (Pulumi reads .yaml)' : ''}.`,
      };
    });
}

/** The stack name a stack file stands for (`Pulumi.acme.yaml` → `acme`). */
export function stackNameOf(file: string): string | undefined {
  return STACK_FILE.exec(basename(file))?.[1];
}

export interface LoadedFile {
  readonly customer?: Customer;
  readonly errors: readonly FieldError[];
  /** Where the customer's `name` is written, for messages about it. */
  readonly nameAt?: { readonly line?: number; readonly column?: number };
}

/** Parses one stack file into a customer, or into the list of everything wrong with it. */
export function parseStackFile(file: string, text: string, displayName = file, options: LoadOptions = {}): LoadedFile {
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
        const firstLine = error.message.split('\n')[0];
        const hint = yamlSyntaxHint(firstLine, text.split('\n')[position.line - 1]);
        return { file: displayName, line: position.line, column: position.col, field: '(yaml)', message: hint ? `${firstLine}: ${hint}` : `${firstLine}. Fix the YAML syntax.` };
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
  const loaded = customerFromDescription(description, displayName, stack, { document, lineCounter }, options);
  // The delivery settings may install Kyverno elsewhere; its namespace must not be a production one either.
  const kyvernoNamespace = (config?.[`${PULUMI_PROJECT}:delivery`] as { kubernetes?: { kyvernoNamespace?: unknown } } | undefined)?.kubernetes?.kyvernoNamespace;
  if (loaded.customer) (loaded as { nameAt?: LoadedFile['nameAt'] }).nameAt = locate(document, lineCounter, CUSTOMER_CONFIG_KEY, ['name']);
  if (loaded.customer && typeof kyvernoNamespace === 'string') {
    const errors = globsMatching(loaded.customer.admission.namespaces, kyvernoNamespace).map((index) => ({
      file: displayName,
      ...locate(document, lineCounter, CUSTOMER_CONFIG_KEY, ['admission', 'namespaces', index]),
      field: `admission.namespaces[${index}]`,
      message: `"${loaded.customer!.admission.namespaces[index]}" matches ${kyvernoNamespace}, the Kyverno namespace of supply-chain:delivery.kubernetes.kyvernoNamespace; rule 4 would refuse Kyverno's own pods. Fix: list only the customer's production namespaces, e.g. "production-*".`,
    }));
    if (errors.length > 0) return { errors };
  }
  return loaded;
}

/** What validating a customer may depend on besides the file. */
export interface LoadOptions {
  /** The clock: `onboardedAt` more than a year after it is refused as a typo. @default now */
  readonly at?: Date;
  /**
   * Checks of a schema-valid customer that need a feature's knowledge (src/bundle-checks.ts);
   * injected, so the model imports no feature. Their problems get the line of the field.
   * @default - none
   */
  readonly checks?: (customer: Customer) => readonly FieldError[];
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
  options: LoadOptions = {},
): LoadedFile {
  const at = (path: (string | number)[]) => (source ? locate(source.document, source.lineCounter, CUSTOMER_CONFIG_KEY, path) : {});
  const raw = (description ?? {}) as { name?: unknown; image?: unknown; registry?: { type?: unknown }; enforcement?: { onboardedAt?: unknown } };
  // Checks on the raw input, so they are reported with the schema's problems, all at once.
  const errors: FieldError[] = [];
  if (typeof raw.name === 'string' && raw.name !== stack) {
    errors.push({
      file: displayName,
      ...at(['name']),
      field: 'name',
      message: `found "${raw.name}", but the file is named for stack "${stack}": Pulumi would deliver it as stack ${stack} while scb writes dist/${raw.name}/. Fix: set name: ${stack}, or rename the file to Pulumi.${raw.name}.yaml.`,
    });
  }
  const clock = options.at ?? new Date();
  const onboardedAt = raw.enforcement?.onboardedAt;
  const onboarded = typeof onboardedAt === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(onboardedAt) ? new Date(`${onboardedAt}T00:00:00Z`) : undefined;
  if (onboarded && onboarded.getTime() - clock.getTime() > 366 * 86_400_000) {
    const years = Math.floor((onboarded.getTime() - clock.getTime()) / (365.25 * 86_400_000));
    const today = clock.toISOString().slice(0, 10);
    errors.push({
      file: displayName,
      ...at(['enforcement', 'onboardedAt']),
      field: 'enforcement.onboardedAt',
      message: `found "${onboardedAt}", ${years > 1 ? `${years} years` : 'more than a year'} after today (${today}): the policies would audit until then and never refuse anything. Fix: write the day the customer starts, e.g. "${today}" (a mistyped year?).`,
    });
  }
  const result = customerSchema.safeParse(description);
  if (!result.success) {
    const schemaErrors = configFieldErrors(result.error.issues, {
      schema: customerSchema,
      input: description,
      file: displayName,
      configKey: CUSTOMER_CONFIG_KEY,
      document: source,
    });
    // The registry type decides which fields are allowed: a wrong type is the first thing to fix,
    // so report it now, ahead of the fields it makes unknown, not on the next run.
    const mismatch = typeof raw.image === 'string' && typeof raw.registry?.type === 'string' ? registryTypeMismatch(raw.image, raw.registry.type) : undefined;
    if (mismatch && !schemaErrors.some((error) => error.field === 'registry.type')) {
      errors.unshift({ file: displayName, ...at(['registry', 'type']), field: 'registry.type', message: `found ${JSON.stringify(raw.registry!.type)}; ${mismatch}.` });
    }
    return { errors: [...errors, ...schemaErrors] };
  }
  const customer = toCustomer(result.data, displayName, stack);
  // Reported with the checks above, so one run lists every problem of a schema-valid file.
  for (const problem of options.checks?.(customer) ?? []) errors.push(problem.line === undefined ? { ...problem, ...at(fieldPath(problem.field)) } : problem);
  if (errors.length > 0) return { errors };
  return { customer, errors: [] };
}

/** `monitoring.pullSecrets[1]` → ['monitoring', 'pullSecrets', 1], to locate a field by its name. */
function fieldPath(field: string): (string | number)[] {
  return field.split(/\.|(?=\[)/).map((segment) => (/^\[\d+\]$/.test(segment) ? Number(segment.slice(1, -1)) : segment));
}

/** The customer name a stack file declares, read without validating anything else. */
function declaredName(file: string): { name: string; line?: number } | undefined {
  try {
    const lineCounter = new LineCounter();
    const document = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
    const node = document.getIn(['config', CUSTOMER_CONFIG_KEY, 'name'], true) as { value?: unknown; range?: [number] } | undefined;
    if (typeof node?.value !== 'string') return undefined;
    return { name: node.value, line: node.range ? lineCounter.linePos(node.range[0]).line : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Loads and validates customer files. Reports every problem in every file together, including
 * names used by more than one file, and throws CustomerValidationError if there is any.
 * `others` are further stack files (the rest of stacks/ when files are named on the command
 * line) whose names the loaded customers must not repeat.
 */
export function loadCustomers(files: readonly string[], cwd = process.cwd(), options: LoadOptions & { readonly others?: readonly string[] } = {}): Customer[] {
  const errors: FieldError[] = [];
  const customers: Customer[] = [];
  const nameAt = new Map<Customer, LoadedFile['nameAt']>();
  // Paths as the user wrote them: relative to the working folder when inside it, else as given.
  const shown = (file: string) => {
    const inside = relative(cwd, file);
    return inside && !inside.startsWith('..') ? inside : file;
  };
  for (const file of files) {
    const displayName = shown(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const fix = code === 'ENOENT' ? 'no such file; check the path (customer files are stacks/Pulumi.<customer>.yaml)' : code === 'EISDIR' ? 'it is a folder; name the stack files in it' : 'check the path and its permissions';
      errors.push({ file: displayName, field: '(file)', message: `cannot be read (${code}). Fix: ${fix}.` });
      continue;
    }
    const loaded = parseStackFile(file, text, displayName, options);
    errors.push(...loaded.errors);
    if (loaded.customer) {
      customers.push(loaded.customer);
      nameAt.set(loaded.customer, loaded.nameAt);
    }
  }
  const firstFileByName = new Map<string, { file: string; line?: number }>();
  const loadedPaths = new Set(files.map((file) => resolve(cwd, file)));
  for (const other of options.others ?? []) {
    if (loadedPaths.has(resolve(cwd, other))) continue;
    const declared = declaredName(other);
    if (declared && !firstFileByName.has(declared.name)) firstFileByName.set(declared.name, { file: shown(other), line: declared.line });
  }
  for (const customer of customers) {
    const where = nameAt.get(customer) ?? {};
    if (RESERVED_CUSTOMER_NAMES.includes(customer.name)) {
      errors.push({
        file: customer.sourceFile,
        ...where,
        field: 'name',
        message: `found "${customer.name}", which is reserved: scb synth writes the fleet-level ${customer.name}/ folder beside the customer folders. Fix: choose another customer name.`,
      });
      continue;
    }
    const first = firstFileByName.get(customer.name);
    if (first) {
      errors.push({
        file: customer.sourceFile,
        ...where,
        field: 'name',
        message: `found "${customer.name}", which is already the name of the customer in ${first.file}${first.line ? `:${first.line}` : ''}; customer names must be unique across stacks/. Fix: rename one of them.`,
      });
    } else {
      firstFileByName.set(customer.name, { file: customer.sourceFile, line: where.line });
    }
  }
  if (errors.length > 0) throw new CustomerValidationError(errors);
  return customers;
}
