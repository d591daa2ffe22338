import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fleetCommand } from '../../src/cli/fleet-command';
import { AutomationStackRunner, PulumiCliMissingError, commandErrorSummary, inlineProjectFile, resourceGroup } from '../../src/delivery/automation-runner';
import { runFleet, summaryTable, type FleetOperation, type StackOutcome, type StackRunner } from '../../src/delivery/fleet';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { REPO_ROOT, makeTempDir } from '../support/synth-helper';

/*
 * The orchestration is tested with a FAKE stack runner: the Pulumi CLI cannot be installed on
 * this machine (REFERENCE §6), so no real `pulumi up` can run. The missing-CLI path, which is
 * what a machine without Pulumi really does, is tested for real below.
 */

/** A fake runner: each stack takes `delays[stack]` ms, fails if listed, and records concurrency. */
function fakeRunner(options: { delays?: Record<string, number>; failing?: string[] } = {}) {
  const state = { inFlight: 0, maxInFlight: 0, workersCreated: [] as number[], disposed: 0, ran: [] as { stack: string; worker: number; operation: FleetOperation }[] };
  const runner: StackRunner = {
    createWorker(index) {
      state.workersCreated.push(index);
      return {
        async run(stack, operation, progress): Promise<StackOutcome> {
          state.inFlight++;
          state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
          state.ran.push({ stack, worker: index, operation });
          try {
            progress(`create kubernetes:helm.sh/v3:Release kyverno`);
            await new Promise((done) => setTimeout(done, options.delays?.[stack] ?? 10));
            if (options.failing?.includes(stack)) throw new Error(`${stack}: cluster unreachable\n  more detail`);
            return { changes: { create: 5, same: 1 }, resources: [{ op: 'create', type: 'kubernetes:helm.sh/v3:Release', name: 'kyverno', group: 'kyverno' }] };
          } finally {
            state.inFlight--;
          }
        },
        dispose() {
          state.disposed++;
        },
      };
    },
  };
  return { runner, state };
}

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('fleet orchestration (fake stack runner)', () => {
  it('never runs more than --concurrency stacks at once, and uses that many workers', async () => {
    const stacks = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const { runner, state } = fakeRunner({ delays: Object.fromEntries(stacks.map((stack, index) => [stack, 5 + ((index * 7) % 20)])) });
    const result = await runFleet(stacks, { operation: 'up', concurrency: 3, runner });
    assert.equal(state.maxInFlight, 3);
    assert.deepEqual(state.workersCreated.sort(), [0, 1, 2]);
    assert.equal(state.disposed, 3, 'worker folders are removed at the end');
    assert.deepEqual(result.rows.map((row) => row.stack), stacks, 'rows in stack order, whatever the finishing order');
    assert.equal(result.failed, 0);
  });

  it('does not create more workers than stacks', async () => {
    const { runner, state } = fakeRunner();
    await runFleet(['a', 'b'], { operation: 'preview', concurrency: 8, runner });
    assert.deepEqual(state.workersCreated.sort(), [0, 1]);
    assert.ok(state.ran.every((run) => run.operation === 'preview'));
  });

  it('continues past a failing customer and reports it in the summary', async () => {
    const { runner, state } = fakeRunner({ failing: ['b'] });
    const progress: string[] = [];
    const result = await runFleet(['a', 'b', 'c'], { operation: 'up', concurrency: 1, runner, onProgress: (stack, message) => progress.push(`[${stack}] ${message}`), now: (() => { let t = 0; return () => (t += 500); })() });
    assert.deepEqual(state.ran.map((run) => run.stack), ['a', 'b', 'c'], 'c still runs after b failed');
    assert.deepEqual(result.rows.map((row) => row.status), ['succeeded', 'failed', 'succeeded']);
    assert.equal(result.failed, 1);
    assert.equal(result.rows[1].note, 'b: cluster unreachable');
    assert.ok(progress.includes('[b] up FAILED: b: cluster unreachable'));
    assert.ok(progress.includes('[a] create kubernetes:helm.sh/v3:Release kyverno'));
    assert.equal(
      summaryTable(result, 'up'),
      [
        'customer  status     create  update  replace  delete  same  time  note',
        '--------  ---------  ------  ------  -------  ------  ----  ----  ----------------------',
        'a         succeeded  5       0       0        0       1     0.5s',
        'b         failed     -       -       -        -       -     0.5s  b: cluster unreachable',
        'c         succeeded  5       0       0        0       1     0.5s',
        '',
        'fleet up: 2 of 3 customers succeeded, 1 failed or skipped.',
      ].join('\n'),
    );
  });
});

