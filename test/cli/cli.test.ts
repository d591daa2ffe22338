import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { REPO_ROOT, makeTempDir, readTree } from '../support/synth-helper';

const SCB = join(REPO_ROOT, 'bin', 'scb.js');

function scb(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return spawnSync(process.execPath, [SCB, ...args], { cwd: options.cwd ?? REPO_ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '', FORCE_COLOR: '', ...options.env } });
}

describe('scb: help, version, exit codes', () => {
  it('given no arguments, when run, then it prints help and succeeds', () => {
    const result = scb([]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^scb: onboard customers/);
    assert.match(result.stdout, /Exit codes: 0 ok, 1 invalid input, 2 usage error, 73 the output could not be written\./);
  });

  it('given --version or -v, when run, then it prints the package version', () => {
    const version = JSON.parse(require('node:fs').readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    for (const flag of ['--version', '-v']) {
      const result = scb([flag]);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `scb ${version} (node ${process.version})\n`);
    }
  });

  it('given synth --help, when read, then the usage line names every option', () => {
    const help = scb(['synth', '--help']).stdout;
    const usage = help.slice(0, help.indexOf('\n\n'));
    for (const flag of ['--out', '--at', '--gitops-repo', '--gitops-revision', '--gitops-path', '--gitops-secret']) assert.ok(usage.includes(flag), `${flag} missing from: ${usage}`);
    assert.match(scb(['validate', '--help']).stdout, /^Usage: scb validate \[files\.\.\.\] \[--at DATE\]/);
  });

  it('given --out naming a file or an unwritable place, when synthesizing, then it explains and exits 73 without a stack trace', () => {
    const asFile = scb(['synth', '--out', 'README.md', '--at', '2026-10-01']);
    assert.equal(asFile.status, 73);
    assert.equal(asFile.stderr, 'scb synth: cannot write the bundles to README.md: it is a file, not a folder (ENOTDIR). Fix: pass --out a folder, e.g. --out dist. Nothing was written.\n');
    const below = makeTempDir();
    writeFileSync(join(below, 'file'), '');
    const underFile = scb(['synth', '--out', join(below, 'file', 'dist'), '--at', '2026-10-01']);
    assert.equal(underFile.status, 73, underFile.stderr);
    assert.match(underFile.stderr, /^scb synth: cannot write the bundles to .*file\/dist\/: a file is in the way where a folder is needed \(.*, ENOTDIR\)\. Fix: pass --out a folder you can write to/);
    assert.doesNotMatch(underFile.stderr, /\n\s+at /, 'no stack trace');
  });

  it('given a terminal, when NO_COLOR is set, then errors are plain; FORCE_COLOR colours them', () => {
    const [file] = writeStackFiles({ example: validCustomer({ github: { owner: 'o' } }) });
    assert.doesNotMatch(scb(['validate', file], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }).stderr, /\x1b\[/);
    assert.match(scb(['validate', file], { env: { FORCE_COLOR: '1' } }).stderr, /\x1b\[31merror:\x1b\[39m/);
  });

  it('given a synth, when it succeeds, then the summary ends with the next step and prints paths as typed', () => {
    const work = makeTempDir();
    mkdirSync(join(work, 'stacks'));
    // A dry run: the placeholder rescanner digest is allowed only when the customer file says so.
    writeStackFiles({ example: validCustomer({ monitoring: { allowPlaceholderImages: true } }) }, join(work, 'stacks'));
    const result = scb(['synth', '--at', '2026-10-01', '--out', 'out'], { cwd: work });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^synthesized 1 customer into out\/ at 2026-10-01T00:00:00\.000Z\n/);
    assert.match(result.stdout, /repository out\/ is committed to\n/);
    assert.match(result.stdout, /\nnext: read out\/example\/README\.md: what is enforced from when, and how to install it\n$/);
  });
});

describe('scb: bundled hot commands', () => {
  it('given the bundled and the unbundled CLI (SCB_NO_BUNDLE=1), when synthesizing the same files, then they write the same bytes and print the same summary', () => {
    assert.ok(existsSync(join(REPO_ROOT, 'lib', 'src', 'cli', 'synth-command.bundle.js')), 'the build bundles synth');
    // Bundled twice (the second run reads the V8 code cache the first may write), then unbundled.
    const runs = [{}, {}, { SCB_NO_BUNDLE: '1' }].map((env) => {
      const work = makeTempDir();
      const result = scb(['synth', '--at', '2026-10-01', '--out', join(work, 'dist')], { env });
      assert.equal(result.status, 0, result.stderr);
      return { tree: readTree(join(work, 'dist')), stdout: result.stdout.replaceAll(work, 'WORK') };
    });
    assert.ok(Object.keys(runs[0].tree).length > 0);
    assert.deepEqual(runs[0], runs[1]);
    assert.deepEqual(runs[0], runs[2]);
    if (typeof (require('node:module') as { enableCompileCache?: unknown }).enableCompileCache !== 'function') {
      // Node 20: the bundle's code cache sits beside it, named for the bundle's size and time.
      const caches = readdirSync(join(REPO_ROOT, 'lib', 'src', 'cli')).filter((entry) => /^synth-command\.bundle\.js\.\d+-\d+\.v8cache$/.test(entry));
      assert.equal(caches.length, 1, caches.join(', '));
    }
  });

  it('given a usage error raised inside a bundle, when run, then it is the CLI\'s own UsageError: exit 2 with a hint, no stack trace', () => {
    for (const command of ['synth', 'validate']) {
      const result = scb([command, '--otu', 'x']);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`^scb ${command}: unknown option --otu\\.`));
      assert.match(result.stderr, new RegExp(`Run "scb ${command} --help" for usage\\.\\n$`));
    }
  });
});

