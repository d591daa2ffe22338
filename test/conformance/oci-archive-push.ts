/**
 * The release workflow's path for registries whose login federates through OIDC (ECR, GAR, ACR),
 * run for real against the conformance registry: the build job writes the image as an OCI archive
 * (it holds no id-token, so it cannot log in to push), the signing job pushes that archive with
 * `skopeo copy --all --preserve-digests` and checks the digest the build reported is in the
 * registry. The commands are the GENERATED workflow's own (`releaseWorkflow`, step env and run
 * script, run by bash with GitHub's flags), never re-typed here.
 *
 * What cannot run here, and is said so in the rows: the cloud logins (AWS/Google/Azure OIDC
 * federation), docker/build-push-action (no Docker daemon or buildx; the archive is written by
 * `crane pull --format=oci --annotate-ref` instead, an OCI image layout with the reference
 * annotation, as buildx's `type=oci` exporter writes), syft and Trivy on the archive, and keyless
 * signing (needs GitHub's OIDC token and Fulcio).
 *
 *   node lib/test/conformance/oci-archive-push.js --registry HOST:PORT --crane PATH
 * Prints matrix rows (tab-separated: case, place, mode, trust, expected, actual, result, note).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../src/model/customer';
import { RELEASE_JOBS, releaseWorkflow } from '../../src/workflow/release-workflow';
import { workflowVariants } from '../support/workflow-customers';

interface Step {
  name: string;
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  env?: Record<string, string>;
}

const PUSH_STEP = /^Push the image archive/;

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, env: options.env ?? process.env });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

function must(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.output}`);
  return result.output;
}

/** The steps of one job of the customer's generated release workflow. */
function jobSteps(customer: Customer, job: string): Step[] {
  return [...releaseWorkflow(customer).jobs[job].steps];
}

/** The archive file the build step writes (`outputs: type=oci,dest=<file>`), read from the generated step. */
function archiveOf(buildSteps: Step[]): string {
  const build = buildSteps.find((step) => step.id === 'build');
  const match = /type=oci,dest=([^,\s]+)/.exec(String(build?.with?.outputs ?? ''));
  if (!match) throw new Error('the build step writes no OCI archive');
  return match[1];
}

/** Runs a generated `run:` step the way GitHub's runner does (`bash --noprofile --norc -eo pipefail`). */
function runStep(step: Step, env: Record<string, string>, cwd: string): { status: number; output: string } {
  return run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? 'exit 1'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env } });
}

export interface Row {
  readonly name: string;
  readonly place: string;
  readonly mode: string;
  readonly expected: string;
  readonly actual: string;
  readonly note: string;
}

/**
 * Writes a source image (one platform, or an index of two) to the registry with crane, pulls it
 * into an OCI layout like buildx's `type=oci` output, and tars it as the build job's archive.
 * Returns the digest the build step would report (the layout's top-level manifest or index).
 */
function buildArchive(crane: string, registry: string, work: string, name: string, platforms: readonly string[], archive: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const refs = platforms.map((platform, index) => {
    const file = join(dir, `layer-${index}`);
    writeFileSync(file, `scb oci-archive ${name} ${platform} ${Date.now()} ${Math.random()}\n`);
    must('tar', ['-cf', `${file}.tar`, '-C', dir, `layer-${index}`]);
    const tag = `${registry}/scb-build/${name}:${platform.replace('/', '-')}`;
    // OCI media types throughout, as buildx's oci exporter writes them (oci-mediatypes=true).
    must(crane, ['append', '--oci-empty-base', '-f', `${file}.tar`, '-t', tag]);
    must(crane, ['mutate', '--set-platform', platform, '-t', tag, tag]);
    return tag;
  });
  let source = refs[0];
  if (platforms.length > 1) {
    source = `${registry}/scb-build/${name}:index`;
    must(crane, ['index', 'append', ...refs.flatMap((ref) => ['-m', ref]), '-t', source]);
  }
  const layout = join(dir, 'layout');
  must(crane, ['pull', '--format=oci', '--annotate-ref', source, layout]);
  const indexFile = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { manifests: Array<{ digest: string; size: number }> };
  if (index.manifests.length !== 1) throw new Error(`the OCI layout of ${source} holds ${index.manifests.length} manifests, not 1`);
  if (platforms.length > 1) {
    // crane's index descriptors carry `artifactType` (image-spec 1.1), which buildx does not write
    // and which skopeo 1.9 (Debian 12) would drop, and so refuses to copy with --preserve-digests.
    // Rewrite the index as buildx writes it: the build's digest is that of the rewritten index.
    const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
    const inner = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8')) as { manifests: Array<Record<string, unknown>> };
    for (const descriptor of inner.manifests) delete descriptor.artifactType;
    const text = JSON.stringify(inner);
    const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    writeFileSync(blob(digest), text);
    index.manifests[0] = { ...index.manifests[0], digest, size: Buffer.byteLength(text) };
    writeFileSync(indexFile, JSON.stringify(index));
  }
  must('tar', ['-cf', join(dir, archive), '-C', layout, 'oci-layout', 'index.json', 'blobs']);
  return index.manifests[0].digest;
}

