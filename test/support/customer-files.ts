import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CUSTOMER_CONFIG_KEY } from '../../src/model/load';
import { makeTempDir } from './synth-helper';

/** A minimal valid customer description; tests override fields from here. */
export function validCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'example',
    github: { owner: 'example-org', repository: 'shop' },
    image: 'ghcr.io/example-org/shop',
    enforcement: { onboardedAt: '2026-09-01' },
    ...overrides,
  };
}

/** Writes `Pulumi.<stack>.yaml` files holding the given descriptions into a temp stacks dir. */
export function writeStackFiles(customers: Record<string, unknown>, dir = makeTempDir('scb-stacks-')): string[] {
  return Object.entries(customers).map(([stack, description]) => {
    const file = join(dir, `Pulumi.${stack}.yaml`);
    writeFileSync(file, typeof description === 'string' ? description : stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } }));
    return file;
  });
}
