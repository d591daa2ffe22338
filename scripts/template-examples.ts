/**
 * Where the example customers and their reference bundles live, and the clock the bundles are
 * rendered at: shared by `npm run templates` and the tests that compare against templates/.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (compiled code runs from lib/scripts/ or lib/test/…). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const STACKS_DIR = join(REPO_ROOT, 'stacks');
export const TEMPLATES_DIR = join(REPO_ROOT, 'templates');
/** The fixed clock the reference bundles in templates/ are rendered at. */
export const TEMPLATE_CLOCK = new Date('2026-10-01T00:00:00Z');

/** The example customers' stack files. */
export function exampleStackFiles(): string[] {
  return readdirSync(STACKS_DIR)
    .filter((name) => /^Pulumi\..+\.yaml$/.test(name))
    .sort()
    .map((name) => join(STACKS_DIR, name));
}
