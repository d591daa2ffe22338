import type { Customer, RegistryLogin } from '../model/customer';
import { usesLine } from './pins';
import type { WorkflowStep } from './release-workflow';

/** Registry host of an image repository (`ghcr.io/acme/services` → `ghcr.io`). */
export function registryHost(image: string): string {
  return image.split('/')[0];
}

/** Job permissions a registry login needs, beyond `contents: read`. */
export interface RegistryPermissions {
  /** `packages: write|read` is GHCR's only; cloud registries authorise through OIDC instead. */
  readonly packages?: 'write' | 'read';
}

/** GHCR pushes with the job's GITHUB_TOKEN; every other registry federates through OIDC or a token secret. */
export function registryPermissions(registry: RegistryLogin, access: 'write' | 'read'): RegistryPermissions {
  return registry.type === 'ghcr' ? { packages: access } : {};
}

/** Whether the login federates through GitHub's OIDC token (and so needs `id-token: write`). */
export function registryUsesOidc(registry: RegistryLogin): boolean {
  return registry.type === 'ecr' || registry.type === 'gar' || registry.type === 'acr';
}

/** Names of the repository secrets the login reads (`secrets.<NAME>`); a reusable workflow must declare them. */
export function registrySecretNames(registry: RegistryLogin): string[] {
  if (registry.type === 'dockerhub') return [registry.tokenSecret];
  if (registry.type === 'generic') return [registry.passwordSecret];
  return [];
}

/** AWS region of an ECR host (`123456789012.dkr.ecr.eu-west-1.amazonaws.com` → `eu-west-1`). */
export function ecrRegion(host: string): string {
  const match = /^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  if (!match) throw new Error(`${host} is not an ECR registry host`);
  return match[1];
}

/** Steps that log Docker (and so buildx, syft, trivy and cosign) in to the customer's registry. */
export function registryLoginSteps(customer: Pick<Customer, 'image' | 'registry'>): WorkflowStep[] {
  const host = registryHost(customer.image);
  const registry = customer.registry;
  switch (registry.type) {
    case 'ghcr':
      return [
        {
          name: `Log in to ${host} with the job token`,
          uses: usesLine('login'),
          with: { registry: host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        },
      ];
    case 'ecr':
      return [
        {
          name: 'Assume the AWS role through OIDC',
          uses: usesLine('configureAwsCredentials'),
          with: { 'role-to-assume': registry.roleToAssume, 'aws-region': ecrRegion(host), 'role-session-name': 'supply-chain-release' },
        },
        { name: `Log in to ${host}`, uses: usesLine('amazonEcrLogin'), with: { 'mask-password': true } },
      ];
    case 'gar':
      return [
        {
          name: 'Authenticate to Google Cloud through workload identity federation',
          id: 'gcp-auth',
          uses: usesLine('googleAuth'),
          with: {
            workload_identity_provider: registry.workloadIdentityProvider,
            service_account: registry.serviceAccount,
            token_format: 'access_token',
            // A credentials file in the workspace would land in the Docker build context.
            create_credentials_file: false,
            export_environment_variables: false,
          },
        },
        {
          name: `Log in to ${host}`,
          uses: usesLine('login'),
          with: { registry: host, username: 'oauth2accesstoken', password: '${{ steps.gcp-auth.outputs.access_token }}' },
        },
      ];
    case 'acr':
      return [
        {
          name: 'Log in to Azure through OIDC',
          uses: usesLine('azureLogin'),
          with: { 'client-id': registry.clientId, 'tenant-id': registry.tenantId, 'subscription-id': registry.subscriptionId },
        },
        { name: `Log in to ${host}`, env: { ACR_NAME: host.split('.')[0] }, run: 'az acr login --name "${ACR_NAME}"' },
      ];
    case 'dockerhub':
      return [
        {
          name: 'Log in to Docker Hub with an access token',
          uses: usesLine('login'),
          with: { username: registry.username, password: `\${{ secrets.${registry.tokenSecret} }}` },
        },
      ];
    case 'generic':
      return [
        {
          name: `Log in to ${host}`,
          uses: usesLine('login'),
          with: { registry: host, username: registry.username, password: `\${{ secrets.${registry.passwordSecret} }}` },
        },
      ];
  }
}
