import { parseArgs, type ParseArgsConfig } from 'node:util';

import { closest } from '../contract/suggest';
import { UsageError } from './main';

/**
 * The one way every `scb` subcommand reads its flags (`scb rescan` included, so this file imports
 * nothing that would pull zod or the customer schema into the rescanner image).
 */

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLineSpec<O extends Options, P extends boolean> {
  /** The command's flags; `-h/--help` is added. */
  readonly options: O;
  /** Whether the command takes arguments besides flags (files, an image, an operation). */
  readonly positionals: P;
  /** Printed for `-h/--help`, which then parses nothing else. */
  readonly help: string;
  /**
   * Where the help goes.
   * @default process.stdout
   */
  readonly stdout?: { write(chunk: string): unknown };
  /**
   * The command's own error for a bad flag (the in-cluster commands log configuration errors as
   * JSON and exit 2 through it).
   * @default - a UsageError
   */
  readonly usageError?: (message: string) => Error;
}

export type ParsedCommandLine<O extends Options, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: P; strict: true; options: O & typeof HELP_OPTION }>
>;

/**
 * Parses a command line strictly. A parse error becomes a UsageError (exit code 2), with a
 * did-you-mean for an unknown flag (`--otu` → `--out`). Given `-h/--help`, prints the help and
 * answers undefined: the command then exits 0 without doing anything.
 */
export function parseCommandLine<const O extends Options, const P extends boolean>(argv: string[], spec: CommandLineSpec<O, P>): ParsedCommandLine<O, P> | undefined {
  const options = { ...spec.options, ...HELP_OPTION };
  let parsed;
  try {
    parsed = withUsageErrors(() => parseArgs({ args: argv, allowPositionals: spec.positionals, strict: true as const, options }), options);
  } catch (error) {
    if (error instanceof UsageError && spec.usageError) throw spec.usageError(error.message);
    throw error;
  }
  if (!(parsed.values as { help?: boolean }).help) return parsed as ParsedCommandLine<O, P>;
  (spec.stdout ?? process.stdout).write(spec.help);
  return undefined;
}

function withUsageErrors<T>(parse: () => T, options: Readonly<Record<string, object>>): T {
  try {
    return parse();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const flags = Object.keys(options).map((name) => `--${name}`);
      const suggestion = closest(unknown.replace(/=.*$/, ''), flags);
      throw new UsageError(`unknown option ${unknown}.${suggestion ? ` Did you mean ${suggestion}?` : ''} Options: ${flags.join(', ')}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`${message.replace(/\.$/, '')}; this command takes no file arguments`);
    }
    throw new UsageError(message);
  }
}
