import { BUNDLE_FEATURES } from '../features';
import type { BundleContributor } from './bundle';

/** Every area that adds to a customer's bundle, in the order their summaries print (see src/features.ts). */
export const BUNDLE_CONTRIBUTORS: readonly BundleContributor[] = BUNDLE_FEATURES;
