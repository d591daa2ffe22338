/**
 * Step 6 of the live Pulumi test: `destroy` of the given stacks through the same Automation API
 * runner `scb fleet` uses (inline program, per-worker PULUMI_HOME). `scb fleet` does not offer
 * destroy (offboarding is one customer at a time, on purpose), so the test calls the runner.
 *
 * Usage: node lib/test/pulumi-live/destroy-stacks.js WORK_DIR STACK...
 */
import { join, resolve } from 'node:path';
import { AutomationStackRunner } from '../../src/delivery/automation-runner';
import { fleetJson, runFleet, summaryTable } from '../../src/delivery/fleet';

async function main(): Promise<number> {
  const [work, ...stacks] = process.argv.slice(2);
  if (!work || stacks.length === 0) throw new Error('usage: destroy-stacks.js WORK_DIR STACK...');
  const runner = new AutomationStackRunner({ projectDir: resolve(__dirname, '../../..'), stacksDir: join(resolve(work), 'stacks') });
  const result = await runFleet(stacks, {
    operation: 'destroy',
    concurrency: stacks.length,
    runner,
    onProgress: (stack, message) => process.stderr.write(`[${stack}] ${message}\n`),
  });
  process.stdout.write(`${summaryTable(result, 'destroy')}\n`);
  process.stderr.write(fleetJson(result, 'destroy'));
  return result.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`destroy-stacks: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
