/**
 * STAND-IN for Trivy, client and server. No Trivy vulnerability database can be reached
 * offline, so:
 *   - `trivy-standin server --listen 127.0.0.1:PORT` answers the server endpoints the rescanner
 *     reads besides scanning: `GET /healthz` ("ok") and `GET /version` (a DB updated 2 h ago);
 *   - `trivy-standin image --server URL ... REF` (the client the rescanner runs) checks that the
 *     server answers, then prints a real Trivy report from shared/fixtures/trivy/, chosen by the
 *     image digest:
 *
 *   SCB_TRIVY_STANDIN_MAP=map.json trivy-standin image --server URL ... REF
 *   map.json: { "sha256:<hex>": { "fixture": "/path/report.json", "created": "<ISO time>" } }
 *
 * `created` replaces Metadata.ImageConfig.created (the build time the staleness alert reads),
 * so the suite can shift an image's age relative to now. Unknown digests exit 1 with Trivy's
 * style of error, as a failed scan would. Everything else in the report is the fixture's.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

function serve(listen: string): void {
  const [host, port] = listen.split(':');
  createServer((req, res) => {
    if (req.url === '/healthz') {
      res.end('ok');
    } else if (req.url === '/version') {
      const updated = new Date(Date.now() - 2 * 3600 * 1000);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Version: '0.0.0-standin', VulnerabilityDB: { Version: 2, UpdatedAt: updated.toISOString(), NextUpdate: new Date(updated.getTime() + 24 * 3600 * 1000).toISOString() } }));
    } else {
      res.statusCode = 404;
      res.end('trivy stand-in: not served');
    }
  }).listen(Number(port), host);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'server') {
    serve(argv[argv.indexOf('--listen') + 1]);
    return new Promise<number>(() => undefined);
  }
  if (argv[0] !== 'image') {
    process.stderr.write(`trivy stand-in: only "image" is supported, got ${argv[0]}\n`);
    return 2;
  }
  const ref = argv[argv.length - 1];
  const server = argv[argv.indexOf('--server') + 1];
  if (!argv.includes('--server') || !server) {
    process.stderr.write('trivy stand-in: the rescanner must call trivy in client/server mode (--server)\n');
    return 2;
  }
  const health = await fetch(`${server}/healthz`).catch(() => undefined);
  if (!health?.ok) {
    process.stderr.write(`FATAL Fatal error: cannot reach the Trivy server ${server}\n`);
    return 1;
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

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
