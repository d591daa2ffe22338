import { celString } from './allowlist';

/** Converts a glob (`*`, `?`) to an anchored RE2 regular expression for CEL `matches()`. */
export function globToRegExp(glob: string): string {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return `^${pattern}$`;
}

/** A CEL condition true when the admission request's namespace matches any of the globs. */
export function namespaceMatchExpression(globs: readonly string[]): string {
  return globs.map((glob) => `request.namespace.matches(${celString(globToRegExp(glob))})`).join(' || ');
}
