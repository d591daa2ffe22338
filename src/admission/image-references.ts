import type { Customer } from '../model/customer';
import { imageReferencePatterns } from '../contract';
import { type AllowlistExemption, celAllowlisted, celString } from './allowlist';
import { globToRegExp } from './namespace-globs';

/**
 * CEL: true when the string variable `name` matches one of the image globs. Kyverno compiles
 * `matchImageReferences[].glob` with gobwas/glob without separators, so `*` crosses `/` and `?`
 * is one character: exactly `.*` and `.` here (the customer schema admits no other glob syntax).
 */
export function celImageMatches(name: string, globs: readonly string[]): string {
  return globs.map((glob) => `${name}.matches(${celString(globToRegExp(glob))})`).join(' || ');
}

/** CEL: the image in variable `name` is the customer's own or allowlisted. */
export function celAdmittedImage(name: string, customer: { readonly admission: Pick<Customer['admission'], 'imageReferences'> }, exemptions: readonly AllowlistExemption[]): string {
  const own = celImageMatches(name, imageReferencePatterns(customer));
  return exemptions.length === 0 ? own : `${own} || ${celAllowlisted(name, exemptions)}`;
}
