/**
 * The generated policies verify real signatures and attestations, offline: an in-memory OCI
 * registry (`crane registry serve`, loopback HTTP), images signed and attested with cosign v3,
 * and the policies evaluated by the Kyverno CLI after `withTestTrustRoots`.
 * - ImageValidatingPolicy: cosign v3 bundles signed with a test key (the IVP keyless verifier
 *   always initialises TUF, REFERENCE §7), so this checks the attestations and rule-3 CEL.
 * - ClusterPolicy: legacy `.sig`/`.att` signatures from a leaf of an openssl test CA carrying the
 *   GitHub Actions identity, so this checks issuer, subject (workflow on branch) and the
 *   trigger/repository extensions offline.
 * This is a smoke test of the policies' shape; the full matrix is the conformance harness's.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withTestTrustRoots, type TestTrustRoots } from '../../src/admission/test-overlay';
import { signingIdentity } from '../../src/contract';
import { customerFrom, renderAdmission } from '../support/admission-helper';
import { KYVERNO_CRDS_DIR } from '../support/crd-schema';
import { type KyvernoResult, kyvernoApply, pod, toolBinary } from '../support/kyverno-cli';
import { makeTempDir } from '../support/synth-helper';

const ENFORCING = '2027-01-01T00:00:00Z';
const REDIS = 'docker.io/library/redis@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c';
const dir = makeTempDir('scb-signed-');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, COSIGN_PASSWORD: '', ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

let registry: ChildProcess | undefined;
let host = '';

/**
 * Starts `crane registry serve` on a free loopback port. Its log goes to a file, not a pipe: the
 * tests block in spawnSync, and a registry writing to an undrained pipe would stall.
 */
