/**
 * TrivyScanner spawns a real process. No Trivy binary, server or DB is available here, so the
 * process is a shell script standing in for `trivy`: it records its argv and environment and
 * prints a real Trivy report.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrivyScanner } from '../../src/rescanner/trivy-client';
import { digest, trivyFixturesDir } from './support';

let dir: string;

function fakeTrivy(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('rescanner TrivyScanner (spawning a stand-in trivy binary)', () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'scb-trivy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('given server, token and registry credentials, when scanning, then secrets go through the environment and never argv', async () => {
    const record = path.join(dir, 'record.txt');
    const bin = fakeTrivy(
      'trivy-ok',
      `printf '%s\\n' "$@" > ${record}\n` +
        `echo "USER=$TRIVY_USERNAME PASS=$TRIVY_PASSWORD TOKEN=$TRIVY_TOKEN HEADER=$TRIVY_TOKEN_HEADER" >> ${record}\n` +
        `cat ${path.join(trivyFixturesDir(), 'debian-buster.json')}`,
    );
    const scanner = new TrivyScanner({
      server: 'http://trivy.trivy-system:4954',
      token: 'server-token-xyz',
      tokenHeader: 'X-Trivy-Token',
      binary: bin,
      timeoutSeconds: 120,
      env: { PATH: process.env.PATH, TRIVY_PASSWORD: 'inherited-must-not-leak' },
    });
    const ref = `ghcr.io/acme/web@${digest('a')}`;

    const report = await scanner.scan(ref, { registry: 'ghcr.io', username: 'bot', password: 'pw-123' }, new AbortController().signal);

    assert.equal(report.SchemaVersion, 2);
    const lines = readFileSync(record, 'utf8').trim().split('\n');
    const argv = lines.slice(0, -1);
    assert.deepEqual(argv, ['image', '--server', 'http://trivy.trivy-system:4954', '--format', 'json', '--quiet', '--scanners', 'vuln', '--timeout', '120s', ref]);
    assert.equal(lines.at(-1), 'USER=bot PASS=pw-123 TOKEN=server-token-xyz HEADER=X-Trivy-Token');
    assert.ok(!argv.join(' ').includes('pw-123') && !argv.join(' ').includes('server-token-xyz'));
  });

  it('given no credentials, when scanning, then inherited TRIVY_USERNAME/PASSWORD are removed', async () => {
    const record = path.join(dir, 'record2.txt');
    const bin = fakeTrivy('trivy-anon', `echo "USER=[$TRIVY_USERNAME] PASS=[$TRIVY_PASSWORD]" > ${record}\ncat ${path.join(trivyFixturesDir(), 'alpine-310.json')}`);
    const scanner = new TrivyScanner({ server: 'http://t:4954', binary: bin, env: { PATH: process.env.PATH, TRIVY_USERNAME: 'x', TRIVY_PASSWORD: 'y' } });
    await scanner.scan(`r@${digest('b')}`, undefined, new AbortController().signal);
    assert.equal(readFileSync(record, 'utf8').trim(), 'USER=[] PASS=[]');
  });

  it('given trivy exits non-zero, when scanning, then the scan rejects with the tail of stderr', async () => {
    const bin = fakeTrivy('trivy-fail', `echo "2026-11-25T18:00:00Z FATAL unable to initialize a scanner: MANIFEST_UNKNOWN" >&2\necho '{"SchemaVersion":2}'\nexit 1`);
    const scanner = new TrivyScanner({ server: 'http://t:4954', binary: bin });
    await assert.rejects(scanner.scan(`r@${digest('c')}`, undefined, new AbortController().signal), /trivy exited with 1: .*MANIFEST_UNKNOWN/);
  });

  it('given trivy prints something that is not a Trivy report, when scanning, then the scan rejects', async () => {
    const bin = fakeTrivy('trivy-cdx', `cat ${path.join(trivyFixturesDir(), 'npm-cyclonedx.json')}`);
    const scanner = new TrivyScanner({ server: 'http://t:4954', binary: bin });
    await assert.rejects(scanner.scan(`r@${digest('d')}`, undefined, new AbortController().signal), /not a Trivy JSON report/);
  });

  it('given a hanging trivy, when the signal aborts, then the process is killed and the scan rejects promptly', async () => {
    const bin = fakeTrivy('trivy-hang', 'exec sleep 30');
    const scanner = new TrivyScanner({ server: 'http://t:4954', binary: bin });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(scanner.scan(`r@${digest('e')}`, undefined, controller.signal), /aborted/);
    assert.ok(Date.now() - started < 5000);
  });

  it('given a missing binary, when scanning, then the scan rejects saying it cannot run trivy', async () => {
    const scanner = new TrivyScanner({ server: 'http://t:4954', binary: path.join(dir, 'no-such-trivy') });
    await assert.rejects(scanner.scan(`r@${digest('f')}`, undefined, new AbortController().signal), /cannot run .*no-such-trivy/);
  });
});
