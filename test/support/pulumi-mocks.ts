import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { STACKS_DIR } from './synth-helper';

/** One resource the program registered, as the engine would have seen it. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** Inputs as sent to the engine (secrets unwrapped by the mock monitor). */
  readonly inputs: Record<string, any>;
  /** Whether each top-level input was sent as a secret. */
  readonly secretInputs: readonly string[];
  /** URN of the explicit provider, without the `::id` suffix. */
  readonly provider?: string;
  /** URNs of the resources it depends on (dependsOn plus input dependencies). */
  readonly dependencies: readonly string[];
  /** The aliases sent with the registration (structured alias specs, as plain objects). */
  readonly aliases: readonly Record<string, any>[];
}

/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource registration,
 * including dependencies and providers, which the public Mocks interface does not show. This is
 * the test double for the Pulumi engine: no Pulumi CLI can be installed here (REFERENCE §6).
 */
export async function runWithMocks<T>(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  program: () => T | Promise<T>,
  /** Answers to provider functions (invokes) by token, e.g. `github:index/getRepository:getRepository`; others echo their inputs. */
  calls: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {},
): Promise<{ resources: RegisteredResource[]; outputs: Record<string, unknown>; result: T }> {
  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs, ...(args.type === 'github:index/repositoryPullRequest:RepositoryPullRequest' ? { number: 42 } : {}) } }),
      call: (args) => calls[args.token]?.(args.inputs) ?? args.inputs,
    },
    'supply-chain',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: any, callback: (error: unknown, response: any) => void) => {
    const object = request.getObject()?.toJavaScript() ?? {};
    const secretInputs = Object.entries(object)
      .filter(([, value]) => isSecretValue(value))
      .map(([key]) => key);
    register(request, (error: unknown, response: any) => {
      if (!error && response) {
        resources.push({
          type: request.getType(),
          name: request.getName(),
          urn: response.getUrn(),
          custom: request.getCustom(),
          inputs: pulumi.runtime.deserializeProperties(request.getObject()),
          secretInputs,
          provider: request.getProvider() ? request.getProvider().split('::').slice(0, -1).join('::') : undefined,
          dependencies: request.getDependenciesList(),
          aliases: request.getAliasesList().map((alias: any) => (typeof alias?.toObject === 'function' ? alias.toObject() : { urn: alias })),
        });
      }
      callback(error, response);
    });
  };
  let result!: T;
  const outputs = (await pulumi.runtime.runInPulumiStack(async () => {
    result = await program();
    return result;
  })) as Record<string, unknown>;
  // Registrations run asynchronously; wait for the RPC queue to drain before reading them.
  await pulumi.runtime.disconnect();
  return { resources, outputs: outputs ?? {}, result };
}

function isSecretValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['4dabf18193072939515e22adb298388d'] === '1b47061264138c4ac30d75fd1eb44270';
}

/** Sets up mocks and config only, for tests of config reading that must fail before any resource exists. */
export async function configureMocks(stack: string, config: Record<string, string>, secretKeys: readonly string[]): Promise<void> {
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: undefined, state: args.inputs }), call: (args) => args.inputs }, 'supply-chain', stack, false);
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
}

/** A stack file's config as Pulumi passes it to the program: every value a string, objects as JSON. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const file = parse(readFileSync(join(STACKS_DIR, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...file.config, ...overrides })) {
    if (value === undefined) continue;
    if (value && typeof value === 'object' && 'secure' in value) continue; // ciphertext: tests supply secrets themselves
    config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return config;
}

/** Resolves an Output (or plain value) in a test. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((done) => pulumi.output(value).apply((resolved) => done(resolved as T)));
}
