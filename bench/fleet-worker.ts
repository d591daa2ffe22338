/**
 * Child process of the fleet benchmark: synthesizes N generated customers in one process and
 * prints `{customers, ms, maxRssBytes}` as JSON. Run in its own process so that peak RSS belongs
 * to this fleet size alone.
 */
import { rmSync } from 'node:fs';
import { stringify } from 'yaml';
import { CUSTOMER_CONFIG_KEY, parseStackFile } from '../src/model/load';
import type { Customer } from '../src/model/customer';
import { synthesize } from '../src/synth/synthesize';

export function generatedCustomer(index: number): Customer {
  const name = `customer-${String(index).padStart(4, '0')}`;
  const description = {
    name,
    github: { owner: `org-${index}`, repository: 'services', ...(index % 3 === 0 ? { workflow: 'build.yaml', branch: 'release' } : {}) },
    image: `ghcr.io/org-${index}/services`,
    admission: { engine: index % 2 === 0 ? 'ImageValidatingPolicy' : 'ClusterPolicy' },
    enforcement: { onboardedAt: index % 4 === 0 ? '2026-09-20' : '2026-01-10' },
    allowlist:
      index % 5 === 0
        ? [{ image: `docker.io/library/redis@sha256:${index.toString(16).padStart(64, '0')}`, reason: 'vendor', owner: 'sre', lastReviewed: '2026-08-01' }]
        : [],
  };
  const parsed = parseStackFile(`Pulumi.${name}.yaml`, stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } }));
  if (!parsed.customer) throw new Error(parsed.errors.map((error) => error.message).join('\n'));
  return parsed.customer;
}

if (require.main === module) {
  const count = Number(process.argv[2]);
  const outDir = process.argv[3];
  const started = process.hrtime.bigint();
  const customers = Array.from({ length: count }, (_, index) => generatedCustomer(index));
  synthesize(customers, { at: new Date('2026-10-01T00:00:00Z'), outDir });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ customers: count, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}
