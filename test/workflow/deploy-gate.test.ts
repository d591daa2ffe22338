import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployGateWorkflow } from '../../src/deploy-gate/gate-workflow';
import { verifyScript, VULN_POLICY_FILE } from '../../src/deploy-gate/verify-script';
import { vulnPolicyRego, goDurationNanoseconds } from '../../src/deploy-gate/vuln-policy';
import type { Customer } from '../../src/model/customer';
import { signingIdentity } from '../../src/contract';
import { validCustomer } from '../support/customer-files';
import { REPO_ROOT, SHARED_DIR, exampleStackFiles, makeTempDir, synthToTree } from '../support/synth-helper';
import { findTool, runTool } from '../support/workflow-tools';
import { requireTool } from '../support/tools';
import { customerFrom, workflowVariants } from '../support/workflow-customers';

const DIGEST = `sha256:${'a'.repeat(64)}`;
/** Trivy reports from Trivy's own test suite; shared/ sits beside the clone, or beside a worktree's parent. */
const TRIVY_FIXTURES = [SHARED_DIR, resolve(REPO_ROOT, '..', '..', 'shared')].map((dir) => join(dir, 'fixtures', 'trivy')).find((dir) => existsSync(dir)) ?? join(SHARED_DIR, 'fixtures', 'trivy');

/** Writes a customer's verify.sh and vuln-policy.rego into a fresh folder, as the bundle lays them out. */
function gateDir(customer: Customer): string {
  const dir = makeTempDir('scb-gate-');
  writeFileSync(join(dir, 'verify.sh'), verifyScript(customer));
  writeFileSync(join(dir, VULN_POLICY_FILE), vulnPolicyRego(customer));
  return dir;
}

/**
 * A stand-in cosign that prints a chosen version and logs its arguments. It is a fake: it checks
 * what the script asks cosign, not cryptography (the real-cosign suite below does that).
 */