describe('scb validate: refuses what synth refuses', () => {
  it('given a customer with the placeholder rescanner digest, when validated, then it exits 1 with the same problems synth reports, and writes nothing', () => {
    const work = makeTempDir();
    mkdirSync(join(work, 'stacks'));
    writeStackFiles({ unpinned: validCustomer({ name: 'unpinned' }), dry: validCustomer({ name: 'dry', monitoring: { allowPlaceholderImages: true } }) }, join(work, 'stacks'));
    const validate = scb(['validate', '--at', '2026-10-01'], { cwd: work });
    assert.equal(validate.status, 1, validate.stdout);
    assert.equal(validate.stdout, '');
    assert.match(validate.stderr, /^error: stacks\/Pulumi\.unpinned\.yaml:3:5: monitoring\.rescannerImage: is not set, and this release's rescanner image is a placeholder digest/);
    assert.match(validate.stderr, /\n1 problem found; nothing was written\.\n$/);
    const synth = scb(['synth', '--at', '2026-10-01'], { cwd: work });
    assert.equal(synth.status, 1);
    const problems = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error: '));
    assert.deepEqual(problems(synth.stderr), problems(validate.stderr));
    assert.deepEqual(readdirSync(work).sort(), ['stacks']);
  });

  it('given SCB_GITOPS_REPO that synth would refuse, when validated, then validate refuses it too, as a usage error (exit 2)', () => {
    const env = { SCB_GITOPS_REPO: 'fleet.git' };
    const validate = scb(['validate'], { env });
    const synth = scb(['synth', '--out', join(makeTempDir(), 'dist')], { env });
    for (const [command, result] of [['validate', validate], ['synth', synth]] as const) {
      assert.equal(result.status, 2, result.stderr);
      assert.equal(
        result.stderr,
        `scb ${command}: GitOps settings: repo URL "fleet.git" is not a Git clone URL Flux accepts; write https://host/owner/repo.git or ssh://git@host/owner/repo.git\nRun "scb ${command} --help" for usage.\n`,
      );
    }
  });

  it('given the same customer pinned, when validated, then it exits 0 and synth agrees', () => {
    const work = makeTempDir();
    mkdirSync(join(work, 'stacks'));
    writeStackFiles({ pinned: validCustomer({ name: 'pinned', monitoring: { rescannerImage: `registry.example.com/mirror/rescanner@sha256:${'a'.repeat(64)}` } }) }, join(work, 'stacks'));
    const validate = scb(['validate', '--at', '2026-10-01'], { cwd: work, env: { npm_command: '' } });
    assert.equal(validate.status, 0, validate.stderr);
    assert.match(validate.stdout, /^ok  stacks\/Pulumi\.pinned\.yaml \(pinned\)\n/);
    // Run as `node bin/scb.js` (no npm around it), the next step reads as an installed scb.
    assert.match(validate.stdout, /\nnext: scb synth writes the bundle\n$/);
    assert.match(scb(['validate', '--at', '2026-10-01'], { cwd: work, env: { npm_command: 'exec' } }).stdout, /\nnext: npx scb synth writes the bundle\n$/);
    assert.equal(scb(['synth', '--at', '2026-10-01'], { cwd: work }).status, 0);
  });
});

describe('scb synth: interrupted', () => {
  it('given a synth killed by Ctrl-C, when the next synth runs, then dist/ is as before and no staging folder is left', async () => {
    const work = makeTempDir();
    const stacks = join(work, 'stacks');
    mkdirSync(stacks);
    const names = Array.from({ length: 150 }, (_, index) => `c${index}`);
    writeStackFiles(Object.fromEntries(names.map((name) => [name, validCustomer({ name, monitoring: { allowPlaceholderImages: true } })])), stacks);
    // A first complete synth, to compare with.
    assert.equal(scb(['synth', '--at', '2026-10-01'], { cwd: work }).status, 0);
    const before = readTree(join(work, 'dist'));
    const child = spawn(process.execPath, [SCB, 'synth', '--at', '2026-11-01'], { cwd: work, env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const staging = () => readdirSync(work).filter((entry) => entry.startsWith('.dist.staging-'));
    // Interrupt it once it is writing its staging folder.
    const deadline = Date.now() + 60_000;
    while (staging().length === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(staging().length > 0, 'the synth never started staging');
    child.kill('SIGINT');
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, received) => resolve(received)));
    assert.equal(signal, 'SIGINT');
    assert.deepEqual(readTree(join(work, 'dist')), before, 'an interrupted synth changes nothing in dist/');
    // The next synth removes what the interrupted one left behind.
    assert.equal(scb(['synth', 'stacks/Pulumi.c0.yaml', '--at', '2026-10-01'], { cwd: work }).status, 0);
    assert.deepEqual(staging(), []);
    assert.ok(existsSync(join(work, 'dist', 'c0', 'README.md')));
  });
});
