import { isMap, isScalar, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { closest } from '../contract';

export { closest };

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
    const text = issue.message.startsWith('expected') ? `found ${describeFound(found)}; ${issue.message}.` : `${describeFound(found)} ${issue.message}.`;
    push(path, `${text}${quotingHint(issue, path, found) ?? caseHint(issue, found) ?? ''}`);
  }
  return errors;
}

/**
 * A number or boolean written in quotes is text to YAML: `softDays: "30"`. Say so, with the
 * line to write instead.
 */
function quotingHint(issue: z.core.$ZodIssue, path: readonly PathSegment[], found: unknown): string | undefined {
  if (issue.code !== 'invalid_type' || typeof found !== 'string') return undefined;
  const key = path[path.length - 1];
  const expected = (issue as { expected?: string }).expected;
  if ((expected === 'number' || expected === 'int') && /^-?\d+(\.\d+)?$/.test(found.trim())) {
    return ` Fix: remove the quotes (${typeof key === 'string' ? `${key}: ${found.trim()}` : found.trim()}); in quotes YAML reads a number as text.`;
  }
  if (expected === 'boolean' && /^(true|false)$/i.test(found.trim())) {
    return ` Fix: remove the quotes (${typeof key === 'string' ? `${key}: ${found.trim().toLowerCase()}` : found.trim().toLowerCase()}); in quotes YAML reads true and false as text.`;
  }
  return undefined;
}

/** `type: ECR` where `ecr` is meant: the allowed values are case-sensitive. */
function caseHint(issue: z.core.$ZodIssue, found: unknown): string | undefined {
  if (typeof found !== 'string' || found === found.toLowerCase()) return undefined;
  const allowed = [...((issue as { values?: unknown[] }).values ?? []), ...(issue.message.match(/\b[a-z][a-z0-9]*\b/g) ?? [])].filter((value): value is string => typeof value === 'string');
  const match = allowed.find((value) => value === found.toLowerCase());
  return match ? ` Fix: write it in lower case: "${match}".` : undefined;
}

/**
 * A plain (unquoted) YAML value cannot contain ": " (`reason: Pinned: upstream bug`): YAML reads
 * a second mapping. The parser's own message does not say so; this hint does, with the line to
 * write instead. `message` is the parser's message, `lineText` the line it points at.
 */
export function yamlSyntaxHint(message: string, lineText: string | undefined): string | undefined {
  if (!lineText || !/compact mapping|implicit (map )?key/i.test(message)) return undefined;
  const plain = /^\s*(-\s+)?([A-Za-z0-9_.-]+):\s+([^'"#\s[{|>][^#]*?:\s.*?)\s*$/.exec(lineText);
  if (!plain) return undefined;
  return `a plain value cannot contain ": ". Fix: quote the value: ${plain[2]}: "${plain[3].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
