import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KYVERNO_CHART, POLICY_EXCEPTION_NAMESPACE, kyvernoHelmValues } from '../../src/admission/kyverno-values';
import { loadCustomers } from '../../src/model/load';
import { APPLY_PHASES, type ClusterArtifact, type RepositoryArtifact } from '../../src/manifest';
import { filesTag } from '../../src/pulumi/github-delivery';
import { CUSTOMER_ONBOARDING_TYPE } from '../../src/pulumi/onboard';
import { onboardCustomer } from '../../src/pulumi/onboard';
import { readStackInputs } from '../../src/pulumi/stack-config';
import { configureMocks, resolve, runWithMocks, stackConfig, type RegisteredResource } from '../support/pulumi-mocks';
import { REPO_ROOT, STACKS_DIR, TEMPLATES_DIR, TEMPLATE_CLOCK, exampleStackFiles, readTree } from '../support/synth-helper';
import { BUNDLE_FEATURES } from '../../src/features';
import { renderManifest } from '../../src/manifest';

/*
 * The Pulumi program under pulumi.runtime.setMocks: no Pulumi CLI, engine or cluster can run
 * here (REFERENCE §6), so these tests check what the program asks the engine for. The template
 * clock is passed as supply-chain:at, so what Pulumi applies can be compared with templates/.
 */

const TOKEN = 'ghp_TEST0nly0000000000000000000000000000';
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: kube-TEST-secret-token}}]\n';
const APP = JSON.stringify({ id: '123', installationId: '456', pemFile: '-----BEGIN RSA PRIVATE KEY-----\nTEST-app-key\n-----END RSA PRIVATE KEY-----' });
const SECRETS: Record<string, Record<string, string>> = {
  acme: { 'supply-chain:githubToken': TOKEN },
  globex: { 'supply-chain:githubToken': TOKEN, 'supply-chain:kubeconfig': KUBECONFIG },
  initech: { 'supply-chain:githubApp': APP },
};
const SECRET_VALUES = [TOKEN, 'kube-TEST-secret-token', 'TEST-app-key'];

const K = {
  provider: 'pulumi:providers:kubernetes',
  namespace: 'kubernetes:core/v1:Namespace',
  release: 'kubernetes:helm.sh/v3:Release',
  configGroup: 'kubernetes:yaml/v2:ConfigGroup',
};
const G = {
  provider: 'pulumi:providers:github',
  file: 'github:index/repositoryFile:RepositoryFile',
  branch: 'github:index/branch:Branch',
  pullRequest: 'github:index/repositoryPullRequest:RepositoryPullRequest',
  ruleset: 'github:index/repositoryRuleset:RepositoryRuleset',
  variable: 'github:index/actionsVariable:ActionsVariable',
  environment: 'github:index/repositoryEnvironment:RepositoryEnvironment',
};

/** Given a stack's committed config plus test secrets, when the program runs, then this is what it registered. */
async function runStack(stack: string, overrides: Record<string, unknown> = {}, secrets = SECRETS[stack]) {
  const config = { ...stackConfig(stack, { 'supply-chain:at': '2026-10-01', ...overrides }), ...secrets };
  return runWithMocks(stack, config, Object.keys(secrets), () => onboardCustomer(readStackInputs(stack, REPO_ROOT)));
}

function only(resources: RegisteredResource[], type: string, name?: string): RegisteredResource {
  const matches = resources.filter((resource) => resource.type === type && (name === undefined || resource.name === name));
  assert.equal(matches.length, 1, `expected exactly one ${type}${name ? ` named ${name}` : ''}, found ${matches.length}`);
  return matches[0];
}

interface TemplateObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

/** The customer's `kubernetes/*.yaml` in templates/, parsed as kubectl reads them. */
function templateFiles(customer: string): { name: string; objects: TemplateObject[] }[] {
  const dir = join(TEMPLATES_DIR, customer, 'kubernetes');
  return readdirSync(dir)
    .filter((name) => name !== 'kustomization.yaml') // the Kustomize index, not a cluster object
    .sort()
    .map((name) => ({ name, objects: parseAllDocuments(readFileSync(join(dir, name), 'utf8'), { version: '1.1' }).map((document) => document.toJS() as TemplateObject) }));
}

