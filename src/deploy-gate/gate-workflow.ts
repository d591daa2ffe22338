import type { Customer } from '../model/customer';
import { TOOL_VERSIONS, usesLine } from '../workflow/pins';
import { registryLoginSteps, registryPermissions, registrySecretNames, registryUsesOidc } from '../workflow/registry-login';
import { type GitHubWorkflow, RUNNER_LABEL, type WorkflowPermissions, type WorkflowStep } from '../workflow/release-workflow';
import { REPOSITORY_ID_FUNCTION, REPOSITORY_ID_VARIABLE, repositoryIdCheckFunction } from './repository-id';
import { DIGEST_REFERENCE_ERE, GATE_CHECKS, gateCheckCommand, gateParameters, identityEnvironment, identityFlags } from './verify-commands';
import { vulnPolicyRego } from './vuln-policy';

/** File name of the reusable workflow, next to the release workflow. */
export { DEPLOY_GATE_WORKFLOW } from '../contract';

/** Why the gate job holds each permission (it signs nothing, so the OIDC token is for the registry only). */
export const GATE_PERMISSION_REASONS: Readonly<Record<string, string>> = {
  'packages:read': 'pull the image and its signatures from GHCR',
  'id-token:write': 'OIDC token for the cloud registry login',
};

/** Permissions the gate job (and so the calling job) needs: read the image, and federate where the registry does. */
export function deployGatePermissions(customer: Pick<Customer, 'registry'>): WorkflowPermissions {
  return {
    ...registryPermissions(customer.registry, 'read'),
    ...(registryUsesOidc(customer.registry) ? { 'id-token': 'write' } : {}),
  };
}

/**
 * The reusable deploy-gate workflow (`on: workflow_call`). A deploy job on a plain Docker host
 * `needs:` it: it refuses tags, then runs the same three cosign checks as `deploy-gate/verify.sh`.
 * It is self-contained (the Rego policy travels in `env:`), so another repository can call it.
 */
export function deployGateWorkflow(customer: Customer): GitHubWorkflow {
  // A called workflow sees only the secrets its caller passes, so the login's secret is declared.
  const secrets = Object.fromEntries(
    registrySecretNames(customer.registry).map((name) => [name, { description: `Registry credential the login to ${customer.image.split('/')[0]} reads.`, required: true }]),
  );
  const policyPath = '${RUNNER_TEMP}/vuln-policy.rego';
  const parameters = gateParameters(customer);
  const identityArguments = identityFlags(parameters).flatMap((entry) => [entry.flag, `"\${${entry.variable}}"`]).join(' ');
  // The repository ID (Fulcio OID .15) where it is pinned: no cosign flag checks it (repository-id.ts).
  const repositoryIdLines = parameters.repositoryId
    ? [
        repositoryIdCheckFunction(),
        `if ! reason="$(${REPOSITORY_ID_FUNCTION} cosign "\${IMAGE}" ${parameters.format} ${identityArguments})"; then`,
        '  echo "::error::refusing ${IMAGE}: ${reason}"',
        '  exit 1',
        'fi',
      ]
    : [];
  const steps: WorkflowStep[] = [
    { name: 'Install cosign', uses: usesLine('cosignInstaller'), with: { 'cosign-release': TOOL_VERSIONS.cosign } },
    ...registryLoginSteps(customer),
    {
      name: 'Verify the signature, the SBOM and the scan of the digest',
      env: {
        IMAGE: '${{ inputs.image }}',
        ...identityEnvironment(parameters),
        ...(parameters.repositoryId ? { [REPOSITORY_ID_VARIABLE]: parameters.repositoryId } : {}),
        VULN_POLICY: vulnPolicyRego(customer),
      },
      run: [
        `if [[ ! "\${IMAGE}" =~ ${DIGEST_REFERENCE_ERE} ]]; then`,
        '  echo "::error::refusing ${IMAGE}: give the image by digest (IMAGE@sha256:<64 hex digits>), never by tag"',
        '  exit 1',
        'fi',
        `printf '%s' "\${VULN_POLICY}" > "${policyPath}"`,
        ...GATE_CHECKS.map((check) => gateCheckCommand(check, parameters, policyPath)),
        ...repositoryIdLines,
        'echo "${IMAGE} is signed by ${CERTIFICATE_IDENTITY} and carries a valid SBOM and a fresh scan"',
        '',
      ].join('\n'),
    },
  ];
  return {
    name: 'deploy-gate',
    on: {
      workflow_call: {
        inputs: {
          image: {
            description: `Image to deploy, by digest (${customer.image}@sha256:...); tags are refused.`,
            required: true,
            type: 'string',
          },
        },
        ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      },
    },
    permissions: {},
    jobs: {
      verify: {
        name: 'Verify signature and attestations before deploying',
        'runs-on': RUNNER_LABEL,
        'timeout-minutes': 10,
        permissions: deployGatePermissions(customer),
        steps,
      },
    },
  };
}
