import { admittedImageReferences, defaultImageReferences } from './image-references';
import type { CustomerParsed } from './schema';

export { defaultImageReferences };

/** Deeply read-only view of a value: the customer model is never mutated after parsing. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** How the release workflow logs in to the image registry. */
export type RegistryLogin = DeepReadonly<NonNullable<CustomerParsed['registry']>>;

/** One allowlisted (intentionally pinned) image. */
export type AllowlistEntry = DeepReadonly<CustomerParsed['allowlist'][number]>;

/**
 * The validated, frozen customer model: the one source of truth that every artifact
 * (workflow, policies, monitoring, Pulumi resources) is derived from.
 */
export type Customer = DeepReadonly<
  Omit<CustomerParsed, 'admission' | 'registry'> & {
    admission: Omit<CustomerParsed['admission'], 'imageReferences'> & { imageReferences: string[] };
    /** Always set: inferred as GHCR for ghcr.io images (the schema refuses other hosts without one). */
    registry: RegistryLogin;
  }
> & {
  /** The stack file this customer was read from, for error messages and provenance. */
  readonly sourceFile: string;
  /** The Pulumi stack name, taken from `Pulumi.<stack>.yaml`. */
  readonly stack: string;
};

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Builds the frozen model from parsed input, filling derived defaults. */
export function toCustomer(parsed: CustomerParsed, sourceFile: string, stack: string): Customer {
  const customer = {
    ...parsed,
    admission: {
      ...parsed.admission,
      // Given or derived, Docker Hub globs gain their short spellings (see image-references.ts).
      imageReferences: parsed.admission.imageReferences ? admittedImageReferences(parsed.admission.imageReferences) : defaultImageReferences(parsed.image),
    },
    registry: parsed.registry ?? { type: 'ghcr' as const },
    sourceFile,
    stack,
  };
  return deepFreeze(customer) as Customer;
}
