/**
 * The one glob dialect of this project: `*` matches any run of characters, `/` included, and `?`
 * exactly one. It is how Kyverno compiles `matchImageReferences[].glob` and `imageReferences`
 * (gobwas/glob without separators) and how the generated CEL matches namespaces and images, so a
 * check in the customer model reaches the same verdict as the policies in the cluster.
 */

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

/** True when `value` matches `glob` exactly as the generated policies would decide. */
export function globMatches(glob: string, value: string): boolean {
  return new RegExp(globToRegExp(glob)).test(value);
}
