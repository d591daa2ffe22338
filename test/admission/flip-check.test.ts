/**
 * `scb flip-check` against a local HTTPS stand-in of the Kubernetes API server: a node https
 * server with an openssl-made CA plays the two list endpoints flip-check calls, with token and
 * client-certificate authentication and `continue` paging as the API server does (the
 * end-to-end suite runs it against a real kube-apiserver). The report contents come from the real Kyverno CLI
 * (`kyverno apply --policy-report`) run on the generated policies where possible.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { type PolicyReport, type ReportResult, wouldBeRefused } from '../../src/admission/flip-check';
import { loadKubeconfig } from '../../src/kubernetes/kubeconfig';
import { customerFrom, renderAdmission } from '../support/admission-helper';
import { kyvernoApply, pod } from '../support/kyverno-cli';
import { REPO_ROOT, makeTempDir } from '../support/synth-helper';

const SCB = join(REPO_ROOT, 'bin', 'scb.js');
const TOKEN = 'flip-check-test-token';

interface Pki {
  dir: string;
  ca: string;
  otherCa: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
}

function openssl(dir: string, args: string[]) {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makePki(): Pki {
  const dir = makeTempDir('scb-pki-');
  for (const name of ['ca', 'other-ca']) {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
  }
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [['server', '/CN=127.0.0.1'], ['client', '/CN=flip-checker/O=system:masters']]) {
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return { dir, ca: read('ca.pem'), otherCa: read('other-ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientKey: read('client.key'), clientCert: read('client.pem') };
}

/** The stand-in: serves `policyreports` (paged, one item per page) and `clusterpolicyreports`. */
class FakeApiServer {
  server!: Server;
  requests: { path: string; authorization?: string; clientCert: boolean }[] = [];
  policyReports: PolicyReport[] = [];
  clusterPolicyReports: PolicyReport[] = [];
  notFound = false;
  /** Serve the reports under openreports.io only (Kyverno's `openreports.enabled`). */
  openReports = false;

  constructor(private readonly pki: Pki) {}

