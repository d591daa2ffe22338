import { readFileSync } from 'node:fs';

/**
 * Reads a `KEY=value` file as the conformance shell helpers write it (one pair a line, the value
 * taken verbatim after the first `=`), e.g. the pushed images' references by case name.
 */
export function readEnvFile(file: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return values;
}
