import { formatFieldError } from '../model/load';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { deliverySettingsProblems } from '../delivery/settings';
import { loadCustomerFiles, resolveClock, resolveGitOpsSettings } from './args';
import { parseCommandLine } from './command-line';
import { EXIT } from './main';
import { commandAsTyped, styleFor } from './ui';

export const VALIDATE_HELP = `Usage: scb validate [files...] [--at DATE]

Checks customer files (default: every stacks/Pulumi.<customer>.yaml) and reports every problem
in every file, with file, line, field and fix: the customer description, the checks synth runs
before writing (e.g. a placeholder rescanner digest), and the Pulumi-only supply-chain:delivery
settings. Named files are also checked against the other customers in stacks/ (names must be
unique), and $SCB_GITOPS_* as synth reads them. Writes nothing.

Options:
      --at DATE   the clock (YYYY-MM-DD or ISO 8601; default: $SCB_AT, else now): an
                  onboardedAt more than a year after it is refused as a typo
  -h, --help      show this help

Exit codes: 0 all valid, 1 invalid input, 2 usage error.
`;

const OPTIONS = { at: { type: 'string' } } as const;

export async function validateCommand(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv, { options: OPTIONS, positionals: true, help: VALIDATE_HELP });
  if (!commandLine) return EXIT.ok;
  const { values, positionals } = commandLine;
  const at = resolveClock(values.at);
  // The SCB_GITOPS_* variables synth would use: refused here too, before anything is written.
  resolveGitOpsSettings({});
  const { files, customers, errors } = loadCustomerFiles(positionals, at);
  // Pulumi-only delivery settings are checked too, so `scb validate` catches them before `pulumi up`.
  for (const file of files) {
    try {
      errors.push(...deliverySettingsProblems(relative(process.cwd(), file) || file, readFileSync(file, 'utf8')));
    } catch {
      // unreadable: loading the customers reported it
    }
  }
  if (errors.length > 0) {
    const style = styleFor(process.stderr);
    for (const problem of errors) process.stderr.write(`${style.error('error:')} ${formatFieldError(problem)}\n`);
    process.stderr.write(`${errors.length} problem${errors.length === 1 ? '' : 's'} found; nothing was written.\n`);
    return EXIT.invalidInput;
  }
  const style = styleFor(process.stdout);
  for (const customer of customers) process.stdout.write(`${style.ok('ok')}  ${customer.sourceFile} (${customer.name})\n`);
  process.stdout.write(`next: ${commandAsTyped(['synth', ...positionals])} writes the bundle${customers.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
