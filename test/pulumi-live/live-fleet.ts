/**
 * The live Pulumi test (`npm run test:pulumi-live`, started by test/pulumi-live/run.sh): the real
 * Pulumi engine (CLI v3.248.0, Kubernetes provider v4.25.0) drives `scb fleet` against real
 * kube-apiservers, one per customer as in production, with a file state backend on disk and a
 * throwaway passphrase. Every expectation is derived from the bundle `scb synth` renders for the
 * same stack file and clock, never written down by hand; the run prints a
 * step × expected × actual matrix and exits non-zero on any mismatch.
 *
 * Not a `*.test.ts` file: it needs the control planes and tools run.sh provides, so `npm test`
 * must not pick it up.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Scalar, parseDocument, parseAllDocuments } from 'yaml';

/** What run.sh hands over. */
interface LiveEnvironment {
  readonly repoRoot: string;
  readonly work: string;
  readonly kubectl: string;
  /** One kube-apiserver per customer: customer → kubeconfig path. */
  readonly kubeconfigs: ReadonlyMap<string, string>;
  /** The staged local Kyverno chart directory. */
  readonly kyvernoChart: string;
  readonly kyvernoNamespace: string;
}

/** The two example customers the test onboards: one per admission engine. */
const CUSTOMERS = ['acme', 'globex'] as const;
/** The clock of steps 1–3: acme in its soft period, globex enforcing. */
const CLOCK_BEFORE = '2026-09-20';
/** The clock of step 4: past acme's flip date (onboarded 2026-09-15, 30 soft days). */
const CLOCK_AFTER_FLIP = '2026-10-16';
/** The allowlist entry step 3 adds to acme. */
const NEW_ALLOWLIST_ENTRY = {
  image: 'docker.io/library/redis@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c',
  reason: 'Vendor-supported cache, rebuilt by the vendor only (live test).',
  owner: 'platform@acme.example',
  lastReviewed: '2026-09-01',
};
/**
 * A date written in quotes: `pulumi config set` rewrites the stack file with a YAML library that
 * reads an unquoted 2026-09-20 as a timestamp and writes it back as "2026-09-20 00:00:00 +0000 UTC".
 */
