import { admissionContributor } from './admission/contributor';
import { deployGateContributor } from './deploy-gate/contributor';
import { customerReadmeContributor } from './gitops/contributor';
import type { BundleFeature } from './manifest';
import { monitoringContributor } from './monitoring/contributor';
import { releaseWorkflowContributor } from './workflow/contributor';

/**
 * Every feature of a customer's bundle, in the order their summaries print. Synth and the
 * Pulumi program render the same list; a new feature is a file in its area plus a line here.
 */
export const BUNDLE_FEATURES: readonly BundleFeature[] = [
  releaseWorkflowContributor,
  admissionContributor,
  deployGateContributor,
  monitoringContributor,
  customerReadmeContributor,
];