async function startRegistry(): Promise<string> {
  const log = join(dir, 'registry.log');
  registry = spawn(toolBinary('crane'), ['registry', 'serve', '--address', '127.0.0.1:0'], { stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')] });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const match = /serving on port (\d+)/.exec(readFileSync(log, 'utf8'));
    if (match) return `127.0.0.1:${match[1]}`;
    if (registry.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`crane registry did not start: ${readFileSync(log, 'utf8')}`);
}

/** Pushes a one-layer image and returns `repo@digest`. */
function pushImage(repository: string, tag: string): string {
  writeFileSync(join(dir, 'content.txt'), `${tag}\n`);
  run('tar', ['cf', 'layer.tar', 'content.txt']);
  run(toolBinary('crane'), ['append', '-f', 'layer.tar', '-t', `${repository}:${tag}`]);
  return `${repository}@${run(toolBinary('crane'), ['digest', `${repository}:${tag}`])}`;
}

const HOUR = 3600_000;
function writePredicates(name: string, scanHoursAgo: number, report: unknown) {
  const finished = new Date(Date.now() - scanHoursAgo * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');
  writeFileSync(join(dir, 'sbom.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [] }));
  writeFileSync(
    join(dir, `${name}.vuln.json`),
    JSON.stringify({ invocation: {}, scanner: { uri: 'pkg:github/aquasecurity/trivy', version: 'dev', db: {}, result: report }, metadata: { scanStartedOn: finished, scanFinishedOn: finished } }),
  );
}
const trivy = (file: string) => JSON.parse(readFileSync(join(KYVERNO_CRDS_DIR, '..', '..', 'fixtures', 'trivy', file), 'utf8'));

/** Signs and attests (SBOM + scan) one image with the given cosign flags. */
function signAndAttest(image: string, flags: string[], scan?: string) {
  run(toolBinary('cosign'), ['sign', ...flags, image]);
  if (!scan) return;
  run(toolBinary('cosign'), ['attest', ...flags, '--type', 'cyclonedx', '--predicate', 'sbom.cdx.json', image]);
  run(toolBinary('cosign'), ['attest', ...flags, '--type', 'vuln', '--predicate', `${scan}.vuln.json`, image]);
}

function verdicts(engine: 'ImageValidatingPolicy' | 'ClusterPolicy', roots: TestTrustRoots, pods: unknown[], username?: string): KyvernoResult[] {
  const customer = customerFrom({
    name: 'shop',
    image: `${host}/example-org/shop`,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine, namespaces: ['prod'] },
    // Scan freshness is opt-in (docs/admission.md); these cases test it.
    scan: { maxAge: '168h' },
    allowlist: [{ image: REDIS, reason: 'vendor cache', owner: 'platform', lastReviewed: '2026-09-01' }],
  });
  return kyvernoApply(renderAdmission(customer, ENFORCING).policies.map((policy) => withTestTrustRoots(policy, roots)), pods, username);
}
/** Results of rules 1 to 3 for one pod (rule 1 first: its own policy on the IVP engine), as `rule: result message`. */
const outcomes = (results: KyvernoResult[], name: string) =>
  ['scb-shop-verify-signature', 'scb-shop-verify-images']
    .flatMap((policy) => results.filter((result) => result.policy === policy && result.resources.some((resource) => resource.name === name)))
    .map((result) => ({ rule: result.rule, result: result.result, message: result.message ?? '' }));

before(async () => {
  host = await startRegistry();
  writePredicates('fresh', 1, { Results: [{ Target: 'clean' }] });
  writePredicates('stale', 24 * 10, { Results: [{ Target: 'clean' }] });
  writePredicates('critical', 1, trivy('alpine-39-high-critical.json'));
});
after(() => registry?.kill());

describe('signed images, ImageValidatingPolicy engine (cosign v3 bundles, test key)', () => {
  const keyFlags = () => ['--yes', '--key', 'cosign.key', '--tlog-upload=false', '--use-signing-config=false'];
  let images: Record<string, string> = {};
  before(() => {
    run(toolBinary('cosign'), ['generate-key-pair']);
    const repository = `${host}/example-org/shop`;
    images = { good: pushImage(repository, 'good'), unsigned: pushImage(repository, 'unsigned'), stale: pushImage(repository, 'stale'), critical: pushImage(repository, 'critical') };
    signAndAttest(images.good, keyFlags(), 'fresh');
    signAndAttest(images.stale, keyFlags(), 'stale');
    signAndAttest(images.critical, keyFlags(), 'critical');
  });

  it('admits a signed image with a CycloneDX SBOM and a fresh clean scan; refuses unsigned, stale and critical ones', () => {
    const results = verdicts('ImageValidatingPolicy', { publicKeyPem: readFileSync(join(dir, 'cosign.pub'), 'utf8') }, [
      pod('good', 'prod', [images.good]),
      pod('unsigned', 'prod', [images.unsigned]),
      pod('stale', 'prod', [images.stale]),
      pod('critical', 'prod', [images.critical]),
      pod('mixed', 'prod', [REDIS, images.unsigned]),
    ]);
    // Rule 1 and rules 2-3 are two policies (a signature refusal has its own series): one result each.
    assert.deepEqual(outcomes(results, 'good').map((outcome) => outcome.result), ['pass', 'pass']);
    assert.match(outcomes(results, 'unsigned')[0].message, /^rule 1 \(signature\)/);
    assert.deepEqual(outcomes(results, 'stale').map((outcome) => outcome.result), ['pass', 'fail'], 'signed: rule 1 passes');
    assert.match(outcomes(results, 'stale')[1].message, /^rule 3 \(scan\): the vulnerability scan is older than 168h/);
    assert.match(outcomes(results, 'critical')[1].message, /^rule 3 \(vulnerabilities\): the image has a CRITICAL vulnerability/);
    // The allowlisted image does not exempt the pod: its unsigned customer image is refused.
    assert.deepEqual(outcomes(results, 'mixed').map((outcome) => [outcome.result, outcome.message.slice(0, 20)])[0], ['fail', 'rule 1 (signature): ']);
  });

  it('judges a background scan (no user) by the controlling owner: a bare pod with an old CRITICAL fails, the pod a ReplicaSet owns passes', () => {
    // Kyverno keeps the newest result per ImageValidatingPolicy and pod: a background `pass`
    // would replace the admission's `fail`, and flip-check would miss the pod.
    const owned = pod('owned', 'prod', [images.critical]) as { metadata: Record<string, unknown> };
    owned.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: '00000000-0000-0000-0000-000000000001', controller: true }];
    const results = verdicts('ImageValidatingPolicy', { publicKeyPem: readFileSync(join(dir, 'cosign.pub'), 'utf8') }, [pod('bare', 'prod', [images.critical]), owned], '');
    // One result from the signature policy (rule 1, signed: pass), one from rules 2-3.
    assert.deepEqual(outcomes(results, 'bare').map((outcome) => outcome.result), ['pass', 'fail']);
    assert.match(outcomes(results, 'bare')[1].message, /^rule 3 \(vulnerabilities\): the image has a CRITICAL vulnerability/);
    assert.deepEqual(outcomes(results, 'owned').map((outcome) => outcome.result), ['pass', 'pass']);
  });
});

describe('signed images, ClusterPolicy engine (legacy format, test CA with the GitHub identity)', () => {
  const hex = (text: string) => Buffer.from(text).toString('hex');
  /** A leaf certificate as Fulcio would issue it to a GitHub Actions run (REFERENCE §7). */
  function leaf(name: string, subject: string, trigger: string, repository: string) {
    const issuer = signingIdentity({ github: { owner: 'example-org', repository: 'shop', workflow: 'release.yml', branch: 'main' } }).issuer;
    writeFileSync(
      join(dir, `${name}.ext`),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=codeSigning',
        `subjectAltName=critical,URI:${subject}`,
        `1.3.6.1.4.1.57264.1.1=DER:${hex(issuer)}`,
        `1.3.6.1.4.1.57264.1.2=DER:${hex(trigger)}`,
        `1.3.6.1.4.1.57264.1.5=DER:${hex(repository)}`,
        `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`,
      ].join('\n') + '\n',
    );
    run('openssl', ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
  }
  const legacyFlags = (cert: string) => ['--yes', '--new-bundle-format=false', '--use-signing-config=false', '--tlog-upload=false', '--key', 'leaf-cosign.key', '--certificate', cert, '--certificate-chain', 'ca.pem'];
  const subject = 'https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main';
  let images: Record<string, string> = {};

  before(() => {
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-fulcio', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/O=sigstore.dev']);
    run(toolBinary('cosign'), ['import-key-pair', '--key', 'leaf.key', '--output-key-prefix', 'leaf-cosign']);
    leaf('main', subject, 'push', 'example-org/shop');
    leaf('other-branch', subject.replace('refs/heads/main', 'refs/heads/dev'), 'push', 'example-org/shop');
    leaf('dispatch', subject, 'workflow_dispatch', 'example-org/shop');
    const repository = `${host}/example-org/shop`;
    images = { good: pushImage(repository, 'legacy-good'), branch: pushImage(repository, 'legacy-branch'), dispatch: pushImage(repository, 'legacy-dispatch'), stale: pushImage(repository, 'legacy-stale') };
    signAndAttest(images.good, legacyFlags('main.pem'), 'fresh');
    signAndAttest(images.branch, legacyFlags('other-branch.pem'));
    signAndAttest(images.dispatch, legacyFlags('dispatch.pem'));
    signAndAttest(images.stale, legacyFlags('main.pem'), 'stale');
  });

  it('admits the workflow on its branch, pushed; refuses another branch, another trigger and a stale scan', () => {
    const results = verdicts('ClusterPolicy', { rootsPem: readFileSync(join(dir, 'ca.pem'), 'utf8') }, [
      pod('good', 'prod', [images.good]),
      pod('branch', 'prod', [images.branch]),
      pod('dispatch', 'prod', [images.dispatch]),
      pod('stale', 'prod', [images.stale]),
    ]);
    const failed = (name: string) => outcomes(results, name).filter((outcome) => outcome.result !== 'pass');
    assert.deepEqual(failed('good'), []);
    assert.ok(outcomes(results, 'good').length >= 3);
    // Kyverno reports two rows per image (the verification and an "unverified image" summary) in
    // no fixed order, so look for the verification's own reason among them.
    const reasons = (name: string) => failed(name).filter((outcome) => outcome.rule === 'verify-signature').map((outcome) => outcome.message).join('\n');
    assert.match(reasons('branch'), /subject mismatch/);
    assert.match(reasons('dispatch'), /extension mismatch: expected push/);
    assert.deepEqual([...new Set(failed('stale').map((outcome) => outcome.rule))], ['verify-vulnerability-scan-age']);
  });
});
