import { isMap, isScalar, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

/**
 * Turns zod issues on a stack-file config block into messages that name the file, line, field,
 * what was found, what is expected and the fix. Shared by every config key this project reads
 * (`supply-chain:customer`, `supply-chain:delivery`), so they all read the same.
 */

export type PathSegment = string | number;

/** One problem in a stack file, located precisely enough to fix it without searching. */
export interface FieldError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Dotted path, e.g. `github.repository` or `allowlist[0].image`. */
  readonly field: string;
  /** What is wrong, what was expected, and how to fix it. */
  readonly message: string;
}

export function formatFieldError(error: FieldError): string {
  const where = error.line ? `${error.file}:${error.line}:${error.column ?? 1}` : error.file;
  return `${where}: ${error.field}: ${error.message}`;
}

/** `github.repository`, `allowlist[0].image`; `(root)` for the block itself. */
export function formatPath(path: readonly PathSegment[], root = '(customer)'): string {
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  return text || root;
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/**
 * The keys an object schema allows at `path`, unwrapping defaults, optionals and pipes. A
 * discriminated union (e.g. `registry`) resolves to the option the input's `type` selects.
 */
export function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[], input: unknown): string[] {
  let current: any = schema;
  const unwrap = (depth: number) => {
    while (current?._zod?.def && ['default', 'prefault', 'optional', 'nullable', 'pipe', 'union'].includes(current._zod.def.type)) {
      if (current._zod.def.type === 'union') {
        const discriminator = (valueAt(input, path.slice(0, depth)) as { type?: unknown } | undefined)?.type;
        current = current._zod.def.options.find((option: any) => option?._zod?.def?.shape?.type?._zod?.def?.values?.includes(discriminator));
      } else {
        current = current._zod.def.innerType ?? current._zod.def.in;
      }
    }
  };
  unwrap(0);
  path.forEach((segment, index) => {
    current = typeof segment === 'number' ? current?._zod?.def?.element : current?._zod?.def?.shape?.[segment];
    unwrap(index + 1);
  });
  return Object.keys(current?._zod?.def?.shape ?? {});
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

/** The allowed key a misspelling most likely meant, if any is close enough. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Line and column of the deepest node on `path` that exists under `config.<configKey>`; for a missing field, its parent. */
export function locate(document: Document, lineCounter: LineCounter, configKey: string, path: readonly PathSegment[]): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const parent = depth > 0 ? document.getIn(['config', configKey, ...path.slice(0, depth - 1)], true) : undefined;
    const last = path[depth - 1];
    const key = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === last)?.key : undefined;
    const node = (key ?? document.getIn(['config', configKey, ...path.slice(0, depth)], true)) as YamlNode | undefined;
    if (node?.range) {
      const position = lineCounter.linePos(node.range[0]);
      return { line: position.line, column: position.col };
    }
  }
  return {};
}

export interface ConfigErrorOptions {
  /** The schema the block was parsed with, to list allowed keys. */
  readonly schema: z.ZodType;
  /** The block as read from the file. */
  readonly input: unknown;
  /** The file name shown in messages. */
  readonly file: string;
  /** Config key of the block, to locate nodes. */
  readonly configKey: string;
  /** The parsed stack file, for line numbers. */
  readonly document?: { readonly document: Document; readonly lineCounter: LineCounter };
  /** Renders a path as the field name shown. @default formatPath */
  readonly fieldName?: (path: readonly PathSegment[]) => string;
}

/** Every issue of a failed parse as a FieldError, in zod's order. */
export function configFieldErrors(issues: readonly z.core.$ZodIssue[], options: ConfigErrorOptions): FieldError[] {
  const fieldName = options.fieldName ?? ((path: readonly PathSegment[]) => formatPath(path));
  const at = (path: readonly PathSegment[]) =>
    options.document ? locate(options.document.document, options.document.lineCounter, options.configKey, path) : {};
  const errors: FieldError[] = [];
  const push = (path: readonly PathSegment[], message: string) => errors.push({ file: options.file, ...at(path), field: fieldName(path), message });
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(options.schema, path, options.input);
      for (const key of issue.keys) {
        const suggestion = closest(key, allowed);
        push([...path, key], `unknown field; expected one of ${allowed.join(', ')}. Fix: ${suggestion ? `did you mean "${suggestion}"? Rename the field` : 'remove it'}.`);
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // zod reports a bad record key at the record entry, with the key's own issues nested.
      push(path, `the name ${JSON.stringify(path[path.length - 1])} ${issue.issues[0]?.message ?? 'is not allowed'}. Fix: rename it.`);
      continue;
    }
    const found = valueAt(options.input, path);
    if (issue.code === 'invalid_type' && found === undefined) {
      push(path, `is required but missing; ${issue.message}.`);
      continue;
    }
    // Messages either describe the value ("is not…", "has…") or say what is expected.
    push(path, issue.message.startsWith('expected') ? `found ${describeFound(found)}; ${issue.message}.` : `${describeFound(found)} ${issue.message}.`);
  }
  return errors;
}
