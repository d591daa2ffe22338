/**
 * STAND-IN for the `trivy` client the rescanner runs (`trivy image --server URL --format json
 * ... REF`). No Trivy vulnerability database can be reached offline, so this answers with a
 * real Trivy report from shared/fixtures/trivy/, chosen by the image digest:
 *
 *   SCB_TRIVY_STANDIN_MAP=map.json trivy-standin image --server URL ... REF
 *   map.json: { "sha256:<hex>": { "fixture": "/path/report.json", "created": "<ISO time>" } }
 *
 * `created` replaces Metadata.ImageConfig.created (the build time the staleness alert reads),
 * so the suite can shift an image's age relative to now. Unknown digests exit 1 with Trivy's
 * style of error, as a failed scan would. Everything else in the report is the fixture's.
 */
import { readFileSync } from 'node:fs';

function main(argv: readonly string[]): number {
  if (argv[0] !== 'image') {
    process.stderr.write(`trivy stand-in: only "image" is supported, got ${argv[0]}\n`);
    return 2;
  }
  const ref = argv[argv.length - 1];
  if (!argv.includes('--server')) {
    process.stderr.write('trivy stand-in: the rescanner must call trivy in client/server mode (--server)\n');
    return 2;
  }
  const map = JSON.parse(readFileSync(process.env.SCB_TRIVY_STANDIN_MAP ?? '', 'utf8')) as Record<string, { fixture: string; created?: string }>;
  const digest = /sha256:[0-9a-f]{64}/.exec(ref)?.[0];
  const entry = digest ? map[digest] : undefined;
  if (!entry) {
    process.stderr.write(`FATAL Fatal error: image scan error: scan error: unable to inspect the image (${ref}): not found (trivy stand-in has no report for it)\n`);
    return 1;
  }
  const report = JSON.parse(readFileSync(entry.fixture, 'utf8'));
  report.ArtifactName = ref;
  if (entry.created) {
    report.Metadata = { ...report.Metadata, ImageConfig: { ...report.Metadata?.ImageConfig, created: entry.created } };
  }
  process.stdout.write(JSON.stringify(report));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
