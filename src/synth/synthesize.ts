import type { Customer } from '../model/customer';
import { AtomicBundleWriter } from './atomic-writer';
import { renderBundle, type BundleContributor } from './bundle';
import { BUNDLE_CONTRIBUTORS } from './contributors';

export interface SynthesizeOptions {
  /** The injected clock. */
  readonly at: Date;
  /** Output folder; each customer gets `<outDir>/<name>/`. */
  readonly outDir: string;
  /** @default BUNDLE_CONTRIBUTORS */
  readonly contributors?: readonly BundleContributor[];
  /** Called before each customer renders, for progress output. */
  readonly onCustomer?: (index: number, customer: Customer) => void;
}

export interface SynthesizeResult {
  readonly customers: readonly { name: string; fileCount: number; summary: readonly string[] }[];
}

/**
 * Renders every customer and writes them all-or-nothing. Each bundle is staged on disk as soon
 * as it renders and then dropped from memory, so memory does not grow with the fleet.
 */
export function synthesize(customers: readonly Customer[], options: SynthesizeOptions): SynthesizeResult {
  const writer = new AtomicBundleWriter(options.outDir);
  const results: { name: string; fileCount: number; summary: readonly string[] }[] = [];
  try {
    customers.forEach((customer, index) => {
      options.onCustomer?.(index, customer);
      const bundle = renderBundle(customer, options.at, options.contributors ?? BUNDLE_CONTRIBUTORS);
      writer.stage(customer.name, bundle.files);
      results.push({ name: customer.name, fileCount: bundle.files.size, summary: bundle.summary });
    });
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.commit();
  return { customers: results };
}
