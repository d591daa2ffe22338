/**
 * The floor for the cold-start benchmark: node starts, loads the YAML library and serializes
 * the same documents one customer's synth writes. Nothing of this package is loaded.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';

const documents = JSON.parse(readFileSync(process.argv[2], 'utf8')) as unknown[];
let bytes = 0;
for (const document of documents) bytes += stringify(document).length;
process.stdout.write(String(bytes));
