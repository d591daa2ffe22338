/**
 * The `scb` command line. Subcommands are loaded lazily so that `scb validate` does not pay for
 * cdk8s, Pulumi or the rescanner at start-up.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closest } from '../contract/suggest';
import { requireWithCodeCache } from './code-cache';
import { styleFor } from './ui';

/**
 * Loads a hot command from its bundle (`<name>.bundle.js` beside this file, built by
 * bin/build-if-stale.js with esbuild: one file to read instead of hundreds, for a fast cold start),
 * else the compiled module itself: the same code. SCB_NO_BUNDLE=1 forces the latter. On Node 20
 * the bundle's compiled code is cached beside it (code-cache.ts).
 */
function loadBundled<T>(name: 'synth-command' | 'validate-command', unbundled: () => T): T {
  const bundled = join(__dirname, `${name}.bundle.js`);
  return !process.env.SCB_NO_BUNDLE && existsSync(bundled) ? requireWithCodeCache<T>(bundled) : unbundled();
}

/**
 * Exit codes of every command. 73 follows sysexits' EX_CANTCREAT: the output could not be written
 * (a file where a folder should be, no permission, a read-only or full file system).
 */
export const EXIT = { ok: 0, invalidInput: 1, usage: 2, cannotWrite: 73 } as const;

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
    run: async (argv) => loadBundled('validate-command', () => require('./validate-command') as typeof import('./validate-command')).validateCommand(argv),
  },
  synth: {
    summary: 'write each customer\'s bundle to dist/<customer>/ (atomically)',
    run: async (argv) => loadBundled('synth-command', () => require('./synth-command') as typeof import('./synth-command')).synthCommand(argv),
  },
  rescan: {
    summary: 'in-cluster: scan every running image digest once and push metrics (run by the CronJob)',
    run: async (argv) => (await import('../rescanner/cli')).rescanCommand(argv),
  },
  'drift-agent': {
    summary: 'in-cluster: compare this node\'s production containers with their attested SBOMs (run by the DaemonSet)',
    run: async (argv) => (await import('../drift-agent/cli')).driftAgentCommand(argv),
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
       scb --help | --version

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)}${command.summary}`)
  .join('\n')}

Run "scb <command> --help" for the options of a command. Start with "scb validate", then
"scb synth"; the README explains onboarding a customer step by step.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 73 the output could not be written.
Some commands add their own (scb inspect: 1 refused, 3 could not inspect); see their --help.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Like git and kubectl: no arguments, or asking for help, prints help and succeeds.
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(MAIN_HELP);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`scb ${require('../../../package.json').version} (node ${process.version})\n`);
    return EXIT.ok;
  }
  const style = styleFor(process.stderr);
  const subcommand = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!subcommand) {
    const known = Object.keys(SUBCOMMANDS);
    const suggestion = closest(name.replace(/^-+/, ''), known);
    process.stderr.write(
      `${style.error('scb: unknown command')} "${name}".${suggestion ? ` Did you mean "scb ${suggestion}"?` : ''}\n` +
        `Commands: ${known.join(', ')}. Run "scb --help" for what each does.\n`,
    );
    return EXIT.usage;
  }
  try {
    return await subcommand.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${style.error(`scb ${name}:`)} ${error.message}\nRun "scb ${name} --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
