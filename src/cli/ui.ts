import { isAbsolute, relative, resolve } from 'node:path';

/**
 * How the CLI looks on a terminal: colour for errors, warnings and what is fine, only when the
 * stream is a terminal and `NO_COLOR` (https://no-color.org) is not set; `FORCE_COLOR` forces it.
 * Without colour every text is printed as is, so logs and tests see plain text.
 */
export interface Style {
  error(text: string): string;
  warning(text: string): string;
  ok(text: string): string;
  bold(text: string): string;
}

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const on = colourEnabled(stream, env);
  const sgr = (open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { error: sgr(31, 39), warning: sgr(33, 39), ok: sgr(32, 39), bold: sgr(1, 22) };
}

/** Summary lines that need attention (placeholders, overdue reviews) are shown as warnings. */
export function paintSummaryLine(line: string, style: Style): string {
  return /WARNING|OVERDUE|placeholder/.test(line) ? style.warning(line) : line;
}

/**
 * A path as the user would type it: relative to the working folder when it lies inside it,
 * otherwise as given. `/work/repo/dist` run from `/work/repo` prints as `dist`.
 */
export function displayPath(path: string, cwd = process.cwd()): string {
  if (!isAbsolute(path)) return relative(cwd, resolve(cwd, path)) || '.';
  const inside = relative(cwd, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/**
 * How the user would type an scb command, given how they ran this one: `npx scb …` under npx,
 * `npm run synth` for a whole-fleet synth under `npm run`, else `scb …` (installed on PATH). A
 * "next:" hint is then copied and pasted as it is.
 */
export function commandAsTyped(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  if (env.npm_command === 'run-script' && args.length === 1 && (args[0] === 'synth' || args[0] === 'validate')) return `npm run ${args[0]}`;
  const prefix = env.npm_command === 'exec' || env.npm_command === 'run-script' ? 'npx scb' : 'scb';
  return [prefix, ...args].join(' ');
}
