import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundleProblems } from '../bundle-checks';
import { formatFieldError, listStackFiles, parseStackFile, stackNameOf } from '../model/load';
import { deliverySettingsProblems } from '../delivery/settings';
import { fleetJson, runFleet, summaryTable, type FleetOperation, type StackRunner } from '../delivery/fleet';
import { parseCommandLine } from './command-line';
import { EXIT, UsageError } from './main';

export const FLEET_HELP = `Usage: scb fleet up|preview [--concurrency N] [--only a,b] [--stacks DIR] [--json FILE]

Runs \`pulumi up\` (or \`pulumi preview\`) on every customer stack in stacks/ as Pulumi Automation
API inline programs (the same program \`pulumi up -s <customer>\` runs), N stacks at a time. Each
worker has its own work directory and PULUMI_HOME. A failing customer does not stop the others; a
summary table follows at the end.

Needs the Pulumi CLI on PATH (no language host) and a logged-in state backend (\`pulumi login\`,
or PULUMI_BACKEND_URL), and the stack secrets the delivered halves need (supply-chain:githubToken
or supply-chain:githubApp for the repository, optionally supply-chain:kubeconfig for the cluster).

Options:
      --concurrency N   stacks run at the same time (default 4, at most 32)
      --only a,b        only these customers (stack names)
      --stacks DIR      folder of Pulumi.<customer>.yaml files (default: stacks)
      --json FILE       also write the rows as JSON, with every changed resource and its group
  -h, --help            show this help

Exit codes: 0 every customer succeeded, 1 a customer failed or was invalid, or no Pulumi CLI,
2 usage error.
`;

const OPTIONS = {
  concurrency: { type: 'string' },
  only: { type: 'string' },
  stacks: { type: 'string' },
  json: { type: 'string' },
} as const;

export interface FleetDependencies {
  /** Throws (PulumiCliMissingError) when no usable Pulumi CLI is installed. */
  readonly requireCli: () => Promise<void>;
  readonly createRunner: (projectDir: string, stacksDir: string) => StackRunner;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly projectDir: string;
}

async function defaultDependencies(): Promise<FleetDependencies> {
  const automation = await import('../delivery/automation-runner');
  return {
    requireCli: automation.requirePulumiCli,
    createRunner: (projectDir, stacksDir) => new automation.AutomationStackRunner({ projectDir, stacksDir }),
    stdout: process.stdout,
    stderr: process.stderr,
    projectDir: process.cwd(),
  };
}

/** Validates a stack file as the program will: the customer and `supply-chain:delivery`. */
function stackFileProblems(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [`${file}: (file): cannot be read (${(error as NodeJS.ErrnoException).code}).`];
  }
  const loaded = parseStackFile(file, text, file, { checks: bundleProblems });
  return [...loaded.errors, ...deliverySettingsProblems(file, text)].map(formatFieldError);
}

export async function fleetCommand(argv: string[], injected?: Partial<FleetDependencies>): Promise<number> {
  const deps: FleetDependencies = { ...(await defaultDependencies()), ...injected };
  const commandLine = parseCommandLine(argv, { options: OPTIONS, positionals: true, help: FLEET_HELP, stdout: deps.stdout });
  if (!commandLine) return EXIT.ok;
  const { values, positionals } = commandLine;
  const [operation, ...extra] = positionals;
  if (operation !== 'up' && operation !== 'preview') throw new UsageError(operation === undefined ? 'say what to do: scb fleet up or scb fleet preview' : `unknown fleet operation "${operation}"; expected up or preview`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"; choose customers with --only a,b`);
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError(`--concurrency "${values.concurrency}" is not a whole number from 1 to 32`);
  }
  const stacksDir = values.stacks ?? 'stacks';
  let files: string[];
  try {
    files = listStackFiles(stacksDir);
  } catch (error) {
    throw new UsageError(`cannot list ${stacksDir}/ (${(error as NodeJS.ErrnoException).code}); run from the project root or pass --stacks`);
  }
  const byStack = new Map(files.map((file) => [stackNameOf(file)!, file]));
  let stacks = [...byStack.keys()];
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((name) => name.trim()).filter(Boolean);
    const unknown = wanted.filter((name) => !byStack.has(name));
    if (wanted.length === 0 || unknown.length > 0) {
      throw new UsageError(`--only names ${unknown.length > 0 ? `unknown customers ${unknown.map((name) => `"${name}"`).join(', ')}` : 'no customer'}; the stacks in ${stacksDir}/ are ${stacks.join(', ')}`);
    }
    stacks = stacks.filter((stack) => wanted.includes(stack));
  }
  if (stacks.length === 0) throw new UsageError(`no Pulumi.<customer>.yaml files in ${stacksDir}/`);

  try {
    await deps.requireCli();
  } catch (error) {
    deps.stderr.write(`scb fleet: ${(error as Error).message}\n`);
    return EXIT.invalidInput;
  }

  const skipped = new Map<string, string>();
  for (const stack of stacks) {
    const problems = stackFileProblems(byStack.get(stack)!);
    if (problems.length > 0) {
      for (const problem of problems) deps.stderr.write(`error: ${problem}\n`);
      skipped.set(stack, `invalid stack file (${problems.length} problem${problems.length === 1 ? '' : 's'}; see above)`);
    }
  }
  const result = await runFleet(stacks, {
    operation: operation as FleetOperation,
    concurrency,
    runner: deps.createRunner(deps.projectDir, resolve(deps.projectDir, stacksDir)),
    skipped,
    onProgress: (stack, message) => deps.stderr.write(`[${stack}] ${message}\n`),
  });
  deps.stdout.write(`${summaryTable(result, operation as FleetOperation)}\n`);
  if (values.json !== undefined) writeFileSync(values.json, fleetJson(result, operation as FleetOperation));
  return result.failed > 0 ? EXIT.invalidInput : EXIT.ok;
}