describe('scb fleet command', () => {
  /** A customer that may run the placeholder rescanner digest, as the Pulumi program allows only for a dry run. */
  const dryRun = (name: string) => validCustomer({ name, monitoring: { allowPlaceholderImages: true } });

  function stacksDir(customers: Record<string, unknown>) {
    const dir = makeTempDir('scb-fleet-stacks-');
    writeStackFiles(customers, dir);
    return dir;
  }

  it('exits 1 when any customer fails, 0 when all succeed, printing the summary', async () => {
    const dir = stacksDir({ a: dryRun('a'), b: dryRun('b') });
    for (const [failing, code] of [[['b'], 1], [[], 0]] as const) {
      const [out, err] = [sink(), sink()];
      const { runner } = fakeRunner({ failing: [...failing] });
      const exit = await fleetCommand(['up', '--stacks', dir, '--concurrency', '2'], { requireCli: async () => {}, createRunner: () => runner, stdout: out.stream, stderr: err.stream, projectDir: REPO_ROOT });
      assert.equal(exit, code);
      assert.match(out.text(), /^customer +status/);
      assert.match(out.text(), code === 1 ? /fleet up: 1 of 2 customers succeeded, 1 failed or skipped\./ : /fleet up: 2 of 2 customers succeeded\./);
      assert.match(err.text(), /\[a\] up started \(worker \d\)/);
    }
  });

  it('runs only the customers named with --only, and refuses unknown names', async () => {
    const dir = stacksDir({ a: dryRun('a'), b: dryRun('b'), c: dryRun('c') });
    const { runner, state } = fakeRunner();
    const deps = { requireCli: async () => {}, createRunner: () => runner, stdout: sink().stream, stderr: sink().stream, projectDir: REPO_ROOT };
    assert.equal(await fleetCommand(['preview', '--stacks', dir, '--only', 'c,a'], deps), 0);
    assert.deepEqual(state.ran.map((run) => run.stack).sort(), ['a', 'c']);
    await assert.rejects(fleetCommand(['preview', '--stacks', dir, '--only', 'a,zed'], deps), /--only names unknown customers "zed"; the stacks in .* are a, b, c/);
    await assert.rejects(fleetCommand(['deploy', '--stacks', dir], deps), /unknown fleet operation "deploy"; expected up or preview/);
    await assert.rejects(fleetCommand(['up', '--stacks', dir, '--concurrency', '0'], deps), /--concurrency "0" is not a whole number from 1 to 32/);
  });

  it('skips a customer whose stack file is invalid, runs the others, and exits 1', async () => {
    const dir = stacksDir({ a: dryRun('a'), b: dryRun('b') });
    writeFileSync(join(dir, 'Pulumi.b.yaml'), `${readFileSync(join(dir, 'Pulumi.b.yaml'), 'utf8')}  supply-chain:delivery:\n    github:\n      mode: sideways\n`);
    const [out, err] = [sink(), sink()];
    const { runner, state } = fakeRunner();
    const exit = await fleetCommand(['up', '--stacks', dir], { requireCli: async () => {}, createRunner: () => runner, stdout: out.stream, stderr: err.stream, projectDir: REPO_ROOT });
    assert.equal(exit, 1);
    assert.deepEqual(state.ran.map((run) => run.stack), ['a']);
    assert.match(err.text(), /error: .*Pulumi\.b\.yaml:\d+:\d+: supply-chain:delivery\.github\.mode: found "sideways"; expected "direct" or "pull-request"/);
    assert.match(out.text(), /\nb +skipped .* invalid stack file \(1 problem; see above\)/);
  });

  it('skips a customer the bundle checks refuse (the placeholder rescanner digest), as the Pulumi program would refuse it', async () => {
    const dir = stacksDir({ a: dryRun('a'), b: validCustomer({ name: 'b' }) });
    const [out, err] = [sink(), sink()];
    const { runner, state } = fakeRunner();
    const exit = await fleetCommand(['up', '--stacks', dir], { requireCli: async () => {}, createRunner: () => runner, stdout: out.stream, stderr: err.stream, projectDir: REPO_ROOT });
    assert.equal(exit, 1);
    assert.deepEqual(state.ran.map((run) => run.stack), ['a']);
    assert.match(err.text(), /error: .*Pulumi\.b\.yaml:\d+:\d+: monitoring\.rescannerImage: is not set, and this release's rescanner image is a placeholder digest/);
    assert.match(out.text(), /\nb +skipped .* invalid stack file \(1 problem; see above\)/);
  });

  it('writes the rows as JSON with --json: statuses, counts, and every changed resource with its group', async () => {
    const dir = stacksDir({ a: dryRun('a'), b: dryRun('b') });
    const json = join(makeTempDir('scb-fleet-json-'), 'rows.json');
    const { runner } = fakeRunner({ failing: ['b'] });
    const exit = await fleetCommand(['up', '--stacks', dir, '--json', json], { requireCli: async () => {}, createRunner: () => runner, stdout: sink().stream, stderr: sink().stream, projectDir: REPO_ROOT });
    assert.equal(exit, 1);
    const written = JSON.parse(readFileSync(json, 'utf8')) as { operation: string; failed: number; rows: { stack: string; status: string; changes: Record<string, number>; resources?: unknown[] }[] };
    assert.equal(written.operation, 'up');
    assert.equal(written.failed, 1);
    assert.deepEqual(written.rows.map((row) => [row.stack, row.status]), [['a', 'succeeded'], ['b', 'failed']]);
    assert.deepEqual(written.rows[0].resources, [{ op: 'create', type: 'kubernetes:helm.sh/v3:Release', name: 'kyverno', group: 'kyverno' }]);
    assert.deepEqual(written.rows[0].changes, { create: 5, same: 1 });
  });

  it('says clearly how to install the Pulumi CLI when it is missing (real: no CLI on this PATH)', () => {
    // An empty PATH guarantees that no `pulumi` is found, even on a machine that has one.
    const emptyBin = makeTempDir('scb-empty-path-');
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), 'fleet', 'preview'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: emptyBin, CI: 'true' } });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /scb fleet: the Pulumi CLI is required for scb fleet, but `pulumi` was not found on PATH\. Install the Pulumi CLI .*get\.pulumi\.com/);
    assert.equal(result.stdout, '', 'nothing ran, so no summary');
  });

  it('names the missing CLI as an error type the command maps to exit 1', () => {
    assert.match(new PulumiCliMissingError('x').message, /^the Pulumi CLI is required for scb fleet, but x\. Install the Pulumi CLI/);
  });
});

