import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { REPO_ROOT, TEMPLATE_CLOCK, exampleStackFiles, makeTempDir, readTree, synthToTree } from '../support/synth-helper';

const SCB = join(REPO_ROOT, 'bin', 'scb.js');

function scb(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [SCB, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true', ...env } });
}

describe('synth pipeline', () => {
  it('is deterministic: the same input and clock give byte-identical output', () => {
    const first = synthToTree(exampleStackFiles());
    const second = synthToTree(exampleStackFiles());
    assert.ok(Object.keys(first).length > 0);
    assert.deepEqual(second, first);
  });

  it('writes through the CLI byte-identically on two runs with the same --at', () => {
    const [a, b] = [makeTempDir(), makeTempDir()];
    assert.equal(scb(['synth', '--out', a, '--at', '2026-10-01']).status, 0);
    assert.equal(scb(['synth', '--out', b], { SCB_AT: '2026-10-01T00:00:00Z' }).status, 0);
    assert.deepEqual(readTree(b), readTree(a));
  });

  it('puts the workflow where the customer file says and Kubernetes YAML under kubernetes/', () => {
    const tree = synthToTree(exampleStackFiles());
    assert.ok('initech/github/.github/workflows/build-and-sign.yaml' in tree);
    assert.ok('acme/github/.github/workflows/release.yml' in tree);
    assert.ok(Object.keys(tree).some((path) => path.startsWith('acme/kubernetes/')));
  });

  it('leaves the output folder untouched when any customer is invalid', () => {
    const outDir = makeTempDir();
    mkdirSync(join(outDir, 'acme'));
    writeFileSync(join(outDir, 'acme', 'previous.yaml'), 'kept: true\n');
    const before = readTree(outDir);
    const files = writeStackFiles({ good: validCustomer({ name: 'good' }), bad: validCustomer({ name: 'bad', image: 'ghcr.io/Bad/x' }) });
    const result = scb(['synth', '--out', outDir, '--at', '2026-10-01', ...files]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /image: "ghcr\.io\/Bad\/x" has upper-case letters/);
    assert.match(result.stderr, /nothing was written/);
    assert.deepEqual(readTree(outDir), before);
    assert.equal(existsSync(join(outDir, 'good')), false);
  });

  it('refuses the placeholder rescanner digest, naming file, field and fix, unless the customer pins it or opts out for a dry run', () => {
    const outDir = join(makeTempDir(), 'dist');
    const [unpinned] = writeStackFiles({ unpinned: validCustomer({ name: 'unpinned' }) });
    const refused = scb(['synth', '--out', outDir, '--at', '2026-10-01', unpinned]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /Pulumi\.unpinned\.yaml:3:5: monitoring\.rescannerImage: is not set, and this release's rescanner image is a placeholder digest/);
    assert.match(refused.stderr, /Fix: build the rescanner image from this project's Dockerfile, push it to a registry the cluster pulls from, and set monitoring\.rescannerImage to it pinned by digest/);
    assert.match(refused.stderr, /nothing was written/);
    assert.equal(existsSync(outDir), false);

    const pinnedImage = `registry.example.com/mirror/rescanner@sha256:${'a'.repeat(64)}`;
    const [pinned] = writeStackFiles({ pinned: validCustomer({ name: 'pinned', monitoring: { rescannerImage: pinnedImage } }) });
    assert.equal(scb(['synth', '--out', outDir, '--at', '2026-10-01', pinned]).status, 0);
    assert.match(readTree(outDir)['pinned/kubernetes/rescanner.yaml'] ?? '', new RegExp(`image: ${pinnedImage.replace(/[.]/g, '\\.')}`));

    const [dryRun] = writeStackFiles({ dry: validCustomer({ name: 'dry', monitoring: { allowPlaceholderImages: true } }) });
    assert.equal(scb(['synth', '--out', outDir, '--at', '2026-10-01', dryRun]).status, 0);
    assert.match(readTree(outDir)['dry/kubernetes/rescanner.yaml'] ?? '', /image-digest-placeholder: "true"/);
  });

  it('does not create the output folder when input is invalid', () => {
    const outDir = join(makeTempDir(), 'dist');
    const files = writeStackFiles({ bad: validCustomer({ enforcement: { onboardedAt: '2026-02-30' } }) });
    assert.equal(scb(['synth', '--out', outDir, ...files]).status, 1);
    assert.equal(existsSync(outDir), false);
  });

  it('replaces a customer folder wholesale, dropping files that are no longer generated', () => {
    const outDir = makeTempDir();
    mkdirSync(join(outDir, 'acme'));
    writeFileSync(join(outDir, 'acme', 'stale.yaml'), 'old: true\n');
    mkdirSync(join(outDir, 'other-customer'));
    writeFileSync(join(outDir, 'other-customer', 'kept.yaml'), 'kept: true\n');
    assert.equal(scb(['synth', '--out', outDir, '--at', '2026-10-01', join(REPO_ROOT, 'stacks', 'Pulumi.acme.yaml')]).status, 0);
    const tree = readTree(outDir);
    assert.equal('acme/stale.yaml' in tree, false);
    assert.equal(tree['other-customer/kept.yaml'], 'kept: true\n');
  });

  it('removes the bundle of a customer no longer in stacks/ on a whole-fleet synth, and nothing else', () => {
    const outDir = makeTempDir();
    mkdirSync(join(outDir, 'departed', 'kubernetes'), { recursive: true });
    writeFileSync(join(outDir, 'departed', 'kubernetes', 'kustomization.yaml'), '# Generated by supply-chain-bundle for customer "departed". Do not edit by hand.\n');
    mkdirSync(join(outDir, 'notes'));
    writeFileSync(join(outDir, 'notes', 'README.md'), '# our own notes\n');
    const subset = scb(['synth', '--out', outDir, '--at', '2026-10-01', join(REPO_ROOT, 'stacks', 'Pulumi.acme.yaml')]);
    assert.equal(subset.status, 0, subset.stderr);
    assert.equal(existsSync(join(outDir, 'departed')), true, 'a synth of some customers cannot know who departed');
    const fleet = scb(['synth', '--out', outDir, '--at', '2026-10-01']);
    assert.equal(fleet.status, 0, fleet.stderr);
    assert.match(fleet.stdout, /departed: removed \(no longer in stacks\/\)/);
    assert.equal(existsSync(join(outDir, 'departed')), false);
    assert.equal(readTree(outDir)['notes/README.md'], '# our own notes\n');
  });

  it('prints the flip date of each customer in the summary', () => {
    const result = scb(['synth', '--out', makeTempDir(), '--at', TEMPLATE_CLOCK.toISOString()]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /  acme: \d+ files\n(    .*\n)*    admission: audit now; the cluster enforces by itself from 2026-10-15T00:00:00Z \(no re-apply needed\)/);
    assert.match(result.stdout, /  globex: \d+ files\n(    .*\n)*    admission: enforce \(the cluster enforces by itself since 2026-06-03T00:00:00Z\)/);
  });
});

describe('scb command line', () => {
  it('validate exits 0 on the example customers', () => {
    const result = scb(['validate']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /ok {2}stacks\/Pulumi\.acme\.yaml \(acme\)/);
  });

  it('validate exits 1 and reports every problem with the file and field', () => {
    const files = writeStackFiles({ example: validCustomer({ github: { owner: 'o', repositry: 'x' } }) });
    const result = scb(['validate', ...files]);
    assert.equal(result.status, 1);
    // Named as typed: an absolute path outside the working folder stays absolute.
    assert.ok(result.stderr.includes(`error: ${files[0]}:`), result.stderr);
    assert.match(result.stderr, /Pulumi\.example\.yaml:\d+:\d+: github\.repository: is required but missing/);
    assert.match(result.stderr, /Pulumi\.example\.yaml:\d+:\d+: github\.repositry: unknown field; .* did you mean "repository"\?/);
    assert.match(result.stderr, /2 problems found; nothing was written\./);
  });

  it('exits 2 on an unknown command, an unknown flag or a malformed --at', () => {
    const command = scb(['sytnh']);
    assert.equal(command.status, 2);
    assert.match(command.stderr, /unknown command "sytnh"\. Did you mean "scb synth"\?/);
    const flag = scb(['synth', '--otu', 'x']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /unknown option --otu\. Did you mean --out\? Options: --out, --at, [\s\S]*Run "scb synth --help"/);
    const clock = scb(['synth', '--at', '2026-02-30']);
    assert.equal(clock.status, 2);
    assert.match(clock.stderr, /--at "2026-02-30" is not a date/);
  });

  it('prints help for the program and for each subcommand', () => {
    const help = scb(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: scb <command>/);
    for (const command of ['validate', 'synth']) {
      const sub = scb([command, '--help']);
      assert.equal(sub.status, 0);
      assert.match(sub.stdout, new RegExp(`Usage: scb ${command}`));
    }
  });
});
