import type { Customer } from './model/customer';
import type { FieldError } from './model/config-errors';
import { placeholderImageProblems } from './monitoring/image-pins';

/** A check of a valid customer that needs a feature's own knowledge, not just the schema. */
export type BundleCheck = (customer: Customer) => readonly FieldError[];

/**
 * Every check a bundle must pass beyond the customer schema, run before anything renders:
 * `scb validate`, `scb synth`, `scb fleet` and the Pulumi program all pass this list to the loader, so a file
 * that validates is a file that synthesizes. A feature whose input can be valid for the schema
 * but unusable for it adds its check here. Kept apart from src/features.ts so that `scb validate`
 * does not load the renderers (cdk8s, the dashboard SDK).
 */
export const BUNDLE_CHECKS: readonly BundleCheck[] = [
  // The rescanner would run this release's placeholder digest, which no registry serves.
  placeholderImageProblems,
];

/** Every problem the bundle checks find in one customer. */
export function bundleProblems(customer: Customer): FieldError[] {
  return BUNDLE_CHECKS.flatMap((check) => check(customer));
}
