import type { BundleFeature } from '../manifest';
import { signatureFormat, signingIdentity } from '../contract';
import { DEPENDABOT_CONFIG_PATH, dependabotYaml } from './dependabot';
import { generatedHeader, releaseWorkflow, workflowYaml } from './release-workflow';

/** Adds the customer's release workflow at `github/.github/workflows/<workflow>`, and the Dependabot configuration beside it. */
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
  parts.file({
    path: `github/${DEPENDABOT_CONFIG_PATH}`,
    destination: 'customer-repository',
    id: 'dependabot-config',
    repositoryPath: DEPENDABOT_CONFIG_PATH,
    purpose: 'Dependabot: pins kept current, with a cooldown',
    text: dependabotYaml(customer),
  });
  parts.summary(`release workflow: ${identity.workflowPath} (${signatureFormat(customer)} signatures)`);
  parts.summary(`dependabot: ${DEPENDABOT_CONFIG_PATH} (${customer.dependencyUpdates.cooldownDays}-day cooldown)`);
};
