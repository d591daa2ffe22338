/**
 * The `scb` command line. Subcommands are loaded lazily so that `scb validate` does not pay for
 * cdk8s, Pulumi or the rescanner at start-up.
 */

export const EXIT = { ok: 0, invalidInput: 1, usage: 2 } as const;

/** Raised for wrong flags or arguments: printed with a hint and exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Subcommand {
  readonly summary: string;
  readonly run: (argv: string[]) => Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  validate: {
    summary: 'check customer files and report every problem, without writing anything',
    run: async (argv) => (await import('./validate-command')).validateCommand(argv),
  },
  synth: {
    summary: 'write each customer\'s bundle to dist/<customer>/ (atomically)',
    run: async (argv) => (await import('./synth-command')).synthCommand(argv),
  },
  rescan: {
    summary: 'in-cluster: scan every running image digest once and push metrics (run by the CronJob)',
    run: async (argv) => (await import('../rescanner/cli')).rescanCommand(argv),
  },
  fleet: {
    summary: 'pulumi up|preview every customer stack, N at a time, with a summary (needs the Pulumi CLI)',
    run: async (argv) => (await import('./fleet-command')).fleetCommand(argv),
  },
  inspect: {
    summary: 'verify an image\'s signatures and attestations and say whether the customer would admit it',
    run: async (argv) => (await import('./inspect-command')).inspectCommand(argv),
  },
  'flip-check': {
    summary: 'list the workloads a customer\'s policies would refuse after the flip (from PolicyReports)',
    run: async (argv) => (await import('./flip-check-command')).flipCheckCommand(argv),
  },
};

export const MAIN_HELP = `scb: onboard customers onto a signed, scanned and attested container supply chain.

Usage: scb <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)}${command.summary}`)
  .join('\n')}

Run "scb <command> --help" for the options of a command.

Exit codes: 0 ok, 1 invalid input, 2 usage error (each command's --help lists its own).
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    process.stdout.write(`${require('../../../package.json').version}\n`);
    return EXIT.ok;
  }
  const subcommand = SUBCOMMANDS[name];
  if (!subcommand) {
    process.stderr.write(`scb: unknown command "${name}".\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  try {
    return await subcommand.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`scb ${name}: ${error.message}\nRun "scb ${name} --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
