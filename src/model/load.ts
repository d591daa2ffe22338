import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
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

/** One problem in a customer file, located precisely enough to fix it without searching. */
export interface FieldError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Dotted path inside the customer description, e.g. `github.repository` or `allowlist[0].image`. */
  readonly field: string;
  /** What is wrong, what was expected, and how to fix it. */
  readonly message: string;
}

export function formatFieldError(error: FieldError): string {
  const where = error.line ? `${error.file}:${error.line}:${error.column ?? 1}` : error.file;
  return `${where}: ${error.field}: ${error.message}`;
}

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

type PathSegment = string | number;

function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  }
  return text || '(customer)';
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/**
 * Walks the schema along a path to the object schema there, to list the allowed keys. A
 * discriminated union (e.g. `registry`) resolves to the option the input's `type` selects.
 */
function allowedKeysAt(path: readonly PathSegment[], input: unknown): string[] {
  let schema: any = customerSchema;
  const unwrap = (depth: number) => {
    while (schema?._zod?.def && ['default', 'prefault', 'optional', 'nullable', 'pipe', 'union'].includes(schema._zod.def.type)) {
      if (schema._zod.def.type === 'union') {
        const discriminator = (valueAt(input, path.slice(0, depth)) as { type?: unknown } | undefined)?.type;
        schema = schema._zod.def.options.find((option: any) => option?._zod?.def?.shape?.type?._zod?.def?.values?.includes(discriminator));
      } else {
        schema = schema._zod.def.innerType ?? schema._zod.def.in;
      }
    }
  };
  unwrap(0);
  path.forEach((segment, index) => {
    if (typeof segment === 'number') schema = schema?._zod?.def?.element;
    else schema = schema?._zod?.def?.shape?.[segment];
    unwrap(index + 1);
  });
  return Object.keys(schema?._zod?.def?.shape ?? {});
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Turns zod's issues into messages that say what was found, what is expected and how to fix it. */
function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): { path: PathSegment[]; message: string }[] {
  const described: { path: PathSegment[]; message: string }[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(path, input);
      for (const key of issue.keys) {
        const suggestion = closest(key, allowed);
        const fix = suggestion ? `did you mean "${suggestion}"? Rename the field` : 'remove it';
        described.push({
          path: [...path, key],
          message: `unknown field; expected one of ${allowed.join(', ')}. Fix: ${fix}.`,
        });
      }
      continue;
    }
    const found = valueAt(input, path);
    if (issue.code === 'invalid_type' && found === undefined) {
      described.push({ path, message: `is required but missing; ${issue.message}.` });
      continue;
    }
    // Messages either describe the value ("is not…", "has…") or say what is expected.
    const message = issue.message.startsWith('expected')
      ? `found ${describeFound(found)}; ${issue.message}.`
      : `${describeFound(found)} ${issue.message}.`;
    described.push({ path, message });
  }
  return described;
}

function locate(document: Document, lineCounter: LineCounter, path: readonly PathSegment[]): { line?: number; column?: number } {
  // Point at the deepest node that exists: for a missing field that is its parent mapping.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(['config', CUSTOMER_CONFIG_KEY, ...path.slice(0, depth)], true) as YamlNode | undefined;
    const keyNode = depth > 0 ? findKeyNode(document, path.slice(0, depth)) : undefined;
    const range = (keyNode ?? node)?.range;
    if (range) {
      const position = lineCounter.linePos(range[0]);
      return { line: position.line, column: position.col };
    }
  }
  return {};
}

function findKeyNode(document: Document, path: readonly PathSegment[]): YamlNode | undefined {
  const parent = document.getIn(['config', CUSTOMER_CONFIG_KEY, ...path.slice(0, -1)], true);
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
  return pair && isScalar(pair.key) ? (pair.key as YamlNode) : undefined;
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
      errors: describeIssues(result.error.issues, description).map(({ path, message }) => ({
        file: displayName,
        ...(source ? locate(source.document, source.lineCounter, path) : {}),
        field: formatPath(path),
        message,
      })),
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
