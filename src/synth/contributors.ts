import { admissionContributor } from '../admission/contributor';
import { monitoringContributor } from '../monitoring/contributor';
import { customerReadmeContributor } from '../gitops/contributor';
import { deployGateContributor } from '../deploy-gate/contributor';
import { releaseWorkflowContributor } from '../workflow/contributor';
import type { BundleContributor } from './bundle';

/** Every area that adds to a customer's bundle, in the order their summaries print. */
export const BUNDLE_CONTRIBUTORS: readonly BundleContributor[] = [
  releaseWorkflowContributor,
  admissionContributor,
  deployGateContributor,
  monitoringContributor,
  customerReadmeContributor,
];
