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
 * workload is never refused because an entry expired. The ClusterPolicy engine does the same with
 * a deny rule on `time_now_utc()` in the rule-4 policy (`allowlist-expiry`), judged on the same
 * requests as its other time-dependent rule. The files are the same whatever the synth clock: an
 * entry expires in the cluster with no re-synth. "Stops exempting" means refused on a change: the
 * policies select the allowlisted image out of rules 1–3 at the same time, so an image whose entry
 * expired is refused with a message naming the entry, not re-verified (an image that would pass
 * the rules needs no entry).
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

/**
 * The entry that covers an image, as the policies match it: a digest entry by the digest, a
 * repository entry by the reference as written in the pod (`repository:tag` or `repository@…`).
 */
export function exemptionFor(exemptions: readonly AllowlistExemption[], reference: string, digest: string): AllowlistExemption | undefined {
  return exemptions.find((exemption) =>
    exemption.kind === 'digest' ? exemption.digest === digest : reference.startsWith(`${exemption.reference}:`) || reference.startsWith(`${exemption.reference}@`),
  );
}

/** Whether the entry has stopped exempting at `at` (the cluster compares the same instant with its own clock). */
export function isExpired(exemption: AllowlistExemption, at: Date): boolean {
  return at.getTime() >= Date.parse(exemption.expiresAt);
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
  return `(${exemptions.map((exemption) => celMatches(name, exemption)).join(' || ')})`;
}

/** CEL (Kyverno's time library): true when `name` matches an entry that has expired on Kyverno's clock. */
export function celAllowlistExpired(name: string, exemptions: readonly AllowlistExemption[]): string {
  if (exemptions.length === 0) return 'false';
  return `(${exemptions.map((exemption) => `(${celMatches(name, exemption)} && time.now() >= timestamp(${celString(exemption.expiresAt)}))`).join(' || ')})`;
}

/** Kyverno wildcard patterns of one exemption: `*@sha256:…`, or `repository:*` and `repository@*`. */
function wildcardsOf(exemption: AllowlistExemption): string[] {
  return exemption.kind === 'digest' ? [`*@${exemption.digest}`] : [`${exemption.reference}:*`, `${exemption.reference}@*`];
}

/**
 * Kyverno wildcard patterns (ClusterPolicy) that match the allowlisted images: by digest, or
 * `repository:*` and `repository@*`. Expired entries stay in (the files do not depend on the synth
 * clock): `jmespathAllowlistExpiredConditions` refuses them on a change, by the cluster's clock.
 */
export function allowlistWildcards(exemptions: readonly AllowlistExemption[]): string[] {
  return exemptions.flatMap(wildcardsOf);
}

/** JMESPath over a pod (`request.object.spec`, rewritten by Kyverno's autogen for controllers): every image. */
const JMESPATH_POD_IMAGES = 'request.object.spec.[containers, initContainers, ephemeralContainers][][].image';

/**
 * ClusterPolicy deny conditions (`any`), one per entry: the pod has an image the entry covers and
 * the entry has expired on Kyverno's clock (`time_now_utc()`), evaluated at admission.
 */
export function jmespathAllowlistExpiredConditions(exemptions: readonly AllowlistExemption[]) {
  return exemptions.map((exemption) => {
    const matches = wildcardsOf(exemption).map((pattern) => `pattern_match('${pattern}', @)`).join(' || ');
    return {
      key: `{{ time_after(time_now_utc(), '${exemption.expiresAt}') && length(${JMESPATH_POD_IMAGES} | [?${matches}]) > \`0\` }}`,
      operator: 'Equals' as const,
      value: true,
      message: `the allowlist entry for ${exemption.reference} (owner ${exemption.entry.owner}) expired on ${exemption.expiresAt.slice(0, 10)}: review it and update lastReviewed in the customer file`,
    };
  });
}
