/**
 * `npm run pins`: each pin's upstream newest release and age. The Go module proxy and the GitHub
 * REST API are played by a loopback HTTP server serving their documented response shapes (a
 * stand-in: tests do not reach the internet); the script's real run is documented in
 * docs/release-workflow.md.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ACTION_PINS, TOOL_VERSIONS } from '../../src/workflow/pins';
import { escapeModulePath, formatPinAges, newestRelease, pinAges, TOOL_MODULES } from '../../src/workflow/pin-ages';

let server: Server;
let base = '';
const requests: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.startsWith('/goproxy/')) {
      if (url.endsWith('/@v/list')) return send(200, `${Object.values(TOOL_VERSIONS).join('\n')}\nv9.1.0\nv9.0.0\nv10.0.0-rc.1\nv0.0.0-20260101000000-abcdefabcdef\n`);
      const version = /\/@v\/(.+)\.info$/.exec(url)?.[1];
      return send(200, { Version: version, Time: version === 'v9.1.0' ? '2026-11-30T00:00:00Z' : '2026-03-01T00:00:00Z' });
    }
    if (url.startsWith('/github/repos/actions/checkout/commits/')) return send(200, { commit: { committer: { date: '2026-06-01T12:00:00Z' } } });
    if (url === '/github/repos/actions/checkout/releases/latest') return send(200, { tag_name: 'v8.0.0', published_at: '2026-11-01T00:00:00Z' });
    return send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

describe('pin ages', () => {
  it('given the proxy and the API, when every pin is asked, then each row has its upstream, dates, age and newest release', async () => {
    const rows = await pinAges({ now: new Date('2026-12-05T00:00:00Z'), goProxy: `${base}/goproxy`, githubApi: `${base}/github` });
    assert.equal(rows.length, Object.keys(ACTION_PINS).length + Object.keys(TOOL_VERSIONS).length);
    const cosign = rows.find((row) => row.name === 'cosign');
    assert.deepEqual(
      { upstream: cosign?.upstream, pinned: cosign?.pinned, latest: cosign?.latest, latestDate: cosign?.latestDate, ageDays: cosign?.ageDays },
      { upstream: 'github.com/sigstore/cosign/v3', pinned: TOOL_VERSIONS.cosign, latest: 'v9.1.0', latestDate: '2026-11-30T00:00:00Z', ageDays: 279 },
    );
    const checkout = rows.find((row) => row.name === 'checkout');
    assert.deepEqual([checkout?.latest, checkout?.ageDays], ['v8.0.0', 186]);
    // Other actions: the stand-in answers 404, and the row says so instead of guessing.
    assert.match(rows.find((row) => row.name === 'login')?.problem ?? '', /^GitHub API: HTTP 404/);
    assert.ok(requests.includes(`/goproxy/${escapeModulePath(TOOL_MODULES.trivy)}/@v/list`));
    const table = formatPinAges(rows);
    assert.match(table, /^PIN +KIND +UPSTREAM +PINNED +PINNED ON +AGE +LATEST +LATEST ON\n/);
    assert.match(table, /\ncosign +tool +github\.com\/sigstore\/cosign\/v3 +v3\.0\.6 +2026-03-01 +279 d +v9\.1\.0 \(newer\) +2026-11-30\n/);
  });

  it('given an unreachable proxy, when asked, then every tool row names the problem', async () => {
    const rows = await pinAges({ now: new Date(), goProxy: 'http://127.0.0.1:1', githubApi: 'http://127.0.0.1:1', timeoutMs: 2000 });
    assert.ok(rows.every((row) => row.problem));
  });

  it('given a version list, when the newest release is picked, then pre-releases and pseudo-versions are ignored and order is semantic', () => {
    assert.equal(newestRelease(['v1.9.0', 'v1.10.0', 'v2.0.0-rc.1', 'v0.0.0-20260101000000-abcdefabcdef', '']), 'v1.10.0');
    assert.equal(escapeModulePath('github.com/Azure/azure-sdk'), 'github.com/!azure/azure-sdk');
  });
});