describe('Automation API runner workers', () => {
  it('gives each worker its own work directory and PULUMI_HOME over the project file and the stacks folder, and removes them', () => {
    const project = makeTempDir('scb-fleet-project-');
    writeFileSync(join(project, 'Pulumi.yaml'), 'name: supply-chain\n');
    const stacks = makeTempDir('scb-fleet-stack-files-');
    const userHome = makeTempDir('scb-user-pulumi-home-');
    writeFileSync(join(userHome, 'credentials.json'), '{"current":"file:///state"}');
    const scratch = makeTempDir('scb-fleet-scratch-');
    const runner = new AutomationStackRunner({ projectDir: project, stacksDir: stacks, scratchDir: scratch, userPulumiHome: userHome });
    const workers = [runner.createWorker(0), runner.createWorker(1)];
    const roots = spawnSync('ls', [scratch], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.equal(roots.length, 2);
    const [first, second] = roots.map((root) => join(scratch, root));
    assert.notEqual(first, second);
    for (const root of [first, second]) {
      assert.equal(statSync(root).mode & 0o777, 0o700, 'worker folders are private');
      assert.equal(readFileSync(join(root, 'project', 'Pulumi.yaml'), 'utf8'), 'name: supply-chain\n');
      assert.equal(lstatSync(join(root, 'project', 'Pulumi.yaml')).isSymbolicLink(), false, 'a copy, so each workspace is distinct');
      assert.equal(readlinkSync(join(root, 'project', 'stacks')), stacks, 'the stack files are the ones given, not copies');
      assert.equal(existsSync(join(root, 'project', 'node_modules')), false, 'an inline program needs no language host, so no node_modules');
      assert.equal(statSync(join(root, 'pulumi-home', 'credentials.json')).mode & 0o777, 0o600, 'the login is carried over, privately');
    }
    for (const worker of workers) worker.dispose?.();
    assert.equal(existsSync(first) || existsSync(second), false);
  });

  it('writes the project file without main: the CLI would look for the file, an inline program has none', () => {
    const project = readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8');
    assert.match(project, /\nmain: /);
    const inline = inlineProjectFile(project);
    assert.doesNotMatch(inline, /\nmain: /);
    assert.match(inline, /^name: supply-chain$/m);
    assert.match(inline, /^stackConfigDir: stacks$/m);
  });

  it('summarises a CLI failure by its error line, not by the exit code', () => {
    // The shape of a real CommandError (Automation API), as `scb fleet` saw it with a stale project file.
    const message = "code: -2\n stdout: \n stderr: Command failed with exit code 1: pulumi preview --stack acme --non-interactive\nerror: project 'main' could not be read: stat x: no such file or directory\nPreviewing update (acme):\n";
    assert.equal(commandErrorSummary(new Error(message)), "project 'main' could not be read: stat x: no such file or directory");
    assert.equal(commandErrorSummary(new Error('something else')), undefined);
  });

  it('groups a changed resource under the ConfigGroup of its bundle file, else under its own name', () => {
    const group = 'urn:pulumi:acme::supply-chain::supply-chain:index:CustomerOnboarding$kubernetes:yaml/v2:ConfigGroup::bundle-admission-policies';
    const policy = 'urn:pulumi:acme::supply-chain::supply-chain:index:CustomerOnboarding$kubernetes:yaml/v2:ConfigGroup$kubernetes:policies.kyverno.io/v1:ValidatingPolicy::bundle-admission-policies:scb-acme-x';
    assert.equal(resourceGroup(group, undefined), 'bundle-admission-policies');
    assert.equal(resourceGroup(policy, group), 'bundle-admission-policies');
    assert.equal(resourceGroup('urn:pulumi:acme::supply-chain::kubernetes:helm.sh/v3:Release::kyverno', 'urn:pulumi:acme::supply-chain::pulumi:pulumi:Stack::supply-chain-acme'), 'kyverno');
  });
});

describe('scb fleet help', () => {
  it('is listed by scb --help and has its own --help', () => {
    const main = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), '--help'], { encoding: 'utf8' });
    assert.match(main.stdout, /\n {2}fleet {7}pulumi up\|preview every customer stack/);
    const help = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), 'fleet', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: scb fleet up\|preview \[--concurrency N\] \[--only a,b\]/);
  });
});
