import { stringify } from 'yaml';
import type { Customer } from '../../src/model/customer';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { deployGateWorkflow } from '../../src/deploy-gate/gate-workflow';
import { ownReleaseWorkflow } from '../../src/workflow/own-release';
import { releaseWorkflow, workflowYaml } from '../../src/workflow/release-workflow';
import { validCustomer } from './customer-files';
import { REPO_ROOT, exampleStackFiles, synthToTree } from './synth-helper';

/** Parses a customer description into the frozen model, failing loudly on validation errors. */
export function customerFrom(description: Record<string, unknown>, stack = 'example'): Customer {
  const { customer, errors } = parseStackFile(`stacks/Pulumi.${stack}.yaml`, stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } }));
  if (!customer) throw new Error(errors.map(formatFieldError).join('\n'));
  return customer;
}

/** One customer per registry type, platform set and option the workflow generator branches on. */
export function workflowVariants(): Record<string, Customer> {
  return {
    ghcr: customerFrom(validCustomer()),
    'cluster-policy': customerFrom(validCustomer({ admission: { engine: 'ClusterPolicy' } })),
    ecr: customerFrom(
      validCustomer({
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop',
        registry: { type: 'ecr', roleToAssume: 'arn:aws:iam::123456789012:role/shop-release' },
      }),
    ),
    gar: customerFrom(
      validCustomer({
        image: 'europe-west1-docker.pkg.dev/example-project/images/shop',
        registry: {
          type: 'gar',
          workloadIdentityProvider: 'projects/123456789/locations/global/workloadIdentityPools/github/providers/example-org',
          serviceAccount: 'shop-release@example-project.iam.gserviceaccount.com',
        },
      }),
    ),
    acr: customerFrom(
      validCustomer({
        image: 'exampleorg.azurecr.io/shop',
        registry: {
          type: 'acr',
          clientId: '11111111-2222-3333-4444-555555555555',
          tenantId: '66666666-7777-8888-9999-000000000000',
          subscriptionId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        },
      }),
    ),
    generic: customerFrom(
      validCustomer({
        image: 'registry.example.com:5000/team/shop',
        registry: { type: 'generic', username: 'robot-release', passwordSecret: 'REGISTRY_PASSWORD' },
      }),
    ),
    dockerhub: customerFrom(validCustomer({ image: 'docker.io/exampleorg/shop', registry: { type: 'dockerhub', username: 'exampleorg' } })),
    'multi-platform': customerFrom(validCustomer({ release: { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] } })),
    'github-attestations': customerFrom(
      validCustomer({ release: { githubAttestations: true }, vulnerabilities: { severity: 'HIGH', fixableOnly: true } }),
    ),
  };
}

/** Every generated workflow file: examples (through synth), variants and this repository's own. */
export function allWorkflowFiles(): { label: string; name: string; content: string }[] {
  const files: { label: string; name: string; content: string }[] = [];
  for (const [path, content] of Object.entries(synthToTree(exampleStackFiles()))) {
    if (path.includes('/.github/workflows/')) files.push({ label: path, name: path.split('/').pop()!, content });
  }
  for (const [label, customer] of Object.entries(workflowVariants())) {
    files.push({ label: `${label}/release`, name: customer.github.workflow, content: workflowYaml(releaseWorkflow(customer)) });
    files.push({ label: `${label}/deploy-gate`, name: 'deploy-gate.yml', content: workflowYaml(deployGateWorkflow(customer)) });
  }
  const own = ownReleaseWorkflow(REPO_ROOT);
  files.push({ label: `this repository's ${own.path}`, name: 'release.yml', content: own.content });
  return files;
}