/** uids of the dashboards in the customer's templates, read straight from the ConfigMap JSON. */
function templateDashboardUids(customer: string): string[] {
  return templateFiles(customer)
    .flatMap((file) => file.objects)
    .filter((object) => object.kind === 'ConfigMap' && (object.metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard === '1')
    .flatMap((object) => Object.values(object.data as Record<string, string>).map((json) => JSON.parse(json).uid as string))
    .sort();
}

const customers = loadCustomers(exampleStackFiles(), REPO_ROOT);

/** The customer's manifest at the template clock, as synth renders it. */
function manifestOf(name: string) {
  return renderManifest(customers.find((customer) => customer.name === name)!, TEMPLATE_CLOCK, BUNDLE_FEATURES);
}
function repositoryArtifacts(name: string): RepositoryArtifact[] {
  return manifestOf(name).artifacts.filter((artifact): artifact is RepositoryArtifact => artifact.destination === 'customer-repository');
}
function clusterArtifacts(name: string): ClusterArtifact[] {
  return manifestOf(name).artifacts.filter((artifact): artifact is ClusterArtifact => artifact.destination === 'cluster');
}

/** globex's customer description as committed, for tests that vary one field. */
function globexDescription(): Record<string, unknown> {
  return JSON.parse(stackConfig('globex')['supply-chain:customer']);
}

for (const customer of customers) {
  describe(`pulumi program for stack ${customer.name}`, () => {
    it('builds the cluster in order: namespaces, Kyverno, then the cluster artifacts phase by phase, all through the stack\'s own provider', async () => {
      const { resources } = await runStack(customer.name);
      const provider = only(resources, K.provider, 'cluster');
      const kubernetes = resources.filter((resource) => resource.type.startsWith('kubernetes:'));
      for (const resource of kubernetes) assert.equal(resource.provider, provider.urn, `${resource.type} ${resource.name} uses the cluster provider`);

      const namespaces = resources.filter((resource) => resource.type === K.namespace);
      const objects = templateFiles(customer.name).flatMap((file) => file.objects);
      const expectedNamespaces = new Set(['kyverno', POLICY_EXCEPTION_NAMESPACE]);
      for (const object of objects) {
        if (object.kind === 'Namespace') expectedNamespaces.add(object.metadata.name);
        if (object.metadata.namespace) expectedNamespaces.add(object.metadata.namespace);
      }
      assert.deepEqual(namespaces.map((namespace) => namespace.inputs.metadata.name).sort(), [...expectedNamespaces].sort());
      const kyverno = only(resources, K.release, 'kyverno');
      for (const namespace of namespaces) assert.ok(kyverno.dependencies.includes(namespace.urn), `Kyverno waits for namespace ${namespace.name}`);

      const groups = resources.filter((resource) => resource.type === K.configGroup);
      const phaseOf = new Map(clusterArtifacts(customer.name).map((artifact) => [`bundle-${artifact.path.replace(/^kubernetes\/|\.yaml$/g, '')}`, artifact.phase]));
      const admission = groups.filter((group) => phaseOf.get(group.name) === 'admission');
      assert.ok(admission.some((group) => group.name === 'bundle-admission-policies'));
      for (const group of groups) {
        const phase = phaseOf.get(group.name);
        assert.ok(phase, `${group.name} is a cluster artifact of the manifest`);
        if (phase !== 'foundation') assert.ok(group.dependencies.includes(kyverno.urn), `${group.name} waits for Kyverno's CRDs and webhook`);
        assert.ok(namespaces.every((namespace) => group.dependencies.includes(namespace.urn)), `${group.name} waits for the namespaces`);
        for (const earlier of groups.filter((other) => APPLY_PHASES.indexOf(phaseOf.get(other.name)!) < APPLY_PHASES.indexOf(phase!))) {
          assert.ok(group.dependencies.includes(earlier.urn), `${group.name} (${phase}) waits for ${earlier.name} (${phaseOf.get(earlier.name)})`);
        }
      }
      assert.ok(groups.some((group) => phaseOf.get(group.name) === 'workloads'), 'the monitoring files arrive through the manifest too');
    });

    it('installs the pinned Kyverno chart with the HA, exceptions and metrics values', async () => {
      const { resources } = await runStack(customer.name);
      const kyverno = only(resources, K.release, 'kyverno');
      assert.equal(kyverno.inputs.chart, 'kyverno');
      assert.equal(kyverno.inputs.version, '3.9.0');
      assert.equal(kyverno.inputs.repositoryOpts.repo, KYVERNO_CHART.repository);
      assert.equal(kyverno.inputs.namespace, 'kyverno');
      assert.equal(kyverno.inputs.atomic, true);
      assert.equal(kyverno.inputs.skipAwait, false, 'Helm must wait until Kyverno is ready');
      const values: any = kyverno.inputs.values;
      assert.equal(values.admissionController.replicas, 3);
      assert.deepEqual(values.features.policyExceptions, { enabled: true, namespace: POLICY_EXCEPTION_NAMESPACE });
      assert.deepEqual(values.admissionController.serviceMonitor, { enabled: true, additionalLabels: { release: customer.monitoring.prometheusReleaseLabel } });
      assert.deepEqual(values, kyvernoHelmValues(customer));
    });

    it('applies exactly the objects `scb synth` writes, one group per file (compared with templates/)', async () => {
      const { resources } = await runStack(customer.name);
      const groups = new Map(resources.filter((resource) => resource.type === K.configGroup).map((group) => [group.name, group.inputs.objs]));
      const expected = new Map<string, unknown[]>();
      for (const file of templateFiles(customer.name)) {
        const objects = file.objects.filter((object) => object.kind !== 'Namespace');
        if (objects.length > 0) expected.set(`bundle-${file.name.replace(/\.yaml$/, '')}`, objects);
      }
      assert.deepEqual([...groups.keys()].sort(), [...expected.keys()].sort());
      for (const [name, objects] of expected) assert.deepEqual(groups.get(name), objects, name);
      // Namespace objects of the bundle are created in step 1, exactly as synthesized.
      for (const object of templateFiles(customer.name).flatMap((file) => file.objects).filter((object) => object.kind === 'Namespace')) {
        assert.deepEqual(only(resources, K.namespace, `namespace-${object.metadata.name}`).inputs.metadata, object.metadata);
      }
    });

    it('commits the synthesized workflow byte for byte, through the customer\'s GitHub provider', async () => {
      const { resources } = await runStack(customer.name);
      const github = only(resources, G.provider, 'github');
      assert.equal(github.inputs.owner, customer.github.owner);
      const file = only(resources, G.file, 'release-workflow');
      const expected = readFileSync(join(TEMPLATES_DIR, customer.name, 'github', '.github', 'workflows', customer.github.workflow), 'utf8');
      assert.equal(file.inputs.content, expected);
      assert.equal(file.inputs.file, `.github/workflows/${customer.github.workflow}`);
      assert.equal(file.inputs.repository, customer.github.repository);
      for (const resource of resources.filter((resource) => resource.type.startsWith('github:'))) assert.equal(resource.provider, github.urn);
    });

    it('delivers every customer-repository artifact of the manifest, the deploy gate included, byte for byte as templates/ holds it', async () => {
      const { resources } = await runStack(customer.name);
      const wanted = repositoryArtifacts(customer.name);
      assert.ok(wanted.some((artifact) => artifact.repositoryPath === '.github/workflows/deploy-gate.yml'), 'the deploy gate is a customer-repository artifact');
      const files = resources.filter((resource) => resource.type === G.file);
      assert.deepEqual(files.map((file) => file.inputs.file).sort(), wanted.map((artifact) => artifact.repositoryPath).sort());
      for (const artifact of wanted) {
        const file = only(resources, G.file, artifact.id);
        assert.equal(file.inputs.file, artifact.repositoryPath);
        assert.equal(file.inputs.content, readFileSync(join(TEMPLATES_DIR, customer.name, artifact.path), 'utf8'), artifact.path);
      }
    });

    it('is one CustomerOnboarding component whose children alias their old top-level URNs', async () => {
      const { resources } = await runStack(customer.name);
      const component = only(resources, CUSTOMER_ONBOARDING_TYPE, customer.name);
      assert.equal(component.custom, false);
      // The identity check's provider is read before the component exists (delivery must stop
      // before any of the customer's resources); it is new, so it has no old URN to alias.
      const identityCheck = (resource: RegisteredResource) => resource.type === G.provider && resource.name === 'github-identity-check';
      for (const resource of resources.filter((resource) => resource !== component && resource.type !== 'pulumi:pulumi:Stack' && !identityCheck(resource))) {
        assert.match(resource.urn, new RegExp(`::${CUSTOMER_ONBOARDING_TYPE.replace(/[$]/g, '\\$&')}\\$`), `${resource.type} ${resource.name} is a child of the component`);
        // `{ parent: pulumi.rootStackResource }` is sent as "no parent": the URN the resource had at the top of the stack.
        assert.ok(resource.aliases.some((alias) => alias.spec?.noparent === true), `${resource.type} ${resource.name} carries an alias to its old top-level URN`);
      }
    });

    it('keeps every secret secret: sent to providers as secrets, never in outputs or synthesized files', async () => {
      const { resources, outputs } = await runStack(customer.name);
      const github = only(resources, G.provider, 'github');
      assert.deepEqual(github.secretInputs, customer.name === 'initech' ? ['appAuth'] : ['token']);
      const cluster = only(resources, K.provider, 'cluster');
      assert.deepEqual(cluster.secretInputs, customer.name === 'globex' ? ['kubeconfig'] : []);
      const plainOutputs = JSON.stringify(await resolve(outputs as any));
      // Synth never reads secret config: the committed (fake) ciphertext does not reach the bundle either.
      const templates = Object.values(readTree(TEMPLATES_DIR)).join('\n');
      assert.ok(!templates.includes('RkFLRS1'), 'no stack-file ciphertext in synthesized files');
      for (const secret of SECRET_VALUES) {
        assert.ok(!plainOutputs.includes(secret), `outputs must not contain ${secret}`);
        assert.ok(!templates.includes(secret));
      }
      const nonProviders = resources.filter((resource) => !resource.type.startsWith('pulumi:providers:'));
      for (const secret of SECRET_VALUES) assert.ok(!JSON.stringify(nonProviders.map((resource) => resource.inputs)).includes(secret), `no resource input carries ${secret}`);
    });
  });
}

describe('pulumi program: delivery modes', () => {
  it('acme (direct mode) commits to the release branch and opens no pull request', async () => {
    const { resources, outputs } = await runStack('acme');
    for (const file of resources.filter((resource) => resource.type === G.file)) assert.equal(file.inputs.branch, 'main');
    assert.equal(resources.filter((resource) => resource.type === G.pullRequest || resource.type === G.branch).length, 0);
    assert.equal(outputs.workflowUrl, 'https://github.com/acme-corp/services/blob/main/.github/workflows/release.yml');
  });

  it('globex (protected main) pushes to a branch and opens a pull request instead', async () => {
    const { resources, outputs } = await runStack('globex');
    const expectedBranch = `supply-chain-bundle/globex-${filesTag(repositoryArtifacts('globex'))}`;
    assert.match(expectedBranch, /^supply-chain-bundle\/globex-[0-9a-f]{8}$/);
    const branch = only(resources, G.branch);
    assert.deepEqual([branch.inputs.branch, branch.inputs.sourceBranch], [expectedBranch, 'main']);
    const files = resources.filter((resource) => resource.type === G.file);
    assert.equal(files.length, repositoryArtifacts('globex').length);
    for (const file of files) {
      assert.equal(file.inputs.branch, expectedBranch, 'never a direct commit to main');
      assert.ok(file.dependencies.includes(branch.urn));
    }
    const pullRequest = only(resources, G.pullRequest);
    assert.equal(pullRequest.inputs.baseRef, 'main');
    assert.equal(pullRequest.inputs.headRef, expectedBranch);
    assert.equal(pullRequest.inputs.baseRepository, 'billing-platform');
    for (const each of files) assert.ok(pullRequest.dependencies.includes(each.urn), 'the pull request is opened after the commits');
    assert.match(pullRequest.inputs.body, /signed as `https:\/\/github\.com\/globex\/billing-platform\/\.github\/workflows\/release\.yml@refs\/heads\/main`/);
    assert.equal(await resolve(outputs.pullRequestUrl as any), 'https://github.com/globex/billing-platform/pull/42');
    assert.equal(outputs.workflowUrl, `https://github.com/globex/billing-platform/blob/${expectedBranch}/.github/workflows/release.yml`);
  });

  it('a changed workflow goes to a new branch and pull request', async () => {
    const first = only((await runStack('globex')).resources, G.branch).inputs.branch;
    const renamed = await runStack('globex', { 'supply-chain:customer': { ...globexDescription(), github: { owner: 'globex', repository: 'billing-platform', workflow: 'ship.yml' } } });
    const second = only(renamed.resources, G.branch).inputs.branch;
    assert.notEqual(second, first);
    assert.equal(only(renamed.resources, G.pullRequest).inputs.headRef, second);
  });

  it('globex protects main with a ruleset (no deletion, no force push, two approvals)', async () => {
    const { resources } = await runStack('globex');
    const ruleset = only(resources, G.ruleset);
    assert.deepEqual(ruleset.inputs.conditions.refName, { includes: ['refs/heads/main'], excludes: [] });
    assert.equal(ruleset.inputs.enforcement, 'active');
    assert.equal(ruleset.inputs.rules.deletion, true);
    assert.equal(ruleset.inputs.rules.nonFastForward, true);
    assert.equal(ruleset.inputs.rules.pullRequest.requiredApprovingReviewCount, 2);
  });

  it('globex targets its kube context from config', async () => {
    const { resources } = await runStack('globex');
    assert.equal(only(resources, K.provider).inputs.context, 'globex-prod');
  });

  it('initech gets its release environment; Actions variables come from config', async () => {
    const { resources } = await runStack('initech', { 'supply-chain:delivery': { github: { environment: { name: 'release', reviewerTeamIds: [4242] }, variables: { REGISTRY_MIRROR: 'mirror.example' } } } });
    const environment = only(resources, G.environment);
    assert.equal(environment.inputs.environment, 'release');
    assert.deepEqual(environment.inputs.reviewers, [{ teams: [4242], users: [] }]);
    const variable = only(resources, G.variable, 'variable-REGISTRY_MIRROR');
    assert.deepEqual([variable.inputs.variableName, variable.inputs.value, variable.inputs.repository], ['REGISTRY_MIRROR', 'mirror.example', 'tps-reports']);
    assert.equal(only(resources, G.file, 'release-workflow').inputs.branch, 'release', 'the customer\'s release branch');
  });
});

describe('pulumi program: enforcement clock and outputs', () => {
  it('takes the flip date from the customer config and the clock from supply-chain:at', async () => {
    const before = await runStack('acme', { 'supply-chain:at': '2026-10-14T23:59:59Z' });
    assert.deepEqual([before.outputs.enforcementMode, before.outputs.flipDate], ['audit', '2026-10-15']);
    const after = await runStack('acme', { 'supply-chain:at': '2026-10-15' });
    assert.deepEqual([after.outputs.enforcementMode, after.outputs.flipDate], ['enforce', '2026-10-15']);
    // The applied objects do not change with the clock: the cluster flips by itself (flip-gate.ts).
    const objects = (run: typeof before) => only(run.resources, K.configGroup, 'bundle-admission-policies').inputs.objs;
    assert.deepEqual(objects(after), objects(before), 'the same policies before and after the flip date');
    assert.deepEqual(objects(after).map((doc: { spec: { validationActions: string[] } }) => doc.spec.validationActions), [['Audit', 'Warn'], ['Audit', 'Warn'], ['Audit', 'Warn'], ['Audit', 'Warn'], ['Deny'], ['Deny'], ['Deny'], ['Deny']]);
  });

  it('follows a change of the customer\'s enforcement fields in config', async () => {
    const acme = loadCustomers([join(STACKS_DIR, 'Pulumi.acme.yaml')], REPO_ROOT)[0];
    const description = { name: acme.name, github: { owner: 'acme-corp', repository: 'services' }, image: acme.image, enforcement: { onboardedAt: '2026-09-15', softDays: 10 }, monitoring: { allowPlaceholderImages: true } };
    const { outputs } = await runStack('acme', { 'supply-chain:customer': description });
    assert.deepEqual([outputs.flipDate, outputs.enforcementMode, outputs.enforcementSource], ['2026-09-25', 'enforce', 'flipped']);
  });

  it('publishes mode, flip date, policy names, workflow path and URL, identity and dashboard uids', async () => {
    const { outputs } = await runStack('initech');
    assert.ok(templateDashboardUids('initech').length > 0, 'the monitoring area renders dashboards');
    assert.deepEqual(await resolve(outputs as any), {
      customer: 'initech',
      enforcementMode: 'enforce',
      flipDate: '2026-09-15',
      enforcementSource: 'flipped',
      clock: '2026-10-01T00:00:00.000Z (supply-chain:at)',
      policyNames: [
        'scb-initech-allowed-images',
        'scb-initech-allowed-images-audit',
        'scb-initech-ephemeral-containers',
        'scb-initech-ephemeral-containers-audit',
        'scb-initech-verify-images',
        'scb-initech-verify-images-audit',
        'scb-initech-verify-signature',
        'scb-initech-verify-signature-audit',
      ],
      workflowPath: '.github/workflows/build-and-sign.yaml',
      workflowUrl: 'https://github.com/initech/tps-reports/blob/release/.github/workflows/build-and-sign.yaml',
      signingIdentity: {
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'https://github.com/initech/tps-reports/.github/workflows/build-and-sign.yaml@refs/heads/release',
      },
      dashboardUids: templateDashboardUids('initech'),
      kyvernoChartVersion: '3.9.0',
    });
  });
});

describe('pulumi program: bad stack config', () => {
  /** Given the acme stack config with these changes, when the program reads its config, then it throws. */
  async function readConfig(overrides: Record<string, unknown>, secrets: Record<string, string> = SECRETS.acme) {
    await configureMocks('acme', { ...stackConfig('acme', overrides), ...secrets }, Object.keys(secrets));
    return () => readStackInputs('acme', REPO_ROOT);
  }

  it('refuses the placeholder rescanner digest unless the customer pins it or opts out for a dry run', async () => {
    const description = JSON.parse(stackConfig('acme')['supply-chain:customer']);
    const { allowPlaceholderImages: _optOut, ...monitoring } = description.monitoring;
    assert.throws(await readConfig({ 'supply-chain:customer': { ...description, monitoring } }), /stacks\/Pulumi\.acme\.yaml:\d+:\d+: monitoring\.rescannerImage: is not set, and this release's rescanner image is a placeholder digest/);
    const pinned = { ...monitoring, rescannerImage: `registry.example.com/mirror/rescanner@sha256:${'b'.repeat(64)}` };
    assert.doesNotThrow(await readConfig({ 'supply-chain:customer': { ...description, monitoring: pinned } }));
  });

  it('refuses to run without a GitHub token or App, naming the secret key', async () => {
    assert.throws(await readConfig({}, {}), /Missing required configuration variable 'supply-chain:githubToken'[\s\S]*pulumi config set --secret supply-chain:githubToken/);
  });

  it('reports invalid delivery settings with the stack file, line, field and fix', async () => {
    assert.throws(await readConfig({ 'supply-chain:delivery': { github: { mode: 'pr' } } }), (error: Error) => {
      // The line is that of the committed stack file, which the program reads beside the config.
      const line = readFileSync(join(REPO_ROOT, 'stacks', 'Pulumi.acme.yaml'), 'utf8').split('\n').findIndex((text) => /^\s+mode: /.test(text)) + 1;
      assert.equal(
        error.message,
        `invalid stack configuration:\n  stacks/Pulumi.acme.yaml:${line}:7: supply-chain:delivery.github.mode: found "pr"; expected "direct" or "pull-request" (use pull-request when the release branch is protected).`,
      );
      return true;
    });
  });

  it('reports an invalid customer description in the style of scb validate', async () => {
    const description = { name: 'acme', github: { owner: 'acme-corp', repository: 'services' }, image: 'ghcr.io/Acme/services', enforcement: { onboardedAt: '2026-09-15' } };
    assert.throws(await readConfig({ 'supply-chain:customer': description }), /stacks\/Pulumi\.acme\.yaml(:\d+:\d+)?: image: "ghcr\.io\/Acme\/services" has upper-case letters/);
  });

  it('reports an invalid supply-chain:at', async () => {
    assert.throws(await readConfig({ 'supply-chain:at': 'tomorrow' }), /supply-chain:at: "tomorrow" is not a date\. Fix: write YYYY-MM-DD/);
  });
});

describe('pulumi program entry point (Pulumi.yaml main)', () => {
  it('is a function Pulumi calls, reading the stack name from the engine and returning the outputs', async () => {
    const program = require(join(REPO_ROOT, 'lib', 'src', 'pulumi', 'program.js')) as () => Promise<Record<string, unknown>>;
    assert.equal(typeof program, 'function');
    const cwd = process.cwd();
    process.chdir(REPO_ROOT); // Pulumi runs the program from the project folder
    try {
      const config = { ...stackConfig('globex', { 'supply-chain:at': '2026-10-01' }), ...SECRETS.globex };
      const { outputs } = await runWithMocks('globex', config, Object.keys(SECRETS.globex), () => program());
      assert.equal(outputs.customer, 'globex');
      assert.equal(outputs.flipDate, '2026-06-03');
    } finally {
      process.chdir(cwd);
    }
  });
});