function fakeCosign(version: string): { path: string; log: string } {
  const dir = makeTempDir('scb-fake-cosign-');
  const log = join(dir, 'calls.log');
  const path = join(dir, 'cosign');
  writeFileSync(
    path,
    `#!/usr/bin/env bash\nif [ "$1" = version ]; then printf 'GitVersion:    ${version}\\nGitCommit:     unknown\\n'; exit 0; fi\nprintf '%s\\n' "$*" >> '${log}'\n`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

function runGate(dir: string, ref: string, env: Record<string, string> = {}) {
  return runTool('bash', [join(dir, 'verify.sh'), ref], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}

describe('the deploy-gate script', () => {
  const variants = workflowVariants();

  it('passes shellcheck for every example customer and both signature formats', () => {
    const shellcheck = findTool('shellcheck');
    assert.ok(shellcheck, 'shellcheck is not installed; run scripts/install-test-deps.sh');
    const scripts = Object.entries(synthToTree(exampleStackFiles()))
      .filter(([path]) => path.endsWith('/deploy-gate/verify.sh'))
      .map(([path, content]) => ({ path, content }));
    scripts.push({ path: 'cluster-policy/verify.sh', content: verifyScript(variants['cluster-policy']) });
    assert.ok(scripts.length >= 4);
    for (const { path, content } of scripts) {
      assert.match(content, /^#!\/usr\/bin\/env bash\n/);
      assert.match(content, /\nset -euo pipefail\n/);
      const result = runTool(shellcheck, ['--shell=bash', '--severity=style', '-'], { input: content });
      assert.equal(result.status, 0, `${path}:\n${result.output}`);
    }
  });

  for (const ref of ['ghcr.io/example-org/shop:1.0', 'ghcr.io/example-org/shop', `ghcr.io/example-org/shop@sha256:${'a'.repeat(63)}`, `ghcr.io/example-org/shop@sha512:${'a'.repeat(64)}`]) {
    it(`refuses ${ref.length > 60 ? `${ref.slice(0, 60)}…` : ref} before calling cosign`, () => {
      const cosign = fakeCosign('v3.1.2');
      const result = runGate(gateDir(variants.ghcr), ref, { COSIGN: cosign.path });
      assert.equal(result.status, 1);
      assert.match(result.output, /refusing ".*": give the image by digest/);
      assert.throws(() => readFileSync(cosign.log), 'cosign was never asked to verify');
    });
  }

  for (const [version, accepted] of [['v3.0.5', false], ['v2.6.1', false], ['v3.0.6', true], ['v3.1.2', true], ['v10.0.0', true]] as const) {
    it(`${accepted ? 'accepts' : 'refuses'} cosign ${version} (at least 3.0.6 is required)`, () => {
      const cosign = fakeCosign(version);
      const result = runGate(gateDir(variants.ghcr), `ghcr.io/example-org/shop@${DIGEST}`, { COSIGN: cosign.path });
      if (accepted) assert.equal(result.status, 0, result.output);
      else {
        assert.equal(result.status, 1);
        assert.match(result.output, new RegExp(`cosign ${version.slice(1).replace(/\./g, '\\.')} is older than 3\\.0\\.6`));
      }
    });
  }

  it('asks cosign for exactly the admission identity and the bundle format for ImageValidatingPolicy', () => {
    const cosign = fakeCosign('v3.1.2');
    const dir = gateDir(variants.ghcr);
    const result = runGate(dir, `ghcr.io/example-org/shop@${DIGEST}`, { COSIGN: cosign.path });
    assert.equal(result.status, 0, result.output);
    const identity =
      '--certificate-identity https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main --certificate-oidc-issuer https://token.actions.githubusercontent.com' +
      ' --certificate-github-workflow-trigger push --certificate-github-workflow-repository example-org/shop';
    assert.deepEqual(readFileSync(cosign.log, 'utf8').trim().split('\n'), [
      `verify --new-bundle-format=true ${identity} ghcr.io/example-org/shop@${DIGEST}`,
      `verify-attestation --new-bundle-format=true ${identity} --type cyclonedx ghcr.io/example-org/shop@${DIGEST}`,
      `verify-attestation --new-bundle-format=true ${identity} --type vuln --policy ${dir}/vuln-policy.rego ghcr.io/example-org/shop@${DIGEST}`,
    ]);
  });

  it('asks for the legacy format for ClusterPolicy, and passes trust overrides through', () => {
    const cosign = fakeCosign('v3.1.2');
    const dir = gateDir(variants['cluster-policy']);
    const result = runGate(dir, `ghcr.io/example-org/shop@${DIGEST}`, {
      COSIGN: cosign.path,
      SCB_TRUSTED_ROOT: '/trust/root.json',
      SCB_CERTIFICATE_CHAIN: '/trust/chain.pem',
      SCB_INSECURE_IGNORE_TLOG: 'true',
      SCB_INSECURE_IGNORE_SCT: 'true',
    });
    assert.equal(result.status, 0, result.output);
    const calls = readFileSync(cosign.log, 'utf8').trim().split('\n');
    assert.equal(calls.length, 3);
    for (const call of calls) {
      assert.match(call, /^verify(-attestation)? --new-bundle-format=false --certificate-identity https:\/\/github\.com\/example-org\/shop\/\.github\/workflows\/release\.yml@refs\/heads\/main /);
      assert.match(call, / --trusted-root \/trust\/root\.json --certificate-chain \/trust\/chain\.pem --insecure-ignore-tlog=true --insecure-ignore-sct=true /);
    }
  });

  it('swaps the keyless identity for a key when SCB_COSIGN_KEY is set', () => {
    const cosign = fakeCosign('v3.1.2');
    const result = runGate(gateDir(variants.ghcr), `ghcr.io/example-org/shop@${DIGEST}`, { COSIGN: cosign.path, SCB_COSIGN_KEY: '/keys/cosign.pub' });
    assert.equal(result.status, 0, result.output);
    for (const call of readFileSync(cosign.log, 'utf8').trim().split('\n')) {
      assert.match(call, / --key \/keys\/cosign\.pub /);
      assert.doesNotMatch(call, /certificate-identity|certificate-github/);
    }
  });
});

describe('the reusable deploy-gate workflow', () => {
  it('declares the registry secret its login reads, so a caller can pass it', () => {
    const customer = customerFrom(validCustomer({ image: 'registry.example.com/team/shop', registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' } }));
    const workflow = deployGateWorkflow(customer) as { on: { workflow_call: { secrets?: Record<string, { required: boolean }> } } };
    assert.deepEqual(Object.keys(workflow.on.workflow_call.secrets ?? {}), ['REGISTRY_PASSWORD']);
    assert.equal(workflow.on.workflow_call.secrets?.REGISTRY_PASSWORD.required, true);
  });

  it('declares no secrets where the login needs none (GHCR job token)', () => {
    const workflow = deployGateWorkflow(customerFrom(validCustomer())) as { on: { workflow_call: Record<string, unknown> } };
    assert.equal('secrets' in workflow.on.workflow_call, false);
  });
});

describe('the vulnerability policy', () => {
  it('carries scan.maxAge and vulnerabilities.graceDays in nanoseconds', () => {
    const rego = vulnPolicyRego(customerFrom(validCustomer({ scan: { maxAge: '72h' }, vulnerabilities: { graceDays: 3 } })));
    assert.match(rego, /\nmax_scan_age_ns := 259200000000000\n/);
    assert.match(rego, /\ngrace_ns := 259200000000000\n/);
    assert.equal(goDurationNanoseconds('1h30m15s'), 5_415_000_000_000n);
    assert.throws(() => goDurationNanoseconds('7d'));
  });
});

/**
 * The real thing, offline: an in-memory OCI registry (crane), cosign signing with a key and no
 * transparency log, and the generated script verifying with the key override. Needs cosign and
 * crane (scripts/install-test-deps.sh installs both).
 */
describe('the deploy gate against a real registry and real cosign', () => {
  // Missing tools fail the suite with the install command: CI installs them, nothing is skipped.
  const cosign = requireTool('cosign');
  const crane = requireTool('crane');
  let registry: ChildProcess | undefined;
  let host = '';
  const work = makeTempDir('scb-gate-e2e-');
  const env = { COSIGN_PASSWORD: 'test-only', DOCKER_CONFIG: work, TUF_ROOT: join(work, 'tuf') };

  before(async () => {
    // The registry logs to a file: a pipe would fill up while spawnSync blocks the event loop.
    const logFile = join(work, 'registry.log');
    registry = spawn(crane!, ['registry', 'serve', '--address', '127.0.0.1:0'], { stdio: ['ignore', openSync(logFile, 'w'), openSync(logFile, 'a')] });
    const started = Date.now();
    for (;;) {
      const match = /serving on port (\d+)/.exec(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
      if (match) {
        host = `127.0.0.1:${match[1]}`;
        break;
      }
      if (Date.now() - started > 10_000) throw new Error(`crane registry did not start: ${readFileSync(logFile, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const keys = runTool(cosign!, ['generate-key-pair'], { cwd: work, env: { ...process.env, ...env } });
    assert.equal(keys.status, 0, keys.output);
  });

  after(() => {
    registry?.kill();
  });

  /** Pushes a fresh single-layer image and returns its digest reference. */
  function pushImage(name: string): string {
    const layer = join(work, `${name}.tar`);
    const file = join(work, name);
    writeFileSync(file, `${name} ${Math.random()}\n`);
    const tar = runTool('tar', ['-cf', layer, '-C', work, name]);
    assert.equal(tar.status, 0, tar.output);
    const push = runTool(crane!, ['append', '-f', layer, '-t', `${host}/gate/${name}:v1`], { env: { ...process.env, ...env } });
    assert.equal(push.status, 0, push.output);
    const digest = runTool(crane!, ['digest', `${host}/gate/${name}:v1`], { env: { ...process.env, ...env } });
    assert.equal(digest.status, 0, digest.output);
    return `${host}/gate/${name}@${digest.output.trim()}`;
  }

  /** A cosign-vuln predicate around a real Trivy report, finished at the given time. */
  function scanPredicate(fixture: string, finishedOn: Date, publish?: Date): string {
    const report = JSON.parse(readFileSync(join(TRIVY_FIXTURES, fixture), 'utf8'));
    if (publish) {
      for (const result of report.Results ?? []) for (const vulnerability of result.Vulnerabilities ?? []) vulnerability.PublishedDate = publish.toISOString();
    }
    const predicate = {
      invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
      scanner: { uri: 'pkg:github/aquasecurity/trivy@v0.69.3', version: '0.69.3', db: { uri: '', version: '' }, result: report },
      metadata: { scanStartedOn: finishedOn.toISOString(), scanFinishedOn: finishedOn.toISOString() },
    };
    const path = join(work, `scan-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(predicate));
    return path;
  }

  function cosignRun(args: string[]) {
    const result = runTool(cosign!, args, { cwd: work, env: { ...process.env, ...env } });
    assert.equal(result.status, 0, `cosign ${args.join(' ')}:\n${result.output}`);
  }

  /** Signs and attests like the release workflow would, in the given format, with the test key. */
  function publish(ref: string, legacy: boolean, scan: string): void {
    const format = legacy ? ['--new-bundle-format=false'] : [];
    const offline = ['--yes', '--key', 'cosign.key', '--use-signing-config=false', '--tlog-upload=false', ...format];
    cosignRun(['sign', ...offline, ref]);
    cosignRun(['attest', ...offline, '--type', 'cyclonedx', '--predicate', join(TRIVY_FIXTURES, 'npm-cyclonedx.json'), ref]);
    cosignRun(['attest', ...offline, '--type', 'vuln', '--predicate', scan, ref]);
  }

  function gate(customer: Customer, ref: string) {
    return runGate(gateDir(customer), ref, { ...env, COSIGN: cosign!, SCB_COSIGN_KEY: join(work, 'cosign.pub'), SCB_INSECURE_IGNORE_TLOG: 'true' });
  }

  const now = () => new Date();
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
  const bundleCustomer = () => workflowVariants().ghcr;
  const legacyCustomer = () => workflowVariants()['cluster-policy'];

  it('admits an image with a fresh, clean scan in the bundle format, and refuses its tag', () => {
    const ref = pushImage('clean');
    publish(ref, false, scanPredicate('distroless-base.json', now()));
    const result = gate(bundleCustomer(), ref);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /carries a valid SBOM and a fresh scan/);
    const tagged = gate(bundleCustomer(), `${ref.split('@')[0]}:v1`);
    assert.equal(tagged.status, 1);
    assert.match(tagged.output, /refusing/);
  });

  it('admits a legacy-format image through the ClusterPolicy gate, and refuses a bundle-only one there', () => {
    const legacyRef = pushImage('legacy');
    publish(legacyRef, true, scanPredicate('distroless-base.json', now()));
    assert.equal(gate(legacyCustomer(), legacyRef).status, 0);
    const bundleRef = pushImage('bundle-only');
    publish(bundleRef, false, scanPredicate('distroless-base.json', now()));
    const result = gate(legacyCustomer(), bundleRef);
    assert.notEqual(result.status, 0, `the legacy verifier (like ClusterPolicy type Cosign) does not see referrers:\n${result.output}`);
    assert.match(result.output, /no signatures found/);
  });

  it('refuses a CRITICAL finding published before the grace period, and admits one inside it', () => {
    const old = pushImage('old-critical');
    publish(old, false, scanPredicate('alpine-39-high-critical.json', now()));
    const refused = gate(bundleCustomer(), old);
    assert.notEqual(refused.status, 0, refused.output);
    assert.match(refused.output, /validation errors occurred/);
    const recent = pushImage('recent-critical');
    publish(recent, false, scanPredicate('alpine-39-high-critical.json', now(), daysAgo(2)));
    const admitted = gate(bundleCustomer(), recent);
    assert.equal(admitted.status, 0, admitted.output);
  });

  /**
   * Mints a test CA and a leaf certificate that carries a GitHub Actions identity the way Fulcio
   * writes it (SAN URI = workflow subject, issuer in extensions .1.1 and .1.8), imports the leaf
   * key for cosign and writes a trusted root naming the CA.
   */
  function mintIdentity(name: string, subject: string, repositoryId?: string): { key: string; certificate: string; chain: string; trustedRoot: string } {
    const dir = join(work, `ca-${name}`);
    mkdirSync(dir);
    const issuer = 'https://token.actions.githubusercontent.com';
    const openssl = (args: string[]) => {
      const result = runTool('openssl', args, { cwd: dir });
      assert.equal(result.status, 0, `openssl ${args.join(' ')}:\n${result.output}`);
    };
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
    openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=scb test CA', '-days', '2', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key']);
    openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'leaf.key', '-out', 'leaf.p8.key']);
    openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=github-actions', '-out', 'leaf.csr']);
    writeFileSync(
      join(dir, 'leaf.cnf'),
      [
        'basicConstraints=critical,CA:false',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=codeSigning',
        `subjectAltName=URI:${subject}`,
        `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(issuer).toString('hex')}`,
        // Trigger and repository (raw bytes, like Fulcio's): the gate demands a push in owner/repo.
        `1.3.6.1.4.1.57264.1.2=DER:${Buffer.from('push').toString('hex')}`,
        `1.3.6.1.4.1.57264.1.5=DER:${Buffer.from(new URL(subject).pathname.split('/').slice(1, 3).join('/')).toString('hex')}`,
        `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`,
        // GitHub's numeric repository ID (source repository identifier), as Fulcio writes it.
        ...(repositoryId !== undefined ? [`1.3.6.1.4.1.57264.1.15=ASN1:UTF8String:${repositoryId}`] : []),
        '',
      ].join('\n'),
    );
    openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'leaf.cnf', '-out', 'leaf.pem']);
    const imported = runTool(cosign!, ['import-key-pair', '--key', 'leaf.p8.key', '--output-key-prefix', 'leaf-cosign'], { cwd: dir, env: { ...process.env, ...env } });
    assert.equal(imported.status, 0, imported.output);
    const root = runTool(cosign!, ['trusted-root', 'create', `--fulcio=url=https://fulcio.test,certificate-chain=${join(dir, 'ca.pem')}`, '--out', join(dir, 'trusted-root.json')], { env: { ...process.env, ...env } });
    assert.equal(root.status, 0, root.output);
    return { key: join(dir, 'leaf-cosign.key'), certificate: join(dir, 'leaf.pem'), chain: join(dir, 'ca.pem'), trustedRoot: join(dir, 'trusted-root.json') };
  }

  for (const legacy of [false, true]) {
    it(`checks the keyless identity with a test CA (SCB_TRUSTED_ROOT) in the ${legacy ? 'legacy' : 'bundle'} format, refusing another workflow's certificate`, () => {
      const customer = legacy ? legacyCustomer() : bundleCustomer();
      const subject = signingIdentity(customer).subject;
      for (const [name, certificateSubject, admitted] of [
        ['right', subject, true],
        ['renamed', subject.replace('/release.yml@', '/other.yml@'), false],
      ] as const) {
        const identity = mintIdentity(`${legacy}-${name}`, certificateSubject);
        const ref = pushImage(`keyless-${legacy ? 'legacy' : 'bundle'}-${name}`);
        const signing = ['--yes', '--key', identity.key, '--certificate', identity.certificate, '--certificate-chain', identity.chain, '--use-signing-config=false', '--tlog-upload=false', ...(legacy ? ['--new-bundle-format=false'] : [])];
        cosignRun(['sign', ...signing, ref]);
        cosignRun(['attest', ...signing, '--type', 'cyclonedx', '--predicate', join(TRIVY_FIXTURES, 'npm-cyclonedx.json'), ref]);
        cosignRun(['attest', ...signing, '--type', 'vuln', '--predicate', scanPredicate('distroless-base.json', now()), ref]);
        const result = runGate(gateDir(customer), ref, {
          ...env,
          COSIGN: cosign!,
          SCB_TRUSTED_ROOT: identity.trustedRoot,
          SCB_INSECURE_IGNORE_TLOG: 'true',
          SCB_INSECURE_IGNORE_SCT: 'true',
        });
        if (admitted) assert.equal(result.status, 0, result.output);
        else {
          assert.notEqual(result.status, 0, `a certificate for ${certificateSubject} must not pass:\n${result.output}`);
          assert.match(result.output, /expected identity not found|none of the expected identities matched|no matching CertificateIdentity found/);
        }
      }
    });
  }

  for (const legacy of [false, true]) {
    it(`checks the pinned repository ID (Fulcio OID .15) in the ${legacy ? 'legacy' : 'bundle'} format: the same subject from a re-created repository is refused`, () => {
      const customer = customerFrom(validCustomer({ github: { owner: 'example-org', repository: 'shop', repositoryId: 4711 }, ...(legacy ? { admission: { engine: 'ClusterPolicy' } } : {}) }));
      const subject = signingIdentity(customer).subject;
      for (const [name, repositoryId, admitted] of [
        ['same-id', '4711', true],
        ['recreated', '4712', false],
        ['no-id', undefined, false],
      ] as const) {
        const identity = mintIdentity(`id-${legacy}-${name}`, subject, repositoryId);
        const ref = pushImage(`repository-id-${legacy ? 'legacy' : 'bundle'}-${name}`);
        const signing = ['--yes', '--key', identity.key, '--certificate', identity.certificate, '--certificate-chain', identity.chain, '--use-signing-config=false', '--tlog-upload=false', ...(legacy ? ['--new-bundle-format=false'] : [])];
        cosignRun(['sign', ...signing, ref]);
        cosignRun(['attest', ...signing, '--type', 'cyclonedx', '--predicate', join(TRIVY_FIXTURES, 'npm-cyclonedx.json'), ref]);
        cosignRun(['attest', ...signing, '--type', 'vuln', '--predicate', scanPredicate('distroless-base.json', now()), ref]);
        const result = runGate(gateDir(customer), ref, { ...env, COSIGN: cosign!, SCB_TRUSTED_ROOT: identity.trustedRoot, SCB_INSECURE_IGNORE_TLOG: 'true', SCB_INSECURE_IGNORE_SCT: 'true' });
        if (admitted) assert.equal(result.status, 0, result.output);
        else {
          assert.equal(result.status, 1, `a certificate with repository ID ${repositoryId ?? '(none)'} must not pass:\n${result.output}`);
          assert.match(result.output, /deploy-gate: refusing .*repository ID (4712|\(none\)|4711: the image was signed in another repository)/);
        }
      }
    });
  }

  it('refuses a scan older than scan.maxAge when the customer opted in to freshness, and admits it otherwise', () => {
    const ref = pushImage('stale');
    publish(ref, false, scanPredicate('distroless-base.json', daysAgo(8)));
    const result = gate(customerFrom(validCustomer({ scan: { maxAge: '168h' } })), ref);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /validation errors occurred/);
    // Freshness is opt-in (docs/admission.md): the default gate does not judge the scan's age.
    const byDefault = gate(bundleCustomer(), ref);
    assert.equal(byDefault.status, 0, byDefault.output);
  });
});
