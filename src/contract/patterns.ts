/** Regular expressions for names and references, each defined once. */

/** A DNS-1123 label: a customer name, a namespace, a cluster name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS-1123 subdomain, e.g. a Secret name. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label value (at most 63 characters is checked separately). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** An image reference pinned by digest: `registry[:port]/path[:tag]@sha256:<64 hex>`. */
export const DIGEST_PINNED_IMAGE =
  /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?\/[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/** `sha256:<64 hex>` at the end of a digest-pinned reference. */
export const IMAGE_DIGEST_SUFFIX = /@(sha256:[0-9a-f]{64})$/;

/** A git branch name also safe inside a certificate subject and a regular expression (see gitRefProblem). */
export const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Escapes text for use inside a regular expression (slashes too, for verifiers that take `/…/`). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
