import { globToRegExp } from '../admission/namespace-globs';

/** Seconds as a Prometheus duration ("12h", "90m", "45s"). */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A label matcher value with `"` and `\` escaped for a PromQL string. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Namespace globs as one PromQL regex (PromQL anchors regexes itself): `prod-*` → `prod-.*`.
 */
export function namespaceRegex(globs: readonly string[]): string {
  return globs.map((glob) => globToRegExp(glob).replace(/^\^/, '').replace(/\$$/, '')).join('|');
}
