import type { Customer } from '../model/customer';
import { CustomerValidationError, formatFieldError, loadCustomers, type FieldError } from '../model/load';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { deliverySettingsProblems } from '../delivery/settings';
import { customerFiles, parseCommandLine } from './args';
import { EXIT } from './main';

export const VALIDATE_HELP = `Usage: scb validate [files...]

Checks customer files (default: every stacks/Pulumi.<customer>.yaml) and reports every problem
in every file, with file, line, field and fix: the customer description and the Pulumi-only
supply-chain:delivery settings. Writes nothing.

Options:
  -h, --help   show this help

Exit codes: 0 all valid, 1 invalid input, 2 usage error.
`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {}, true);
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return EXIT.ok;
  }
  const files = customerFiles(positionals);
  // Pulumi-only delivery settings are checked too, so `scb validate` catches them before `pulumi up`.
  const deliveryProblems = files.flatMap((file) => {
    try {
      return deliverySettingsProblems(relative(process.cwd(), file) || file, readFileSync(file, 'utf8'));
    } catch {
      return []; // unreadable: loadCustomers reports it
    }
  });
  let customers: Customer[] = [];
  const errors: FieldError[] = [];
  try {
    customers = loadCustomers(files);
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    errors.push(...error.errors);
  }
  errors.push(...deliveryProblems);
  if (errors.length > 0) {
    for (const problem of errors) process.stderr.write(`error: ${formatFieldError(problem)}\n`);
    process.stderr.write(`${errors.length} problem${errors.length === 1 ? '' : 's'} found; nothing was written.\n`);
    return EXIT.invalidInput;
  }
  for (const customer of customers) process.stdout.write(`ok  ${customer.sourceFile} (${customer.name})\n`);
  return EXIT.ok;
}
