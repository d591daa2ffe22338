import { CustomerValidationError, formatFieldError, loadCustomers } from '../model/load';
import { parseArgs } from 'node:util';
import { customerFiles, withUsageErrors } from './args';
import { EXIT } from './main';

export const VALIDATE_HELP = `Usage: scb validate [files...]

Checks customer files (default: every stacks/Pulumi.<customer>.yaml) and reports every problem
in every file, with file, line, field and fix. Writes nothing.

Options:
  -h, --help   show this help

Exit codes: 0 all valid, 1 invalid input, 2 usage error.
`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = withUsageErrors(() =>
    parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return EXIT.ok;
  }
  const files = customerFiles(positionals);
  try {
    const customers = loadCustomers(files);
    for (const customer of customers) process.stdout.write(`ok  ${customer.sourceFile} (${customer.name})\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    for (const problem of error.errors) process.stderr.write(`error: ${formatFieldError(problem)}\n`);
    process.stderr.write(`${error.errors.length} problem${error.errors.length === 1 ? '' : 's'} found; nothing was written.\n`);
    return EXIT.invalidInput;
  }
}
