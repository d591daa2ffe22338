/**
 * `npm run pins [-- --json] [-- --max-age-days N]`: each pin of src/workflow/pins.ts, its
 * upstream's newest release and its age. Tools are read from the Go module proxy ($GOPROXY),
 * actions from the GitHub REST API ($GITHUB_TOKEN optional); see src/workflow/pin-ages.ts.
 * With --max-age-days, exits 1 when a pin with a known date is older (for a scheduled CI job).
 */
import { parseArgs } from 'node:util';
import { formatPinAges, goProxyBase, pinAges } from '../src/workflow/pin-ages';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'max-age-days': { type: 'string' } }, strict: true });
  const maxAge = values['max-age-days'] === undefined ? undefined : Number(values['max-age-days']);
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge > 0)) {
    process.stderr.write('--max-age-days expects a whole number of days\n');
    return 2;
  }
  const rows = await pinAges({ now: new Date(), goProxy: goProxyBase(), githubApi: process.env.GITHUB_API_URL, githubToken: process.env.GITHUB_TOKEN });
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatPinAges(rows));
  const old = maxAge === undefined ? [] : rows.filter((row) => row.ageDays !== undefined && row.ageDays > maxAge);
  for (const row of old) process.stderr.write(`${row.name} (${row.pinned}) is ${row.ageDays} days old, more than ${maxAge}\n`);
  return old.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  },
);
