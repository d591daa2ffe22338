import type { BundleFeature } from '../manifest';
import { signatureFormat, signingIdentity } from '../model/supply-chain-contract';
import { generatedHeader, releaseWorkflow, workflowYaml } from './release-workflow';

/** Adds the customer's release workflow at `github/.github/workflows/<workflow>`. */
export const releaseWorkflowContributor: BundleFeature = ({ customer }, parts) => {
  const identity = signingIdentity(customer);
  parts.file({
    path: `github/${identity.workflowPath}`,
    destination: 'customer-repository',
    id: 'release-workflow',
    repositoryPath: identity.workflowPath,
    purpose: 'the supply-chain release workflow',
    text: workflowYaml(
      releaseWorkflow(customer),
      generatedHeader(customer, `Images built here are signed as ${identity.subject}; the cluster admits only that identity.`),
    ),
  });
  parts.summary(`release workflow: ${identity.workflowPath} (${signatureFormat(customer)} signatures)`);
};
