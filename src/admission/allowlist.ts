import type { AllowlistEntry, Customer } from '../model/customer';
import { isReviewOverdue, reviewDueDate } from '../model/enforcement';

/**
 * The allowlist as admission sees it.
 *
 * How an entry is exempted (one mechanism for both engines): the digest is excluded from the
 * image selection of each policy, per image. ImageValidatingPolicy: `matchImageReferences`
 * becomes one CEL expression (customer globs AND NOT allowlisted digest), because its `glob`
 * entries can only include. ValidatingPolicy: the same digest test inside the CEL rule.
 * ClusterPolicy: `verifyImages[].skipImageReferences` and an extra alternative in the pattern.
 *
 * Why not a PolicyException: both the CEL (policies.kyverno.io) and the legacy (kyverno.io/v2)
 * exception exempt the whole admission request, i.e. the whole pod. A pod with one allowlisted
 * image and one unsigned customer image would then be admitted; with the per-image exclusion it
 * is still refused. The CEL exception's `images` field is per image, but only ValidatingPolicy
 * reads it (`exceptions.allowedImages`); ImageValidatingPolicy 1.19 skips the whole request on
 * any matching exception. Exceptions also need the chart feature on, and anyone allowed to
 * create one in the exception namespace could widen it; an exclusion in the policy is reviewed
 * in the same pull request as the allowlist entry.
 *
 * Why match by digest only, not repository plus digest: the digest is the content that was
 * reviewed, and it cannot be forged under another name; matching the repository too would miss
 * the same image written as `redis@sha256:…` instead of `docker.io/library/redis@sha256:…`.
 *
 * No expiry: an entry past its review date keeps working (the customer file says it is still
 * wanted); it is annotated on every policy that exempts it and printed in the synth summary, and
 * the monitoring alert pages on it.
 */

/** Annotation key prefix of one allowlist entry on the policies that exempt it. */
export const ALLOWLIST_ANNOTATION_PREFIX = 'allowlist.supply-chain-bundle.io/';
/** Annotation listing the digests whose review is overdue, comma-separated (absent when none). */
export const ALLOWLIST_OVERDUE_ANNOTATION = 'supply-chain-bundle.io/allowlist-review-overdue';

export interface AllowlistExemption {
  readonly entry: AllowlistEntry;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** Suffix every reference to this image ends with: `@sha256:<64 hex>`. */
  readonly referenceSuffix: string;
  /** Day the entry must have been reviewed again by (YYYY-MM-DD). */
  readonly reviewDue: string;
  /** Past its review date at the synth clock: still exempt, but reported. */
  readonly reviewOverdue: boolean;
}

export function digestOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at < 0) throw new Error(`allowlist image ${image} is not pinned by digest`);
  return image.slice(at + 1);
}

/** The customer's allowlist with review state at the injected clock, in file order. */
export function allowlistExemptions(customer: Pick<Customer, 'allowlist'>, at: Date): AllowlistExemption[] {
  return customer.allowlist.map((entry) => {
    const digest = digestOf(entry.image);
    return {
      entry,
      digest,
      referenceSuffix: `@${digest}`,
      reviewDue: reviewDueDate(entry.lastReviewed, entry.reviewIntervalDays),
      reviewOverdue: isReviewOverdue(entry, at),
    };
  });
}

/**
 * Annotations recording each exemption on the policy that applies it: who owns it, why, when it
 * was reviewed and whether the review is overdue. Keys are `allowlist.supply-chain-bundle.io/sha256-<12 hex>`.
 */
export function allowlistAnnotations(exemptions: readonly AllowlistExemption[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const exemption of exemptions) {
    const key = `${ALLOWLIST_ANNOTATION_PREFIX}${exemption.digest.replace(':', '-').slice(0, 19)}`;
    annotations[key] = JSON.stringify({
      image: exemption.entry.image,
      owner: exemption.entry.owner,
      reason: exemption.entry.reason,
      lastReviewed: exemption.entry.lastReviewed,
      reviewDue: exemption.reviewDue,
      reviewOverdue: exemption.reviewOverdue,
    });
  }
  const overdue = exemptions.filter((exemption) => exemption.reviewOverdue).map((exemption) => exemption.entry.image);
  if (overdue.length > 0) annotations[ALLOWLIST_OVERDUE_ANNOTATION] = overdue.join(',');
  return annotations;
}

/** A CEL string literal (single-quoted), escaping what RE2 patterns and image names may contain. */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** CEL: true when the string variable `name` is one of the allowlisted images (by digest). */
export function celAllowlisted(name: string, exemptions: readonly AllowlistExemption[]): string {
  if (exemptions.length === 0) return 'false';
  return `[${exemptions.map((exemption) => celString(exemption.referenceSuffix)).join(', ')}].exists(d, ${name}.endsWith(d))`;
}

/** Kyverno wildcard patterns (ClusterPolicy) that match the allowlisted images by digest. */
export function allowlistWildcards(exemptions: readonly AllowlistExemption[]): string[] {
  return exemptions.map((exemption) => `*${exemption.referenceSuffix}`);
}
