/**
 * `npm run release-workflow`: writes this repository's own .github/workflows/release.yml from
 * .github/supply-chain.yaml, with the same generator customers get. `--check` writes nothing and
 * exits 1 when the committed file differs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatFieldError, CustomerValidationError } from '../src/model/load';
import { ownReleaseWorkflow } from '../src/workflow/own-release';

const root = resolve(__dirname, '..', '..');
const check = process.argv.includes('--check');
try {
  const { path, content } = ownReleaseWorkflow(root);
  const target = join(root, path);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  if (check) {
    if (current !== content) {
      console.error(`${path} differs from what .github/supply-chain.yaml generates; run: npm run release-workflow`);
      process.exitCode = 1;
    } else console.log(`${path} is up to date`);
  } else {
    writeFileSync(target, content);
    console.log(`${current === content ? 'unchanged' : 'wrote'} ${path}`);
  }
} catch (error) {
  if (!(error instanceof CustomerValidationError)) throw error;
  for (const problem of error.errors) console.error(`error: ${formatFieldError(problem)}`);
  process.exitCode = 1;
}
