/**
 * `npm run templates`: re-renders the example customers' reference bundles into templates/ at
 * the fixed template clock. Review the resulting git diff like any other change.
 */
import { rmSync } from 'node:fs';
import { loadCustomers } from '../src/model/load';
import { synthesize } from '../src/synth/synthesize';
import { REPO_ROOT, TEMPLATE_CLOCK, TEMPLATES_DIR, exampleStackFiles } from './template-examples';

const customers = loadCustomers(exampleStackFiles(), REPO_ROOT);
rmSync(TEMPLATES_DIR, { recursive: true, force: true });
const result = synthesize(customers, { at: TEMPLATE_CLOCK, outDir: TEMPLATES_DIR });
for (const entry of result.customers) console.log(`templates/${entry.name}: ${entry.fileCount} files`);
