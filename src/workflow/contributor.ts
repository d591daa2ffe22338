import type { BundleContributor } from '../synth/bundle';
import { signatureFormat, signingIdentity } from '../model/supply-chain-contract';
import { generatedHeader, releaseWorkflow, workflowYaml } from './release-workflow';

/** Adds the customer's release workflow at `github/.github/workflows/<workflow>`. */
export const releaseWorkflowContributor: BundleContributor = ({ customer }, parts) => {
  const identity = signingIdentity(customer);
  parts.file(
    `github/${identity.workflowPath}`,
    workflowYaml(
      releaseWorkflow(customer),
      generatedHeader(customer, `Images built here are signed as ${identity.subject}; the cluster admits only that identity.`),
    ),
  );
  parts.summary(`release workflow: ${identity.workflowPath} (${signatureFormat(customer)} signatures)`);
};
