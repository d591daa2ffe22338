import { stringify } from 'yaml';
import type { Customer } from '../../src/model/customer';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { validCustomer } from './customer-files';

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
    dockerhub: customerFrom(validCustomer({ image: 'docker.io/exampleorg/shop', registry: { type: 'dockerhub', username: 'exampleorg' } })),
    'multi-platform': customerFrom(validCustomer({ release: { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] } })),
    'github-attestations': customerFrom(
      validCustomer({ release: { githubAttestations: true, failOnSeverities: ['CRITICAL'], fixableOnly: false } }),
    ),
  };
}
