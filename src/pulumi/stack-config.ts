import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { LineCounter, parseDocument } from 'yaml';
import { CLOCK_FORMAT_HINT, parseClockValue } from '../contract';
import type { Customer } from '../model/customer';
import { CUSTOMER_CONFIG_KEY, PULUMI_PROJECT, customerFromDescription, formatFieldError, type FieldError } from '../model/load';
import { deliversCluster, deliversRepository, parseDeliverySettings, type DeliverySettings } from '../delivery/settings';
import { bundleProblems } from '../bundle-checks';

/** How the program signs in to GitHub: a token, or a GitHub App installation. */
export type GitHubCredentials =
  | { readonly kind: 'token'; readonly token: pulumi.Output<string> }
  | { readonly kind: 'app'; readonly app: pulumi.Output<{ id: string; installationId: string; pemFile: string }> };

/** Everything one stack's program needs, read and validated from its stack config. */
export interface StackInputs {
  /** The project folder; a local Kyverno chart path is relative to it. */
  readonly projectDir: string;
  readonly customer: Customer;
  readonly delivery: DeliverySettings;
  /** The enforcement clock: `supply-chain:at`, else now. */
  readonly at: Date;
  /** Where `at` came from, for the stack outputs. */
  readonly clockSource: 'config' | 'now';
  /** `supply-chain:kubeconfig`; absent means the provider's ambient kubeconfig. */
  readonly kubeconfig?: pulumi.Output<string>;
  /** Absent when the stack delivers the cluster half only (`deliver: cluster`). */
  readonly github?: GitHubCredentials;
}

/** The clock config key; set it to preview a future flip (`pulumi preview -c supply-chain:at=2026-10-15`). */
export const CLOCK_CONFIG_KEY = `${PULUMI_PROJECT}:at`;

/** Parses `supply-chain:at` (a date, taken as 00:00 UTC, or an ISO 8601 timestamp). */
export function parseClock(raw: string | undefined, now: () => Date = () => new Date()): { at: Date; source: 'config' | 'now' } {
  if (raw === undefined || raw === '') return { at: now(), source: 'now' };
  const at = parseClockValue(raw);
  if (at === undefined) throw new pulumi.RunError(`${CLOCK_CONFIG_KEY}: "${raw}" is not a date. Fix: ${CLOCK_FORMAT_HINT}, or remove it to use the current time.`);
  return { at, source: 'config' };
}

function fail(errors: readonly FieldError[]): never {
  throw new pulumi.RunError(`invalid stack configuration:\n${errors.map((error) => `  ${formatFieldError(error)}`).join('\n')}`);
}

/**
 * Reads the stack's config. Errors name the stack file, line (when the file is at hand, as it is
 * under `pulumi up` in the project folder), field and fix, like `scb validate`.
 */
export function readStackInputs(stack: string = pulumi.getStack(), projectDir: string = pulumi.runtime.getRootDirectory() || process.cwd()): StackInputs {
  const config = new pulumi.Config(PULUMI_PROJECT);
  const stackFile = join('stacks', `Pulumi.${stack}.yaml`);
  const path = join(projectDir, stackFile);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : undefined;

  const description = config.getObject<unknown>('customer');
  if (description === undefined) {
    fail([{ file: stackFile, field: `config."${CUSTOMER_CONFIG_KEY}"`, message: `is missing; the customer description lives under this config key. Fix: add "${CUSTOMER_CONFIG_KEY}:" under "config:".` }]);
  }
  const source = text !== undefined ? sourceOf(text) : undefined;
  // The bundle checks too (a placeholder rescanner digest would deploy a CronJob that can never pull).
  const loaded = customerFromDescription(description, stackFile, stack, source, { checks: bundleProblems });
  const delivery = parseDeliverySettings(config.getObject<unknown>('delivery'), stackFile, text);
  const errors = [...loaded.errors, ...delivery.errors];
  if (errors.length > 0 || !loaded.customer || !delivery.settings) fail(errors);

  const clock = parseClock(config.get('at'));
  // Secrets: only ever read as secrets, so Pulumi encrypts them in state and masks them in logs,
  // and only for the half the stack delivers (no GitHub secret for `deliver: cluster`).
  let github: GitHubCredentials | undefined;
  if (deliversRepository(delivery.settings)) {
    const app = config.getSecretObject<{ id: string; installationId: string; pemFile: string }>('githubApp');
    github = app ? { kind: 'app', app } : { kind: 'token', token: config.requireSecret('githubToken') };
  }
  return {
    projectDir,
    customer: loaded.customer,
    delivery: delivery.settings,
    at: clock.at,
    clockSource: clock.source,
    kubeconfig: deliversCluster(delivery.settings) ? config.getSecret('kubeconfig') : undefined,
    github,
  };
}

function sourceOf(text: string) {
  const lineCounter = new LineCounter();
  return { document: parseDocument(text, { lineCounter }), lineCounter };
}