  async start(): Promise<string> {
    this.server = createServer({ key: this.pki.serverKey, cert: this.pki.serverCert, ca: this.pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) =>
      this.handle(req, res),
    );
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'https://x');
    const socket = req.socket as import('node:tls').TLSSocket;
    const clientCert = socket.authorized === true;
    this.requests.push({ path: url.pathname + url.search, authorization: req.headers.authorization, clientCert });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}` && !clientCert) return send(401, { kind: 'Status', message: 'Unauthorized', code: 401 });
    if (this.notFound) return send(404, { kind: 'Status', message: 'the server could not find the requested resource', code: 404 });
    const group = this.openReports ? '/apis/openreports.io/v1alpha1' : '/apis/wgpolicyk8s.io/v1alpha2';
    const [namespaced, cluster] = this.openReports ? ['reports', 'clusterreports'] : ['policyreports', 'clusterpolicyreports'];
    if (url.pathname === `${group}/${namespaced}`) {
      const index = Number(url.searchParams.get('continue') ?? '0');
      const items = this.policyReports.slice(index, index + 1);
      const next = index + 1 < this.policyReports.length ? String(index + 1) : undefined;
      return send(200, { kind: 'PolicyReportList', apiVersion: 'wgpolicyk8s.io/v1alpha2', metadata: next ? { continue: next } : {}, items });
    }
    if (url.pathname === `${group}/${cluster}`) {
      return send(200, { kind: 'ClusterPolicyReportList', apiVersion: 'wgpolicyk8s.io/v1alpha2', metadata: {}, items: this.clusterPolicyReports });
    }
    return send(404, { kind: 'Status', code: 404 });
  }

  stop() {
    this.server.close();
  }
}

function kubeconfig(dir: string, server: string, ca: string, user: Record<string, unknown>, name = 'kubeconfig.yaml'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'prod',
      clusters: [{ name: 'prod-cluster', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
      users: [{ name: 'ci', user }],
      contexts: [{ name: 'prod', context: { cluster: 'prod-cluster', user: 'ci' } }],
    }),
  );
  return file;
}

/** Runs `scb flip-check` asynchronously (the stand-in lives in this process). */
function scbAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCB, 'flip-check', ...args], { cwd: REPO_ROOT, env: { ...process.env, CI: 'true', KUBECONFIG: '', HOME: makeTempDir('scb-home-'), ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Kyverno's own results for acme's generated policies in the soft period, as namespaced PolicyReports. */
function reportsFromKyverno(): PolicyReport[] {
  const acme = customerFrom({ name: 'acme', github: { owner: 'acme-corp', repository: 'services' }, image: 'ghcr.io/acme-corp/services', admission: { namespaces: ['production-*'] } });
  const results = kyvernoApply(renderAdmission(acme, '2026-09-02T00:00:00Z').policies, [
    pod('side-door', 'production-eu', ['docker.io/library/nginx:1.27']),
    pod('elsewhere', 'staging', ['docker.io/library/nginx:1.27']),
  ]);
  const byNamespace = new Map<string, ReportResult[]>();
  for (const result of results) {
    const namespace = result.resources[0]?.namespace ?? '';
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), result]);
  }
  return [...byNamespace.entries()].map(([namespace, items]) => ({
    kind: 'PolicyReport',
    metadata: { namespace, name: `kyverno-cli-${namespace}` },
    results: items,
  }));
}

describe('scb flip-check against a local API-server stand-in', () => {
  const pki = makePki();
  const api = new FakeApiServer(pki);
  let server = '';
  let tokenConfig = '';

  before(async () => {
    server = await api.start();
    tokenConfig = kubeconfig(pki.dir, server, pki.ca, { token: TOKEN });
  });
  after(() => api.stop());

  const scopeReport = (namespace: string, kind: string, name: string, results: ReportResult[]): PolicyReport => ({
    kind: 'PolicyReport',
    metadata: { namespace, name: `${kind}-${name}` },
    scope: { kind, namespace, name },
    results,
  });

  it('lists the workloads that would be refused, across pages and report kinds, and exits 1', async () => {
    api.requests = [];
    api.policyReports = [
      ...reportsFromKyverno(),
      scopeReport('production-eu', 'Deployment', 'api', [
        { policy: 'scb-acme-verify-images', rule: 'scb-acme-verify-images', result: 'fail', message: 'rule 1 (signature): images must be signed by https://github.com/acme-corp/services/.github/workflows/release.yml@refs/heads/main' },
        { policy: 'scb-acme-allowed-images', result: 'pass', message: 'success' },
      ]),
      scopeReport('production-eu', 'Deployment', 'billing', [{ policy: 'scb-globex-verify-images', rule: 'verify-signature', result: 'fail', message: 'other customer' }]),
      scopeReport('production-us', 'CronJob', 'report', [{ policy: 'scb-acme-verify-images', result: 'pass' }]),
    ];
    api.clusterPolicyReports = [];
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+KIND\s+NAME\s+POLICY\s+RULE\s+RESULT\s+MESSAGE$/);
    assert.equal(lines.length, 3, run.stdout);
    assert.match(lines[1], /^production-eu\s+Deployment\s+api\s+scb-acme-verify-images\s+-\s+fail\s+rule 1 \(signature\)/);
    assert.match(lines[2], /^production-eu\s+Pod\s+side-door\s+scb-acme-allowed-images\s+-\s+fail\s+rule 4 \(no side door\).*docker\.io\/library\/nginx:1\.27$/);
    assert.doesNotMatch(run.stdout, /globex|staging|CronJob/);
    assert.match(run.stderr, /2 workload results would be refused after the flip/);
    const listed = api.requests.map((request) => request.path);
    assert.ok(listed.some((path) => path.startsWith('/apis/wgpolicyk8s.io/v1alpha2/policyreports?') && /[?&]continue=1(&|$)/.test(path) && /[?&]limit=250(&|$)/.test(path)), listed.join('\n'));
    assert.ok(listed.includes('/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports?limit=250'));
    assert.ok(api.requests.every((request) => request.authorization === `Bearer ${TOKEN}`));
  });

  it("counts a private image's error (Kyverno has no credentials for its registry) as refused", async () => {
    // A registry that answers 401 to everything, in its own process: kyvernoApply blocks this one.
    const registry = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('node:http').createServer((q,r)=>{r.writeHead(401,{'WWW-Authenticate':'Basic realm=\"private\"'});r.end()});" +
          "s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = await new Promise<string>((resolvePort) => registry.stdout!.once('data', (chunk: Buffer) => resolvePort(chunk.toString().trim())));
      const image = `127.0.0.1:${port}/acme/services`;
      // In its soft period (onboarded today, flip in a year): the report twin acts, and reports instead of refusing.
      const customer = customerFrom({
        name: 'acme',
        image,
        registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
        admission: { namespaces: ['production-*'] },
        enforcement: { onboardedAt: new Date().toISOString().slice(0, 10), softDays: 365 },
      });
      const results = kyvernoApply(renderAdmission(customer, new Date()).policies, [pod('private', 'production-eu', [`${image}@sha256:${'a'.repeat(64)}`])]);
      const verdict = results.find((result) => result.policy === 'scb-acme-verify-images-audit');
      assert.equal(verdict?.result, 'error', JSON.stringify(results));
      api.policyReports = [{ kind: 'PolicyReport', metadata: { namespace: 'production-eu', name: 'kyverno-cli' }, results }];
      api.clusterPolicyReports = [];
      const run = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, /production-eu\s+Pod\s+private\s+scb-acme-verify-images-audit\s+\S+\s+error\s/);
    } finally {
      registry.kill();
    }
  });

  it('reports workloads the drift policy (monitoring.requireReadOnlyRootFilesystem) would refuse after the flip', async () => {
    // The drift policy's result comes from the real Kyverno CLI run on the generated policy.
    const acme = customerFrom({
      name: 'acme',
      github: { owner: 'acme-corp', repository: 'services' },
      image: 'ghcr.io/acme-corp/services',
      admission: { namespaces: ['production-*'] },
      monitoring: { requireReadOnlyRootFilesystem: true },
    });
    const drift = renderAdmission(acme, '2026-09-02T00:00:00Z').bundle.files.get('kubernetes/drift-policies.yaml');
    assert.ok(drift, 'the bundle holds the drift policy');
    const results = kyvernoApply(parseAllDocuments(drift).map((doc) => doc.toJS()), [pod('writable', 'production-eu', ['ghcr.io/acme-corp/services@sha256:' + 'a'.repeat(64)])]);
    assert.ok(results.some((result) => result.policy === 'scb-acme-readonly-root-filesystem' && result.result === 'fail'), JSON.stringify(results));
    api.policyReports = [{ kind: 'PolicyReport', metadata: { namespace: 'production-eu', name: 'kyverno-cli' }, results }];
    api.clusterPolicyReports = [];
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /production-eu\s+Pod\s+writable\s+scb-acme-readonly-root-filesystem\s/);
  });

  it('exits 0 when every result of the customer passes', async () => {
    api.policyReports = [scopeReport('production-eu', 'Deployment', 'api', [{ policy: 'scb-acme-verify-images', result: 'pass' }])];
    api.clusterPolicyReports = [{ kind: 'ClusterPolicyReport', results: [{ policy: 'scb-acme-allowed-images', result: 'skip' }] }];
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ok: no workload would be refused by scb-acme-verify-signature, scb-acme-verify-images, scb-acme-allowed-images, scb-acme-ephemeral-containers, scb-acme-readonly-root-filesystem \(each with its -audit twin\) \(2 results checked\)/);
  });

  it('reads openreports.io Reports when wgpolicyk8s.io is not served', async () => {
    api.requests = [];
    api.openReports = true;
    api.policyReports = [scopeReport('production-eu', 'Deployment', 'api', [{ policy: 'scb-acme-verify-images', result: 'fail', message: 'rule 1' }])];
    api.clusterPolicyReports = [];
    try {
      const run = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, /production-eu\s+Deployment\s+api\s+scb-acme-verify-images/);
      assert.ok(api.requests.some((request) => request.path.startsWith('/apis/openreports.io/v1alpha1/clusterreports?')));
    } finally {
      api.openReports = false;
    }
  });

  it('exits 3 rather than 0 when the reports hold nothing for the customer (a misspelt name must not pass the gate)', async () => {
    const run = await scbAsync(['--customer', 'acme-typo', '--kubeconfig', tokenConfig]);
    assert.equal(run.status, 3);
    assert.match(run.stderr, /no PolicyReport result at all for scb-acme-typo-verify-signature, scb-acme-typo-verify-images/);
  });

  it('authenticates with a client certificate from the kubeconfig', async () => {
    api.requests = [];
    api.policyReports = [scopeReport('production-eu', 'Deployment', 'api', [{ policy: 'scb-acme-verify-images', result: 'pass' }])];
    api.clusterPolicyReports = [];
    const config = kubeconfig(pki.dir, server, pki.ca, {
      'client-certificate-data': Buffer.from(pki.clientCert).toString('base64'),
      'client-key-data': Buffer.from(pki.clientKey).toString('base64'),
    }, 'client-cert.yaml');
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(api.requests.length > 0 && api.requests.every((request) => request.clientCert && request.authorization === undefined));
  });

  it('refuses a server whose certificate the kubeconfig CA did not issue (exit 3)', async () => {
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', kubeconfig(pki.dir, server, pki.otherCa, { token: TOKEN }, 'wrong-ca.yaml')]);
    assert.equal(run.status, 3);
    assert.match(run.stderr, /cannot read the PolicyReports of https:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed|verify)/i);
  });

  it('explains a 401 and a missing CRD (exit 3)', async () => {
    const denied = await scbAsync(['--customer', 'acme', '--kubeconfig', kubeconfig(pki.dir, server, pki.ca, { token: 'wrong' }, 'bad-token.yaml')]);
    assert.equal(denied.status, 3);
    assert.match(denied.stderr, /answered 401 \(the credentials may not list policyreports/);
    api.notFound = true;
    try {
      const missing = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig]);
      assert.equal(missing.status, 3);
      assert.match(missing.stderr, /policyreports answered 404 \(the report CRDs are not installed.*; GET \/apis\/openreports\.io\/v1alpha1\/reports answered 404/);
    } finally {
      api.notFound = false;
    }
  });

  it('authenticates through an exec plugin, as EKS, GKE and AKS kubeconfigs do', async () => {
    api.requests = [];
    api.policyReports = [scopeReport('production-eu', 'Deployment', 'api', [{ policy: 'scb-acme-verify-images', result: 'pass' }])];
    api.clusterPolicyReports = [];
    // The plugin prints an ExecCredential, exactly as `aws eks get-token` does.
    const plugin = join(pki.dir, 'token-plugin.js');
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(TOKEN)} } }));\n`);
    const config = kubeconfig(pki.dir, server, pki.ca, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } }, 'exec.yaml');
    const run = await scbAsync(['--customer', 'acme', '--kubeconfig', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(api.requests.length > 0 && api.requests.every((request) => request.authorization === `Bearer ${TOKEN}`));
  });

  it('falls back to $KUBECONFIG, then to ~/.kube/config, as kubectl does', async () => {
    api.policyReports = [scopeReport('production-eu', 'Deployment', 'api', [{ policy: 'scb-acme-verify-images', result: 'pass' }])];
    api.clusterPolicyReports = [];
    assert.equal((await scbAsync(['--customer', 'acme'], { KUBECONFIG: tokenConfig })).status, 0);
    const home = makeTempDir('scb-home-');
    mkdirSync(join(home, '.kube'));
    copyFileSync(tokenConfig, join(home, '.kube', 'config'));
    const fromHome = await scbAsync(['--customer', 'acme'], { HOME: home });
    assert.equal(fromHome.status, 0, fromHome.stderr);
  });

  it('exits 2 on usage errors: no customer, no kubeconfig, an unknown context', async () => {
    assert.equal((await scbAsync(['--kubeconfig', tokenConfig])).status, 2);
    const noConfig = await scbAsync(['--customer', 'acme']);
    assert.equal(noConfig.status, 2);
    assert.match(noConfig.stderr, /no kubeconfig: pass --kubeconfig FILE, set \$KUBECONFIG, or create ~\/\.kube\/config/);
    const context = await scbAsync(['--customer', 'acme', '--kubeconfig', tokenConfig, '--context', 'staging']);
    assert.equal(context.status, 2);
    assert.match(context.stderr, /has no context "staging" \(have: prod\)/);
    assert.equal((await scbAsync(['--help'])).status, 0);
  });
});

