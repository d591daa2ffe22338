/**
 * The scan pool against a scanner stand-in that replays real Trivy reports (no Trivy DB or
 * server is reachable on these machines).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanAll, type ScanTarget } from '../../src/rescanner/scanner';
import { digest, ReplayScanner } from './support';

const target = (ch: string): ScanTarget => ({ key: digest(ch), ref: `ghcr.io/acme/x${ch}@${digest(ch)}` });

describe('rescanner scan pool', () => {
  it('given 12 images and concurrency 3, when scanning, then never more than 3 scans run at once and all finish', async () => {
    const plan = Object.fromEntries('0123456789ab'.split('').map((c) => [digest(c), { fixture: 'alpine-310.json' }]));
    const scanner = new ReplayScanner(plan, 15);

    const outcomes = await scanAll(scanner, '0123456789ab'.split('').map(target), { concurrency: 3, retries: 0 });

    assert.equal(scanner.maxInFlight, 3);
    assert.equal(outcomes.size, 12);
    assert.ok([...outcomes.values()].every((o) => o.ok));
  });

  it('given a scan that hangs twice, when scanning with a timeout and 2 retries, then the third attempt succeeds after backoff', async () => {
    const scanner = new ReplayScanner({ [digest('1')]: { flaky: 2, hang: true, fixture: 'debian-buster.json' } });
    const sleeps: number[] = [];
    const failures: string[] = [];

    const outcomes = await scanAll(scanner, [target('1')], {
      timeoutMs: 50,
      retries: 2,
      backoffMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onAttemptFailed: (_t, attempt, error) => failures.push(`${attempt}:${error}`),
    });

    const outcome = outcomes.get(digest('1'));
    assert.equal(outcome?.ok, true);
    assert.equal(outcome?.attempts, 3);
    assert.deepEqual(sleeps, [100, 200]);
    assert.deepEqual(failures, ['1:scan timed out after 50 ms', '2:scan timed out after 50 ms']);
  });

  it('given a scanner that ignores its abort signal, when it exceeds the timeout, then the slot is released anyway', async () => {
    const stubborn = { scan: () => new Promise<never>(() => undefined) };
    const started = Date.now();
    const outcomes = await scanAll(stubborn, [target('2')], { timeoutMs: 30, retries: 0 });
    assert.equal(outcomes.get(digest('2'))?.ok, false);
    assert.ok(Date.now() - started < 2000);
  });

  it('given a scan that always fails, when retries run out, then the outcome is an error with the last message', async () => {
    const scanner = new ReplayScanner({ [digest('3')]: { fail: 'MANIFEST_UNKNOWN' } });
    const outcomes = await scanAll(scanner, [target('3')], { retries: 1, backoffMs: 0 });
    assert.deepEqual(outcomes.get(digest('3')), { ok: false, error: 'MANIFEST_UNKNOWN', attempts: 2 });
    assert.equal(scanner.calls.length, 2);
  });

  it('given a replayed CycloneDX document, when scanning, then it is an error and not an empty report', async () => {
    const scanner = new ReplayScanner({ [digest('4')]: { fixture: 'npm-cyclonedx.json' } });
    const outcomes = await scanAll(scanner, [target('4')], { retries: 0 });
    const o = outcomes.get(digest('4'));
    assert.equal(o?.ok, false);
    assert.match(o && !o.ok ? o.error : '', /not a Trivy JSON report/);
  });
});
