import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomerValidationError, formatFieldError, loadCustomers } from '../model/load';
import { synthesize } from '../synth/synthesize';
import { parseArgs } from 'node:util';
import { customerFiles, progressReporter, resolveClock, withUsageErrors } from './args';
import { EXIT } from './main';

export const SYNTH_HELP = `Usage: scb synth [files...] [--out DIR] [--at DATE]

Writes each customer's bundle to DIR/<customer>/ (default dist/): Kubernetes YAML under
kubernetes/, the release and deploy-gate workflows under github/.github/workflows/, and the
deploy gate for hosts without Kubernetes under deploy-gate/. Every customer is rendered
first; only when all succeed are the folders swapped in, so on any error DIR is unchanged.

Options:
  -o, --out DIR   output folder (default: dist)
      --at DATE   the clock the enforcement flip is judged by: YYYY-MM-DD or an ISO 8601
                  timestamp (default: $SCB_AT, else now). Same input and clock, same bytes.
  -h, --help      show this help

Exit codes: 0 ok, 1 invalid input, 2 usage error.
`;

export async function synthCommand(argv: string[]): Promise<number> {
  const { values, positionals } = withUsageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { out: { type: 'string', short: 'o' }, at: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }),
  );
  if (values.help) {
    process.stdout.write(SYNTH_HELP);
    return EXIT.ok;
  }
  const at = resolveClock(values.at);
  const outDir = values.out ?? 'dist';
  const files = customerFiles(positionals);
  let customers;
  try {
    customers = loadCustomers(files);
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    for (const problem of error.errors) process.stderr.write(`error: ${formatFieldError(problem)}\n`);
    process.stderr.write(`${error.errors.length} problem${error.errors.length === 1 ? '' : 's'} found; nothing was written to ${outDir}/.\n`);
    return EXIT.invalidInput;
  }
  const progress = progressReporter(customers.length);
  const result = synthesize(customers, { at, outDir, onCustomer: (index, customer) => progress.step(index, customer.name) });
  progress.done();
  const lines = [`synthesized ${result.customers.length} customer${result.customers.length === 1 ? '' : 's'} into ${outDir}/ at ${at.toISOString()}`];
  for (const entry of result.customers) {
    lines.push(`  ${entry.name}: ${entry.fileCount} files; ${entry.summary.join('; ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // Under `cdk8s synth`, leave the summary where cdk8s looks, so it lists a manifest.
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  if (cdk8sOut) {
    mkdirSync(cdk8sOut, { recursive: true });
    writeFileSync(join(cdk8sOut, 'synth-summary.yaml'), `# ${lines.join('\n# ')}\n`);
  }
  return EXIT.ok;
}
