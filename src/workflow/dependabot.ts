import { posix } from 'node:path';
import type { Customer } from '../model/customer';
import { generatedHeader, workflowYaml } from './release-workflow';

/** Where Dependabot reads its configuration in the customer's repository. */
export const DEPENDABOT_CONFIG_PATH = '.github/dependabot.yml';

/** Group names: one pull request per ecosystem and run, easier to review than one per pin. */
export const DEPENDABOT_GROUPS = { actions: 'github-actions', docker: 'docker-base-images' } as const;

/**
 * The Dependabot configuration (version 2) beside the release workflow: the `github-actions`
 * ecosystem for `.github/workflows` (Dependabot moves the SHA pins and their `# vX.Y.Z`
 * comments), and the `docker` ecosystem for each configured Dockerfile's directory (base images,
 * digests included). Every entry has the customer's cooldown, so a release is proposed only once
 * it has been public for `dependencyUpdates.cooldownDays` days, and groups all updates of an
 * ecosystem into one pull request. Security updates are not delayed (Dependabot applies cooldown
 * to version updates only).
 *
 * A bump lands in the customer's repository, where the workflow is generated: the release job's
 * denylist step refuses a tool version that is denylisted, whatever the pull request changed, and
 * the next delivery from this project carries pins at least as new (`npm run pins`).
 */
export function dependabotConfig(customer: Pick<Customer, 'dependencyUpdates'>): Record<string, unknown> {
  const { cooldownDays, interval, dockerfiles } = customer.dependencyUpdates;
  const common = { schedule: { interval }, cooldown: { 'default-days': cooldownDays } };
  const directories = [...new Set(dockerfiles.map((file) => `/${posix.dirname(file)}`.replace(/\/\.$/, '/').replace(/^\/\/$/, '/')))].sort();
  const updates: Record<string, unknown>[] = [
    {
      'package-ecosystem': 'github-actions',
      directory: '/',
      ...common,
      groups: { [DEPENDABOT_GROUPS.actions]: { patterns: ['*'] } },
      'commit-message': { prefix: 'ci' },
    },
  ];
  if (directories.length > 0) {
    updates.push({
      'package-ecosystem': 'docker',
      ...(directories.length === 1 ? { directory: directories[0] } : { directories }),
      ...common,
      groups: { [DEPENDABOT_GROUPS.docker]: { patterns: ['*'] } },
      'commit-message': { prefix: 'build' },
    });
  }
  return { version: 2, updates };
}

/** The file as committed to the customer's repository. */
export function dependabotYaml(customer: Customer): string {
  return workflowYaml(
    dependabotConfig(customer),
    generatedHeader(
      customer,
      `Dependabot keeps the pins of this repository current: a release is proposed once it is ${customer.dependencyUpdates.cooldownDays} days old, one grouped pull request per ecosystem.`,
    ),
  );
}
