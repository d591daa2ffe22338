import { workflowPathOf } from '../contract';
import type { BundleFeature } from '../manifest';
import { signingIdentity } from '../contract';
import { registrySecretNames } from '../workflow/registry-login';
import { generatedHeader, workflowYaml } from '../workflow/release-workflow';
import { DEPLOY_GATE_WORKFLOW, GATE_PERMISSION_REASONS, deployGatePermissions, deployGateWorkflow } from './gate-workflow';
import { VULN_POLICY_FILE, verifyScript } from './verify-script';
import { vulnPolicyRego } from './vuln-policy';

/** Adds the deploy gate for hosts without Kubernetes: script, Rego policy and reusable workflow. */
export const deployGateContributor: BundleFeature = ({ customer }, parts) => {
  const identity = signingIdentity(customer);
  const secretNames = registrySecretNames(customer.registry);
  const permissions = Object.entries(deployGatePermissions(customer)).map(([scope, access]) => `${scope}: ${access}`);
  parts.file({ path: 'deploy-gate/verify.sh', destination: 'host', text: verifyScript(customer) });
  parts.file({ path: `deploy-gate/${VULN_POLICY_FILE}`, destination: 'host', text: vulnPolicyRego(customer) });
  const repositoryPath = workflowPathOf(DEPLOY_GATE_WORKFLOW);
  parts.file({
    path: `github/${repositoryPath}`,
    destination: 'customer-repository',
    id: 'deploy-gate-workflow',
    repositoryPath,
    purpose: 'the supply-chain deploy gate workflow',
    text: workflowYaml(deployGateWorkflow(customer), [
      ...generatedHeader(customer, `Reusable deploy gate: admits only images signed as ${identity.subject}.`),
      `Call it from the deploy job's workflow: jobs.gate.uses: ${identity.repository}/.github/workflows/${DEPLOY_GATE_WORKFLOW}@<commit sha>,`,
      `with.image: <image>@sha256:<digest>, permissions: {${permissions.join(', ')}}${secretNames.length > 0 ? `, secrets: {${secretNames.map((name) => `${name}: \${{ secrets.${name} }}`).join(', ')}}` : ''}; then make the deploy job need it.`,
    ], GATE_PERMISSION_REASONS),
  });
  parts.summary(`deploy gate: deploy-gate/verify.sh (hosts), ${repositoryPath} (GitHub Actions)`);
};
