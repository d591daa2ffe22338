/**
 * The live suite's scenarios, run by test/e2e/run.sh against the control plane and Kyverno
 * controllers it started:
 *
 *   node lib/test/e2e/scenarios.js --work DIR --kubeconfig FILE --images images.env --ca ca.pem \
 *        --tuf-url URL --tuf-root-b64 FILE --kyverno-metrics HOST:PORT --api-server URL --ca-file FILE \
 *        --fixtures DIR [--steps bundles,admission-cp,admission-ivp,...]
 *
 * Prints the matrix (step × expected × actual × what `kyverno test` says) to stdout and writes
 * it to DIR/matrix.txt; exits 1 on any mismatch.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kube } from './kube';
import { Matrix } from './matrix';
import { runAdmission, type AdmissionContext } from './steps/admission';
import { runBundles } from './steps/bundles';
import { runFlipCheck } from './steps/flip-check';
import { runLatency } from './steps/latency';
import { runLifecycle } from './steps/lifecycle';
import { runMonitoring } from './steps/monitoring';
import { readEnvFile } from '../support/env-file';

export const ALL_STEPS = ['bundles', 'admission-cp', 'admission-ivp', 'time-cp', 'time-ivp', 'flip-check-cp', 'flip-check-ivp', 'monitoring', 'latency'] as const;
/** `npm run test:e2e` runs these; `latency` runs in `npm run bench` (numbers, not verdicts). */
export const DEFAULT_STEPS = ALL_STEPS.filter((step) => step !== 'latency');

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`usage: scenarios --work DIR --kubeconfig FILE --images FILE --ca FILE --tuf-url URL --tuf-root-b64 FILE [--steps a,b] (at ${argv[i]})`);
    args.set(argv[i].slice(2), argv[i + 1]);
  }
  return args;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const need = (key: string) => {
    const value = args.get(key);
    if (!value) throw new Error(`scenarios: --${key} is required`);
    return value;
  };
  const repoRoot = resolve(__dirname, '../../..');
  const work = need('work');
  const kube = new Kube(need('kubeconfig'));
  const matrix = new Matrix();
  const steps = (args.get('steps') ?? DEFAULT_STEPS.join(',')).split(',');
  const context: AdmissionContext = {
    kube,
    matrix,
    repoRoot,
    work,
    images: readEnvFile(need('images')),
    trust: { caPem: readFileSync(need('ca'), 'utf8'), tufUrl: need('tuf-url'), tufRootBase64: readFileSync(need('tuf-root-b64'), 'utf8').trim() },
  };
  for (const step of steps) {
    const started = Date.now();
    process.stderr.write(`[e2e] step ${step}\n`);
    switch (step) {
      case 'bundles':
        runBundles(kube, matrix, repoRoot, work);
        break;
      case 'admission-cp':
        await runAdmission(context, 'ClusterPolicy');
        break;
      case 'admission-ivp':
        await runAdmission(context, 'ImageValidatingPolicy');
        break;
      case 'time-cp':
        await runLifecycle(context, 'ClusterPolicy');
        break;
      case 'time-ivp':
        await runLifecycle(context, 'ImageValidatingPolicy');
        break;
      case 'flip-check-cp':
        await runFlipCheck(context, 'ClusterPolicy');
        break;
      case 'flip-check-ivp':
        await runFlipCheck(context, 'ImageValidatingPolicy');
        break;
      case 'monitoring':
        await runMonitoring({
          ...context,
          kyvernoMetrics: need('kyverno-metrics'),
          apiServer: need('api-server'),
          caFile: need('ca-file'),
          fixtures: need('fixtures'),
          trustedRoot: need('trusted-root'),
        });
        break;
      case 'latency':
        await runLatency({
          ...context,
          restartKyverno: (extraArgs) => {
            // run.sh's helpers: stop the controllers, start them again with the extra flags.
            const script = `. "${join(repoRoot, 'test/e2e/kyverno.sh')}" && scb_kyverno_stop "$0" && SCB_KYVERNO_EXTRA_ARGS="$1" scb_kyverno_start "$2" "$0" "$3"`;
            const restarted = spawnSync('bash', ['-c', script, need('kyverno-dir'), extraArgs, need('kubeconfig'), need('kyverno-values')], { stdio: ['ignore', 'inherit', 'inherit'] });
            return restarted.status === 0;
          },
        });
        break;
      default:
        throw new Error(`unknown step ${step}; known: ${ALL_STEPS.join(', ')}`);
    }
    process.stderr.write(`[e2e] step ${step} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const table = matrix.render();
  writeFileSync(join(work, 'matrix.txt'), `${table}\n`);
  process.stdout.write(`${table}\n`);
  return matrix.mismatches === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(2);
    },
  );
}
