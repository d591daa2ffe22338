import type { AllowlistEntry, Customer } from '../model/customer';
import { addDays, isReviewOverdue, reviewDueDate } from '../model/enforcement';

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
 * Why a digest entry matches by digest only, not repository plus digest: the digest is the
 * content that was reviewed, and it cannot be forged under another name; matching the repository
 * too would miss the same image written as `redis@sha256:…` instead of `docker.io/library/redis@sha256:…`.
 * A repository entry (for a sidecar a mesh or agent injects by tag) matches `repository:*` and
 * `repository@*`: weaker, since whatever is pushed there is exempt.
 *
 * Expiry, in the cluster: an entry stops exempting `admission.allowlistGraceDays` (default 14)
 * after its review was due (lastReviewed + reviewIntervalDays). The monitoring alert warns from the
 * review date; the CEL engine's policies compare the expiry with Kyverno's clock, for a change
 * made by someone (time-dependent, request-paths.ts): a controller's reschedule of a running
 * workload is never refused because an entry expired. The ClusterPolicy engine cannot evaluate
 * the expiry per image in the cluster: there entries keep exempting (a known gap; the review
 * alert pages), since leaving them out at synth could refuse a reschedule.
 */

/** Annotation key prefix of one allowlist entry on the policies that exempt it. */
export const ALLOWLIST_ANNOTATION_PREFIX = 'allowlist.supply-chain-bundle.io/';
/** Annotation listing the digests whose review is overdue, comma-separated (absent when none). */
export const ALLOWLIST_OVERDUE_ANNOTATION = 'supply-chain-bundle.io/allowlist-review-overdue';

export interface AllowlistExemption {
  readonly entry: AllowlistEntry;
  /** What the entry names: the digest-pinned image, or the repository. */
  readonly reference: string;
  readonly kind: 'digest' | 'repository';
  /** `sha256:<64 hex>` of a digest entry. */
  readonly digest?: string;
  /** Day the entry must have been reviewed again by (YYYY-MM-DD). */
  readonly reviewDue: string;
  /** Past its review date at the synth clock: still exempt until it expires, but reported. */
  readonly reviewOverdue: boolean;
  /** The instant the entry stops exempting (RFC 3339, 00:00 UTC of reviewDue + grace days). */
  readonly expiresAt: string;
  /** Expired at the synth clock. */
  readonly expired: boolean;
}

export function digestOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at < 0) throw new Error(`allowlist image ${image} is not pinned by digest`);
  return image.slice(at + 1);
}

/** The customer's allowlist with review state and expiry at the injected clock, in file order. */
export function allowlistExemptions(customer: Pick<Customer, 'allowlist'> & { readonly admission: Pick<Customer['admission'], 'allowlistGraceDays'> }, at: Date): AllowlistExemption[] {
  return customer.allowlist.map((entry) => {
    const reviewDue = reviewDueDate(entry.lastReviewed, entry.reviewIntervalDays);
    const expiresAt = `${addDays(reviewDue, customer.admission.allowlistGraceDays)}T00:00:00Z`;
    const common = { entry, reviewDue, reviewOverdue: isReviewOverdue(entry, at), expiresAt, expired: at.getTime() >= Date.parse(expiresAt) };
    return entry.image !== undefined
      ? { ...common, reference: entry.image, kind: 'digest' as const, digest: digestOf(entry.image) }
      : { ...common, reference: entry.repository ?? '', kind: 'repository' as const };
  });
}

/** Annotation key of one entry: its digest, or a hash-free slug of its repository. */
function annotationKey(exemption: AllowlistExemption): string {
  const id = exemption.digest ? exemption.digest.replace(':', '-').slice(0, 19) : `repo-${exemption.reference.replace(/[^a-z0-9.-]+/g, '-').slice(-40)}`;
  return `${ALLOWLIST_ANNOTATION_PREFIX}${id}`;
}

/**
 * Annotations recording each exemption on the policy that applies it: who owns it, why, when it
 * was reviewed and whether the review is overdue. Keys are `allowlist.supply-chain-bundle.io/sha256-<12 hex>`.
 */
export function allowlistAnnotations(exemptions: readonly AllowlistExemption[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const exemption of exemptions) {
    annotations[annotationKey(exemption)] = JSON.stringify({
      ...(exemption.kind === 'digest' ? { image: exemption.reference } : { repository: exemption.reference }),
      owner: exemption.entry.owner,
      reason: exemption.entry.reason,
      lastReviewed: exemption.entry.lastReviewed,
      reviewDue: exemption.reviewDue,
      reviewOverdue: exemption.reviewOverdue,
      expiresAt: exemption.expiresAt,
    });
  }
  const overdue = exemptions.filter((exemption) => exemption.reviewOverdue).map((exemption) => exemption.reference);
  if (overdue.length > 0) annotations[ALLOWLIST_OVERDUE_ANNOTATION] = overdue.join(',');
  return annotations;
}

/** A CEL string literal (single-quoted), escaping what RE2 patterns and image names may contain. */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** CEL: the string variable `name` is the image or in the repository of one exemption. */
function celMatches(name: string, exemption: AllowlistExemption): string {
  return exemption.kind === 'digest'
    ? `${name}.endsWith(${celString(`@${exemption.digest}`)})`
    : `(${name}.startsWith(${celString(`${exemption.reference}:`)}) || ${name}.startsWith(${celString(`${exemption.reference}@`)}))`;
}

/** CEL: true when the string variable `name` is allowlisted (by digest, or by repository), whatever the expiry. */
export function celAllowlisted(name: string, exemptions: readonly AllowlistExemption[]): string {
  if (exemptions.length === 0) return 'false';
  return exemptions.map((exemption) => celMatches(name, exemption)).join(' || ');
}

/** CEL (Kyverno's time library): true when `name` matches an entry that has expired on Kyverno's clock. */
export function celAllowlistExpired(name: string, exemptions: readonly AllowlistExemption[]): string {
  if (exemptions.length === 0) return 'false';
  return exemptions.map((exemption) => `(${celMatches(name, exemption)} && time.now() >= timestamp(${celString(exemption.expiresAt)}))`).join(' || ');
}

/**
 * Kyverno wildcard patterns (ClusterPolicy) that match the allowlisted images: by digest, or
 * `repository:*` and `repository@*`. Expired entries stay in: this engine cannot compare the
 * expiry with the cluster's clock per image, and leaving them out at synth would refuse a
 * controller's reschedule of a running workload (an outage); the alerts page instead.
 */
export function allowlistWildcards(exemptions: readonly AllowlistExemption[]): string[] {
  return exemptions.flatMap((exemption) => (exemption.kind === 'digest' ? [`*@${exemption.digest}`] : [`${exemption.reference}:*`, `${exemption.reference}@*`]));
}
