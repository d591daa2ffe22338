import { celString } from './allowlist';
import { globToRegExp } from '../model/globs';

/** The glob dialect lives in the model so that customer validation and the policies share it. */
export { globToRegExp };

/** A CEL condition true when the admission request's namespace matches any of the globs. */
export function namespaceMatchExpression(globs: readonly string[]): string {
  return globs.map((glob) => `request.namespace.matches(${celString(globToRegExp(glob))})`).join(' || ');
}