/** Every row for one customer (registry type) and platform set. */
function rowsFor(crane: string, registry: string, work: string, type: 'ecr' | 'gar' | 'acr', platforms: readonly string[]): Row[] {
  const variant = workflowVariants()[type];
  // The same customer with more platforms: the build writes an index into the archive.
  const customer: Customer = platforms.length > 1 ? { ...variant, release: { ...variant.release, platforms: [...platforms] } } : variant;
  const mode = platforms.length > 1 ? `${platforms.length} platforms (index)` : 'one platform';
  const place = `release job/sign (${type})`;
  const rows: Row[] = [];
  const buildSteps = jobSteps(customer, RELEASE_JOBS.build);
  const signSteps = jobSteps(customer, RELEASE_JOBS.sign);
  const archive = archiveOf(buildSteps);
  const upload = buildSteps.find((step) => /^Hand the SBOM/.test(step.name));
  const push = signSteps.find((step) => PUSH_STEP.test(step.name));
  const handed = String(upload?.with?.path ?? '').split('\n').includes(archive) && Boolean(push?.run?.includes(`oci-archive:${archive}`));
  rows.push({ name: 'oci-archive-handover', place, mode, expected: 'build writes, uploads, sign pushes the same file', actual: handed ? 'build writes, uploads, sign pushes the same file' : 'files differ', note: `${archive}: build-push-action outputs, upload-artifact path, skopeo source` });
  if (!push) return [...rows, { name: 'oci-archive-push', place, mode, expected: 'pushed, same digest', actual: 'no push step', note: 'the signing job has no archive push step' }];

  const name = `${type}-${platforms.length}`;
  const digest = buildArchive(crane, registry, work, name, platforms, archive);
  const repository = `${registry}/acme/${name}`;
  const sha = '0123456789abcdef0123456789abcdef01234567';
  // The registry is plain HTTP on loopback: skopeo learns it from the user's registries.conf
  // (skopeo 1.9 reads $HOME/.config/containers/registries.conf, not CONTAINERS_REGISTRIES_CONF),
  // not from a flag, so the generated command runs unchanged.
  const home = join(work, 'home');
  mkdirSync(join(home, '.config', 'containers'), { recursive: true });
  writeFileSync(join(home, '.config', 'containers', 'registries.conf'), `[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  const env = { ...(push.env ?? {}), IMAGE: repository, DIGEST: digest, SHA: sha, HOME: home };
  const pushed = runStep(push, env, join(work, name));
  const tagged = run(crane, ['digest', `${repository}:${sha}`]);
  const children = platforms.length > 1 ? (JSON.parse(must(crane, ['manifest', `${repository}@${digest}`])) as { manifests?: Array<{ digest: string }> }).manifests ?? [] : [];
  const missing = children.filter((child) => run(crane, ['manifest', `${repository}@${child.digest}`]).status !== 0);
  const ok = pushed.status === 0 && tagged.status === 0 && tagged.output === digest && missing.length === 0 && children.length === (platforms.length > 1 ? platforms.length : 0);
  rows.push({
    name: 'oci-archive-push',
    place,
    mode,
    expected: 'pushed, same digest',
    actual: ok ? 'pushed, same digest' : pushed.status !== 0 ? `step failed (exit ${pushed.status})` : `tag ${tagged.output.slice(0, 19)}…, ${missing.length} platform manifests missing`,
    note: ok ? `generated step: skopeo copy --all --preserve-digests oci-archive:${archive} -> :<sha>, skopeo inspect @${digest.slice(0, 19)}…` : pushed.output.split('\n').slice(-2).join(' ').slice(0, 160),
  });
  // The step must fail when the build job's digest is not what reached the registry.
  const wrong = runStep(push, { ...env, DIGEST: `sha256:${'0'.repeat(64)}` }, join(work, name));
  rows.push({
    name: 'oci-archive-wrong-digest',
    place,
    mode,
    expected: 'step fails',
    actual: wrong.status !== 0 ? 'step fails' : 'step passed',
    note: 'a digest the build job did not produce: the skopeo inspect of the step finds no such manifest',
  });
  return rows;
}

export function ociArchiveRows(crane: string, registry: string): Row[] {
  const skopeo = run('skopeo', ['--version']);
  if (skopeo.status !== 0) return [{ name: 'oci-archive-push', place: 'release job/sign', mode: '-', expected: 'pushed, same digest', actual: 'skopeo missing', note: 'install skopeo (scripts/install-test-deps.sh)' }];
  const work = mkdtempSync(join(tmpdir(), 'scb-oci-archive-'));
  try {
    const rows: Row[] = [];
    for (const type of ['ecr', 'gar', 'acr'] as const) rows.push(...rowsFor(crane, registry, work, type, ['linux/amd64']));
    rows.push(...rowsFor(crane, registry, work, 'ecr', ['linux/amd64', 'linux/arm64']));
    rows.push({
      name: 'oci-archive-not-run',
      place: 'release job (ecr, gar, acr)',
      mode: '-',
      expected: '-',
      actual: '-',
      note: 'not run here: the cloud logins (OIDC federation), build-push-action (no Docker daemon; crane wrote the archive), syft and Trivy on the archive, keyless signing',
    });
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ''), argv[i + 1]);
  const registry = args.get('registry');
  const crane = args.get('crane');
  if (!registry || !crane) throw new Error('usage: oci-archive-push --registry HOST:PORT --crane PATH');
  const version = run('skopeo', ['--version']).output.replace(/^skopeo version /, 'skopeo ');
  for (const row of ociArchiveRows(crane, registry)) {
    const result = row.name === 'oci-archive-not-run' ? 'not run' : row.expected === row.actual ? 'ok' : 'MISMATCH';
    process.stdout.write(`${[row.name, row.place, row.mode, `${version}, crane registry`, row.expected, row.actual, result, row.note].map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t')}\n`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
