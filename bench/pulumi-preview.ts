/**
 * Mocked Pulumi preview of one customer stack: the real program (src/pulumi) registers every
 * resource against `pulumi.runtime.setMocks`, which stands in for the engine because no Pulumi
 * CLI can be installed here (REFERENCE §6). Runs in a child process so its time includes loading
 * @pulumi/pulumi, @pulumi/kubernetes and @pulumi/github, as a real `pulumi preview` would.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { onboardCustomer } from '../src/pulumi/onboard';
import { readStackInputs } from '../src/pulumi/stack-config';
import { runWithMocks, stackConfig } from '../test/support/pulumi-mocks';

const STACK = 'acme';
const RUNS = 5;
/** Test-only secrets (not real): the program refuses to run without a GitHub credential. */
const SECRETS = { 'supply-chain:githubToken': 'ghp_BENCH0nly000000000000000000000000000' };

export async function run(): Promise<object> {
  const samples: { ms: number; maxRssMB: number; resources: number }[] = [];
  for (let index = 0; index < RUNS; index++) {
    const child = await promisify(execFile)(process.execPath, [__filename, '--child'], { encoding: 'utf8' });
    samples.push(JSON.parse(child.stdout));
  }
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  return { stack: STACK, runs: RUNS, medianMs: sorted[Math.floor(RUNS / 2)], resources: samples[0].resources, maxRssMB: Math.max(...samples.map((sample) => sample.maxRssMB)) };
}

async function child(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const config = { ...stackConfig(STACK, { 'supply-chain:at': '2026-10-01' }), ...SECRETS };
  const { resources } = await runWithMocks(STACK, config, Object.keys(SECRETS), () => onboardCustomer(readStackInputs(STACK, root)));
  // performance.now() counts from process start, so module loading is included.
  const ms = performance.now();
  process.stdout.write(JSON.stringify({ ms, maxRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, resources: resources.length }));
}

if (require.main === module && process.argv[2] === '--child') {
  child().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