function quoted(value: string): Scalar {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** Kinds that come and go by themselves and say nothing about what the stacks left behind. */
const VOLATILE_KINDS = new Set(['Event', 'Lease', 'Endpoints', 'EndpointSlice', 'ComponentStatus', 'TokenReview', 'SelfSubjectReview']);

interface MatrixRow {
  readonly step: string;
  readonly check: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

interface FleetJsonRow {
  readonly stack: string;
  readonly status: string;
  readonly changes: Record<string, number>;
  readonly note?: string;
  readonly resources?: readonly { op: string; type: string; name: string; group: string }[];
}

const matrix: MatrixRow[] = [];
function record(step: string, check: string, expected: string, actual: string, ok: boolean): void {
  matrix.push({ step, check, expected, actual, ok });
  process.stderr.write(`[live] ${ok ? 'ok  ' : 'FAIL'} ${step}: ${check}: expected ${expected}; actual ${actual}\n`);
}
function same(step: string, check: string, expected: string, actual: string): void {
  record(step, check, expected, actual, expected === actual);
}

function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; allowFailure?: boolean } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (!options.allowFailure && result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

class Live {
  private readonly stacksDir: string;
  private readonly synthDir: string;
  private snapshots = 0;
  constructor(private readonly env: LiveEnvironment) {
    this.stacksDir = join(env.work, 'stacks');
    this.synthDir = join(env.work, 'synth');
  }

  kubectl(customer: string, args: readonly string[], allowFailure = false) {
    return run(this.env.kubectl, ['--kubeconfig', this.env.kubeconfigs.get(customer)!, ...args], { allowFailure });
  }

  stackFile(customer: string): string {
    return join(this.stacksDir, `Pulumi.${customer}.yaml`);
  }

  /** Edits one stack file through the YAML document model, keeping its comments. */
  editStackFile(customer: string, edit: (config: import('yaml').YAMLMap) => void): void {
    const document = parseDocument(readFileSync(this.stackFile(customer), 'utf8'));
    edit(document.get('config') as import('yaml').YAMLMap);
    writeFileSync(this.stackFile(customer), document.toString());
  }

  /**
   * The scratch copies of the example stack files: the cluster half only, the Kyverno chart from
   * the staged local directory, no waiting for pods (no node runs them), the clock fixed, and the
   * example's placeholder secrets removed (the file backend's passphrase could not decrypt them;
   * the cluster half needs none of them). The kubeconfig is then set as a real secret.
   */
  prepareStacks(): void {
    mkdirSync(this.stacksDir, { recursive: true });
    for (const customer of CUSTOMERS) {
      cpSync(join(this.env.repoRoot, 'stacks', `Pulumi.${customer}.yaml`), this.stackFile(customer));
      this.editStackFile(customer, (config) => {
        for (const key of ['supply-chain:githubToken', 'supply-chain:githubApp', 'supply-chain:kubeconfig']) config.delete(key);
        config.set('supply-chain:at', quoted(CLOCK_BEFORE));
        // No node pulls an image here, so the rescanner's placeholder digest is allowed (as for a dry run).
        (config.get('supply-chain:customer') as import('yaml').YAMLMap).setIn(['monitoring', 'allowPlaceholderImages'], true);
        config.set('supply-chain:delivery', {
          deliver: 'cluster',
          kubernetes: { kyvernoNamespace: this.env.kyvernoNamespace, kyvernoChart: this.env.kyvernoChart, waitForPods: false },
        });
      });
      // `pulumi config set --secret` through the real CLI: it writes the encryption salt and the
      // ciphertext into the stack file, as a user's first `pulumi config set --secret` would.
      const project = this.adminProject();
      run('pulumi', ['stack', 'select', '--create', customer, '--non-interactive'], { cwd: project });
      const kubeconfig = readFileSync(this.env.kubeconfigs.get(customer)!, 'utf8');
      run('pulumi', ['config', 'set', '--secret', '--stack', customer, 'supply-chain:kubeconfig', '--', kubeconfig], { cwd: project });
    }
  }

  /** A project folder over the scratch stack files, for the CLI calls the test itself makes. */
  private adminProject(): string {
    const dir = join(this.env.work, 'admin');
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      cpSync(join(this.env.repoRoot, 'Pulumi.yaml'), join(dir, 'Pulumi.yaml'));
      symlinkSync(this.stacksDir, join(dir, 'stacks'));
    }
    return dir;
  }

  /** `scb synth` of one scratch stack file at the clock in it: the files the stack must apply. */
  synth(customer: string, label: string): Map<string, string> {
    const out = join(this.synthDir, label);
    rmSync(out, { recursive: true, force: true });
    const at = String(parseDocument(readFileSync(this.stackFile(customer), 'utf8')).getIn(['config', 'supply-chain:at']));
    // From the scratch folder, whose stacks/ holds the scratch files (names are unique per stacks/).
    run(process.execPath, [join(this.env.repoRoot, 'bin/scb.js'), 'synth', this.stackFile(customer), '--out', out, '--at', at], { cwd: this.env.work });
    // The cluster files are those the bundle's kustomization applies (`kubectl apply -k`).
    const dir = join(out, customer, 'kubernetes');
    const kustomization = parseDocument(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toJS() as { resources: string[] };
    return new Map([...kustomization.resources].sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
  }

  /** `scb fleet <operation>` for the two customers, as a user runs it. */
  fleet(operation: 'up' | 'preview', label: string): { status: number; stderr: string; rows: Map<string, FleetJsonRow> } {
    const json = join(this.env.work, `fleet-${label}.json`);
    rmSync(json, { force: true });
    const result = run(
      process.execPath,
      [join(this.env.repoRoot, 'bin/scb.js'), 'fleet', operation, '--stacks', this.stacksDir, '--only', CUSTOMERS.join(','), '--concurrency', '2', '--json', json],
      { cwd: this.env.repoRoot, allowFailure: true },
    );
    writeFileSync(join(this.env.work, `fleet-${label}.log`), `${result.stderr}\n${result.stdout}`);
    process.stderr.write(result.stdout);
    const rows = new Map<string, FleetJsonRow>();
    if (existsSync(json)) for (const row of (JSON.parse(readFileSync(json, 'utf8')) as { rows: FleetJsonRow[] }).rows) rows.set(row.stack, row);
    return { status: result.status, stderr: result.stderr, rows };
  }

  /** Every object the API server lists, as `Kind namespace/name`, minus the volatile kinds. */
  snapshot(customer: string): Set<string> | undefined {
    // A fresh discovery cache each time: `destroy` removes the CRDs the Kyverno release owns.
    const cache = ['--cache-dir', join(this.env.work, `kube-cache-${customer}-${++this.snapshots}`)];
    const resources = this.kubectl(customer, [...cache, 'api-resources', '--verbs=list', '-o', 'name']).stdout.split('\n').filter(Boolean);
    // While CRDs are being removed, a listed kind can vanish mid-list: the caller retries.
    const listed = this.kubectl(customer, [...cache, 'get', resources.join(','), '--all-namespaces', '-o', 'json'], true);
    if (listed.status !== 0) return undefined;
    const items = JSON.parse(listed.stdout) as {
      items: { kind: string; metadata: { name: string; namespace?: string } }[];
    };
    return new Set(items.items.filter((item) => !VOLATILE_KINDS.has(item.kind)).map((item) => `${item.kind} ${item.metadata.namespace ?? ''}/${item.metadata.name}`));
  }
}

/** Every file under a folder, concatenated (the file backend's state, history and backups). */
function readTree(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

/** The changed resources of a row by group: `bundle-x (update ValidatingPolicy, replace ConfigMap)`. */
function changeDetail(row: FleetJsonRow | undefined): string {
  const byGroup = new Map<string, string[]>();
  for (const resource of row?.resources ?? []) {
    if (['delete-replaced', 'create-replacement'].includes(resource.op)) continue; // shown as their `replace`
    byGroup.set(resource.group, [...(byGroup.get(resource.group) ?? []), `${resource.op} ${resource.type.split(':').pop()}`]);
  }
  return [...byGroup.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([group, ops]) => `${group} (${ops.join(', ')})`).join('; ') || 'none';
}

/** `group` of each changed resource, as the fleet JSON reports it; the stack itself excluded. */
function changedGroups(row: FleetJsonRow | undefined): string[] {
  return [...new Set((row?.resources ?? []).filter((resource) => resource.op !== 'same').map((resource) => resource.group))].sort();
}

function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((name) => before.get(name) !== after.get(name)).sort();
}

/** The ConfigGroup the program names after a bundle file (`admission-policies.yaml` → `bundle-admission-policies`). */
function groupOf(fileName: string): string {
  return `bundle-${fileName.replace(/\.ya?ml$/, '')}`;
}

function objectsOf(files: Map<string, string>): { kind: string; apiVersion: string; metadata: { name: string; namespace?: string } }[] {
  return [...files.values()].flatMap((text) => parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS()).filter(Boolean));
}

function totalChanges(row: FleetJsonRow | undefined): string {
  if (!row) return 'no row';
  const changed = Object.entries(row.changes).filter(([op, count]) => op !== 'same' && count > 0);
  return changed.length === 0 ? 'no changes' : changed.map(([op, count]) => `${op} ${count}`).join(', ');
}

async function main(): Promise<number> {
  const kubeconfigs = new Map<string, string>();
  for (const customer of CUSTOMERS) {
    const path = process.env[`SCB_LIVE_KUBECONFIG_${customer.toUpperCase()}`];
    if (!path) throw new Error(`SCB_LIVE_KUBECONFIG_${customer.toUpperCase()} is not set; run this through test/pulumi-live/run.sh`);
    kubeconfigs.set(customer, path);
  }
  const env: LiveEnvironment = {
    repoRoot: resolve(process.env.REPO_ROOT ?? process.cwd()),
    work: resolve(process.env.SCB_LIVE_WORK ?? '/tmp/scb-pulumi-live'),
    kubectl: process.env.KUBECTL ?? 'kubectl',
    kubeconfigs,
    kyvernoChart: resolve(process.env.SCB_LIVE_KYVERNO_CHART ?? ''),
    kyvernoNamespace: process.env.SCB_LIVE_KYVERNO_NAMESPACE ?? 'kyverno',
  };
  const live = new Live(env);
  const pulumiVersion = run('pulumi', ['version']).stdout.trim();
  process.stdout.write(
    [
      `Pulumi CLI ${pulumiVersion}, Kubernetes provider ${process.env.SCB_LIVE_PROVIDER_VERSION ?? '?'} (built from the Go module proxy).`,
      `Version skew: the program's SDK pins @pulumi/kubernetes 4.34.2, but the only provider the Go module proxy serves is v4.25.0;`,
      `the engine runs the v4.25.0 binary found on PATH and warns about the mismatch. v4.25 cannot tell whether a CRD kind is`,
      `namespaced before the CRD exists (fixed in 4.32), so run.sh installs Kyverno's CRDs first, owned by the release-to-be.`,
      '',
    ].join('\n'),
  );

  const before = new Map(CUSTOMERS.map((customer) => [customer, live.snapshot(customer) ?? new Set<string>()]));
  for (const customer of CUSTOMERS) if (before.get(customer)!.size === 0) throw new Error(`cannot list the objects of ${customer}'s API server`);
  live.prepareStacks();

  // (1) First up: everything created; the live objects are the bundle's objects.
  const bundles = new Map(CUSTOMERS.map((customer) => [customer, live.synth(customer, `${customer}-1`)]));
  const up1 = live.fleet('up', '1-up');
  same('1 up', 'scb fleet up exit code', '0', String(up1.status));
  for (const customer of CUSTOMERS) {
    const row = up1.rows.get(customer);
    same('1 up', `${customer}: status`, 'succeeded', row ? `${row.status}${row.note ? ` (${row.note})` : ''}` : 'no row');
    const objects = objectsOf(bundles.get(customer)!);
    const policies = objects.filter((object) => /kyverno\.io\//.test(object.apiVersion) && /Policy$/.test(object.kind));
    const missing = objects.filter((object) => {
      const args = ['get', `${object.kind}.${object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), object.metadata.name, '-o', 'name'];
      if (object.metadata.namespace) args.push('-n', object.metadata.namespace);
      return live.kubectl(customer, args, true).status !== 0;
    });
    same('1 up', `${customer}: bundle objects on the API server`, `${objects.length} of ${objects.length}`, `${objects.length - missing.length} of ${objects.length}${missing.length ? ` (missing ${missing.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})` : ''}`);
    same('1 up', `${customer}: admission policies`, policies.map((p) => `${p.kind}/${p.metadata.name}`).sort().join(' '), policies.filter((p) => !missing.includes(p)).map((p) => `${p.kind}/${p.metadata.name}`).sort().join(' '));
    const monitoring = objects.filter((object) => ['PrometheusRule', 'CronJob'].includes(object.kind) || (object.kind === 'ConfigMap' && /dashboard/.test(object.metadata.name)));
    same('1 up', `${customer}: monitoring (rules, rescanner, dashboards)`, `${monitoring.length} present`, `${monitoring.filter((o) => !missing.includes(o)).length} present`);
    // Inside the loopback-only network namespace the staged directory is the only chart there is.
    const staged = parseDocument(readFileSync(join(env.kyvernoChart, 'Chart.yaml'), 'utf8')).toJS() as { name: string; version: string };
    const release = helmRelease(live, customer, env.kyvernoNamespace);
    record('1 up', `${customer}: Kyverno release (local chart, no network)`, `deployed, chart ${staged.name} ${staged.version}`, release, release.startsWith(`deployed, chart ${staged.name} ${staged.version},`));
    const state = readTree(join(env.work, 'state'));
    const kubeconfig = readFileSync(kubeconfigs.get(customer)!, 'utf8');
    const secretValues = kubeconfig.match(/(client-key-data|token|client-certificate-data): *(\S+)/g)?.map((line) => line.split(/: */)[1]) ?? [];
    same('1 up', `${customer}: kubeconfig secret in state`, 'encrypted (ciphertext only)', secretValues.length === 0 ? 'no secret in the kubeconfig to look for' : secretValues.some((value) => state.includes(value)) ? 'PLAINTEXT in state' : state.includes('"ciphertext"') ? 'encrypted (ciphertext only)' : 'no ciphertext in state');
  }

  // (2) Second up: nothing to do.
  const up2 = live.fleet('up', '2-up-again');
  for (const customer of CUSTOMERS) same('2 up again', `${customer}: changes`, 'no changes', totalChanges(up2.rows.get(customer)));

  // (3) A new allowlist entry for acme: the groups of the files synth changes, nothing else.
  const acmeBefore = live.synth('acme', 'acme-3-before');
  live.editStackFile('acme', (config) => {
    const customer = config.get('supply-chain:customer') as import('yaml').YAMLMap;
    customer.set('allowlist', [NEW_ALLOWLIST_ENTRY]);
  });
  const acmeAfter = live.synth('acme', 'acme-3-after');
  const up3 = live.fleet('up', '3-allowlist');
  const expected3 = changedFiles(acmeBefore, acmeAfter).map(groupOf).join(' ') || 'none';
  record('3 allowlist entry', 'acme: resource groups updated (groups of the files synth changes)', expected3, changeDetail(up3.rows.get('acme')), expected3 === (changedGroups(up3.rows.get('acme')).join(' ') || 'none'));
  same('3 allowlist entry', 'globex: changes', 'no changes', totalChanges(up3.rows.get('globex')));

  // (4) The flip: acme's clock past its flip date. Preview shows the minimal diff, up applies it.
  live.editStackFile('acme', (config) => config.set('supply-chain:at', quoted(CLOCK_AFTER_FLIP)));
  const acmeFlipped = live.synth('acme', 'acme-4-flipped');
  const expectedFlip = changedFiles(acmeAfter, acmeFlipped).map(groupOf).join(' ') || 'none';
  const preview4 = live.fleet('preview', '4-flip-preview');
  same('4 flip', 'acme: preview shows updates to', expectedFlip, changedGroups(preview4.rows.get('acme')).join(' ') || 'none');
  const up4 = live.fleet('up', '4-flip-up');
  record('4 flip', 'acme: up updates', expectedFlip, changeDetail(up4.rows.get('acme')), expectedFlip === (changedGroups(up4.rows.get('acme')).join(' ') || 'none'));
  same('4 flip', 'globex: changes', 'no changes', totalChanges(up4.rows.get('globex')));
  const flippedPolicies = objectsOf(acmeFlipped).filter((object) => object.apiVersion.startsWith('policies.kyverno.io/') && /Policy$/.test(object.kind));
  const liveActions = flippedPolicies.map((policy) => `${policy.metadata.name}=${live.kubectl('acme', ['get', `${policy.kind}.policies.kyverno.io`, policy.metadata.name, '-o', 'jsonpath={.spec.validationActions}'], true).stdout}`);
  const wantActions = flippedPolicies.map((policy) => `${policy.metadata.name}=${JSON.stringify((policy as { spec?: { validationActions?: unknown } }).spec?.validationActions)}`);
  same('4 flip', 'acme: live validationActions', wantActions.join(' '), liveActions.join(' '));

  // (5) A broken stack file: that stack fails with the model's error, the other one still runs.
  const globexText = readFileSync(live.stackFile('globex'), 'utf8');
  live.editStackFile('globex', (config) => (config.get('supply-chain:customer') as import('yaml').YAMLMap).set('image', 'ghcr.io/globex/Billing-Platform'));
  const modelError = run(process.execPath, [join(env.repoRoot, 'bin/scb.js'), 'validate', live.stackFile('globex')], { cwd: env.work, allowFailure: true });
  // The model's message after the file name (validate prints the path relative to its folder).
  const modelLine = modelError.stderr.split('\n').find((line) => line.includes('Pulumi.globex.yaml:')) ?? '';
  const modelMessage = modelLine.slice(modelLine.indexOf('Pulumi.globex.yaml:')).trim() || '(scb validate printed no error)';
  const preview5 = live.fleet('preview', '5-broken');
  same('5 broken stack file', 'scb fleet preview exit code', '1', String(preview5.status));
  same('5 broken stack file', 'globex: status', 'failed or skipped', ['failed', 'skipped'].includes(preview5.rows.get('globex')?.status ?? '') ? 'failed or skipped' : (preview5.rows.get('globex')?.status ?? 'no row'));
  const reported = preview5.stderr.split('\n').find((line) => line.includes(modelMessage));
  record('5 broken stack file', "globex: the model's error is reported", modelMessage, reported ? reported.slice(reported.indexOf('Pulumi.globex.yaml:')).trim() : `not in the output (${preview5.stderr.split('\n').filter((l) => l.includes('globex')).slice(0, 2).join(' | ')})`, reported !== undefined && modelError.status === 1);
  same('5 broken stack file', 'acme: status', 'succeeded, no changes', `${preview5.rows.get('acme')?.status ?? 'no row'}, ${totalChanges(preview5.rows.get('acme'))}`);
  writeFileSync(live.stackFile('globex'), globexText);

  // (6) Destroy: nothing is left behind but the namespaces the program retains by design.
  const destroy = run(process.execPath, [join(env.repoRoot, 'lib/test/pulumi-live/destroy-stacks.js'), env.work, ...CUSTOMERS], { cwd: env.repoRoot, allowFailure: true });
  writeFileSync(join(env.work, 'fleet-6-destroy.log'), `${destroy.stderr}\n${destroy.stdout}`);
  same('6 destroy', 'destroy exit code', '0', String(destroy.status));
  for (const customer of CUSTOMERS) {
    // The namespaces the program creates: the bundle's, those its objects live in, Kyverno's.
    const bundleObjects = objectsOf(bundles.get(customer)!);
    const retained = new Set([env.kyvernoNamespace, ...bundleObjects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name), ...bundleObjects.map((object) => object.metadata.namespace).filter((name): name is string => Boolean(name))]);
    let left: string[] = [];
    // Garbage collection (ReplicaSets, pods of removed Deployments) takes a moment.
    for (let attempt = 0; attempt < 30; attempt++) {
      const after = live.snapshot(customer);
      if (after === undefined) {
        await new Promise((done) => setTimeout(done, 2000));
        continue;
      }
      left = [...after].filter((object) => !before.get(customer)!.has(object)).sort();
      if (left.every((object) => object.startsWith('Namespace '))) break;
      await new Promise((done) => setTimeout(done, 2000));
    }
    const leftNamespaces = left.filter((object) => object.startsWith('Namespace ')).map((object) => object.replace('Namespace /', ''));
    // What may stay, by design: in a retained namespace, what the control plane puts in every
    // namespace; and objects the chart marks helm.sh/resource-policy: keep (Kyverno's ConfigMap).
    const explained: string[] = [];
    const unexplained: string[] = [];
    for (const object of left.filter((entry) => !entry.startsWith('Namespace '))) {
      const [kind, path] = object.split(' ');
      const [namespace, name] = path.split('/');
      const inRetained = leftNamespaces.includes(namespace);
      const automatic = inRetained && ((kind === 'ConfigMap' && name === 'kube-root-ca.crt') || (kind === 'ServiceAccount' && name === 'default'));
      const kept = live.kubectl(customer, ['get', kind, name, '-n', namespace, '-o', "jsonpath={.metadata.annotations['helm\\.sh/resource-policy']}"], true).stdout === 'keep';
      (automatic || kept ? explained : unexplained).push(`${object}${kept ? ' (chart: resource-policy keep)' : automatic ? ' (created by the control plane)' : ''}`);
    }
    same('6 destroy', `${customer}: objects left behind`, 'none', unexplained.join(', ') || 'none');
    record('6 destroy', `${customer}: objects kept by design`, 'only chart "keep" objects and namespace defaults', explained.join(', ') || 'none', true);
    record('6 destroy', `${customer}: namespaces retained (retainOnDelete, by design)`, 'only namespaces the stack created', leftNamespaces.join(' ') || 'none', leftNamespaces.every((name) => retained.has(name)));
  }

  printMatrix();
  return matrix.every((row) => row.ok) ? 0 : 1;
}

/** Status and chart of the Helm release, read from Helm's own release Secret. */
function helmRelease(live: Live, customer: string, namespace: string): string {
  const secrets = live.kubectl(customer, ['get', 'secrets', '-n', namespace, '-l', 'owner=helm,name=kyverno', '-o', 'json'], true);
  if (secrets.status !== 0) return `no release (${secrets.stderr.trim()})`;
  const items = (JSON.parse(secrets.stdout) as { items: { data: { release: string } }[] }).items;
  if (items.length === 0) return 'no release';
  const latest = items
    .map((item) => JSON.parse(gunzipSync(Buffer.from(Buffer.from(item.data.release, 'base64').toString('utf8'), 'base64')).toString('utf8')) as {
      version: number;
      info: { status: string };
      chart: { metadata: { name: string; version: string; dependencies?: { name: string }[] } };
    })
    .sort((a, b) => b.version - a.version)[0];
  return `${latest.info.status}, chart ${latest.chart.metadata.name} ${latest.chart.metadata.version}, enabled subcharts ${(latest.chart.metadata.dependencies ?? []).map((d) => d.name).join(' ') || 'none'}`;
}

function printMatrix(): void {
  const header = ['step', 'check', 'expected', 'actual', 'result'];
  const rows = matrix.map((row) => [row.step, row.check, row.expected, row.actual, row.ok ? 'ok' : 'MISMATCH']);
  const widths = header.map((title, column) => Math.min(60, Math.max(title.length, ...rows.map((cells) => cells[column].length))));
  const format = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join(' | ');
  process.stdout.write(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('-+-')}\n${rows.map(format).join('\n')}\n`);
  const failed = matrix.filter((row) => !row.ok).length;
  process.stdout.write(`\npulumi-live: ${matrix.length - failed} of ${matrix.length} checks as expected${failed ? `, ${failed} MISMATCH` : ''}.\n`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`pulumi-live: ${error instanceof Error ? error.stack : String(error)}\n`);
    printMatrix();
    process.exit(1);
  },
);