describe('flip-check report reading', () => {
  it('takes the resource from results[].resources (older reports) or from the report scope', () => {
    const { refused, evaluated } = wouldBeRefused(
      [
        { results: [{ policy: 'scb-acme-allowed-images', rule: 'allowed-images', result: 'fail', message: 'x', resources: [{ kind: 'Pod', namespace: 'prod', name: 'a' }] }] },
        { metadata: { namespace: 'prod' }, scope: { kind: 'StatefulSet', name: 'db' }, results: [{ policy: 'scb-acme-verify-images', rule: 'autogen-verify-signature', result: 'fail', message: 'y' }] },
        { results: [{ policy: 'scb-acme-verify-images', result: 'error', message: 'registry down' }] },
      ],
      'acme',
    );
    assert.equal(evaluated, 3);
    assert.deepEqual(refused, [
      { namespace: '', kind: '?', name: '?', policy: 'scb-acme-verify-images', rule: '-', result: 'error', message: 'registry down' },
      { namespace: 'prod', kind: 'Pod', name: 'a', policy: 'scb-acme-allowed-images', rule: 'allowed-images', result: 'fail', message: 'x' },
      { namespace: 'prod', kind: 'StatefulSet', name: 'db', policy: 'scb-acme-verify-images', rule: 'autogen-verify-signature', result: 'fail', message: 'y' },
    ]);
  });

  it('resolves certificate files relative to the kubeconfig', async () => {
    const dir = makeTempDir('scb-kubeconfig-');
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    writeFileSync(
      join(dir, 'config'),
      stringify({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: 'https://10.0.0.1:6443/', 'certificate-authority': 'ca.pem', 'tls-server-name': 'kubernetes' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      }),
    );
    const access = await loadKubeconfig(join(dir, 'config'));
    assert.equal(access.server, 'https://10.0.0.1:6443');
    assert.equal(access.context, 'c');
    assert.equal(access.kubeconfig.getCurrentCluster()?.caFile, join(dir, 'ca.pem'));
  });
});
