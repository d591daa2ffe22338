import type { BundleContributor } from '../synth/bundle';
import { SignaturePolicy } from './image-validating-policy';

/** Adds the admission policies (cluster-scoped, so their chart has no namespace). */
export const admissionContributor: BundleContributor = ({ customer, enforcement }, parts) => {
  const chart = parts.chart('admission-policies.yaml');
  new SignaturePolicy(chart, 'signed-images', { customer, enforcement });
  parts.summary(`admission: ${enforcement.mode} (enforces from ${enforcement.flipDate}${enforcement.source === 'override' ? ', mode overridden' : ''})`);
};
