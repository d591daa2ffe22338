import * as github from '@pulumi/github';
import type { Customer } from '../model/customer';
import { deepFreeze } from '../model/customer';
import type { GitHubCredentials } from './stack-config';

/** What GitHub says about the customer's repository. */
export interface CanonicalRepository {
  /** `Owner/name` exactly as GitHub spells it (the case the OIDC token, and so the certificate subject, carries). */
  readonly fullName: string;
  /** GitHub's numeric repository ID (Fulcio's source-repository-identifier, OID 1.3.6.1.4.1.57264.1.15). */
  readonly repositoryId?: number;
}

/** The error that stops delivery: the customer file and GitHub disagree on the repository. */
export class RepositoryIdentityError extends Error {}

/**
 * Judges GitHub's answer against the customer file. GitHub resolves `acme-corp/services` to
 * `Acme-Corp/services`, but the Actions OIDC token (and so the Fulcio certificate subject) carries
 * GitHub's spelling: a policy that demands the file's spelling refuses every signature after the
 * flip. The repository ID, when the file pins one, must be the one GitHub reports: another ID
 * means the repository was deleted and re-created (possibly by someone else, "repo-jacking").
 */
export function judgeCanonicalRepository(customer: Pick<Customer, 'github' | 'sourceFile'>, found: { fullName?: string; repoId?: number }): CanonicalRepository {
  const declared = `${customer.github.owner}/${customer.github.repository}`;
  const fullName = found.fullName ?? declared;
  if (fullName !== declared) {
    const [owner, repository] = fullName.split('/');
    throw new RepositoryIdentityError(
      `${customer.sourceFile}: github.owner / github.repository: found "${declared}"; GitHub spells the repository "${fullName}", ` +
        'and the signing certificate carries GitHub\'s spelling, so admission would refuse every signature after the flip. ' +
        `Fix: write owner "${owner}" and repository "${repository}" exactly so.`,
    );
  }
  const pinned = customer.github.repositoryId;
  if (pinned !== undefined && found.repoId !== undefined && found.repoId !== pinned) {
    throw new RepositoryIdentityError(
      `${customer.sourceFile}: github.repositoryId: found ${pinned}; GitHub reports ${found.repoId} for ${fullName}. ` +
        'The repository was deleted and re-created, possibly by someone else. Fix: confirm who owns it now, then write the new ID (gh api repos/' +
        `${fullName} --jq .id).`,
    );
  }
  const repositoryId = pinned ?? found.repoId;
  return { fullName, ...(repositoryId !== undefined ? { repositoryId } : {}) };
}

/**
 * Reads the repository through the GitHub provider (`github.getRepository`) and judges it; throws
 * before any resource of the customer is registered. A provider of its own, so the delivery's
 * provider (and its URN) stays as it was.
 */
export async function readCanonicalRepository(customer: Customer, credentials: GitHubCredentials): Promise<CanonicalRepository> {
  const provider = new github.Provider('github-identity-check', {
    owner: customer.github.owner,
    ...(credentials.kind === 'token' ? { token: credentials.token } : { appAuth: credentials.app }),
  });
  const found = await github.getRepository({ fullName: `${customer.github.owner}/${customer.github.repository}` }, { provider });
  return judgeCanonicalRepository(customer, found);
}

/** The customer with the repository ID GitHub reported filled in (when the file had none). */
export function withRepositoryId(customer: Customer, canonical: CanonicalRepository): Customer {
  if (canonical.repositoryId === undefined || customer.github.repositoryId === canonical.repositoryId) return customer;
  return deepFreeze({ ...customer, github: { ...customer.github, repositoryId: canonical.repositoryId } }) as Customer;
}
