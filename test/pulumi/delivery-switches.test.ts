import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KYVERNO_CHART, kyvernoHelmValues } from '../../src/admission/kyverno-values';
import { loadCustomers } from '../../src/model/load';
import { kyvernoChartArgs } from '../../src/pulumi/kyverno-release';
import { onboardCustomer } from '../../src/pulumi/onboard';
import { readStackInputs } from '../../src/pulumi/stack-config';
import { runWithMocks, stackConfig, type RegisteredResource } from '../support/pulumi-mocks';
import { REPO_ROOT, STACKS_DIR, makeTempDir } from '../support/synth-helper';

/*
 * The delivery switches of supply-chain:delivery (docs/delivery.md), under pulumi.runtime.setMocks:
 * what the program asks the engine for with each. `npm run test:pulumi-live` runs the
 * `deliver: cluster`, local chart and `waitForPods: false` combination against real API servers.
 */

const TOKEN = 'ghp_TEST0nly0000000000000000000000000000';
const RELEASE = 'kubernetes:helm.sh/v3:Release';
const CONFIG_GROUP = 'kubernetes:yaml/v2:ConfigGroup';

/** Given acme's stack config with these delivery settings (and secrets), when the program runs, then this is what it registered. */
async function acmeWith(delivery: Record<string, unknown>, secrets: Record<string, string> = { 'supply-chain:githubToken': TOKEN }, projectDir = REPO_ROOT) {
  const config = { ...stackConfig('acme', { 'supply-chain:at': '2026-10-01', 'supply-chain:delivery': delivery }), ...secrets };
  return runWithMocks('acme', config, Object.keys(secrets), () => onboardCustomer(readStackInputs('acme', projectDir)));
}

const byProvider = (resources: RegisteredResource[], prefix: string) => resources.filter((resource) => resource.type.startsWith(prefix));

/** A chart directory holding only a Chart.yaml of this name and version. */
function chartDirectory(name: string, version: string): string {
  const dir = join(makeTempDir('scb-kyverno-chart-'), 'kyverno');
  mkdirSync(dir);
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  return dir;
}

describe('delivery switch: deliver', () => {
  it('both (the default) delivers the cluster half and the repository half', async () => {
    const { resources } = await acmeWith({});
    assert.ok(byProvider(resources, 'kubernetes:').length > 0);
    assert.ok(byProvider(resources, 'github:').length > 0);
  });

  it('cluster delivers no GitHub resource and needs no GitHub secret', async () => {
    const { resources, outputs } = await acmeWith({ deliver: 'cluster' }, {});
    assert.deepEqual(byProvider(resources, 'github:'), []);
    assert.equal(resources.some((resource) => resource.type === 'pulumi:providers:github'), false);
    assert.equal(resources.filter((resource) => resource.type === RELEASE).length, 1);
    assert.ok(resources.filter((resource) => resource.type === CONFIG_GROUP).length > 0);
    assert.equal(outputs.workflowUrl, undefined, 'nothing was committed, so there is no workflow URL');
    assert.equal(outputs.customer, 'acme');
  });

  it('repository delivers no Kubernetes resource', async () => {
    const { resources } = await acmeWith({ deliver: 'repository' });
    assert.deepEqual(byProvider(resources, 'kubernetes:'), []);
    assert.equal(resources.some((resource) => resource.type === 'pulumi:providers:kubernetes'), false);
    assert.ok(byProvider(resources, 'github:').length > 0);
  });
});

describe('delivery switch: kubernetes.kyvernoChart', () => {
  it('unset: the upstream Helm repository at the pinned version', async () => {
    const release = (await acmeWith({})).resources.find((resource) => resource.type === RELEASE)!;
    assert.deepEqual([release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts?.repo], [KYVERNO_CHART.chart, KYVERNO_CHART.version, KYVERNO_CHART.repository]);
  });

  it('an OCI reference, at the pinned version and without a repository', async () => {
    const release = (await acmeWith({ kubernetes: { kyvernoChart: 'oci://registry.example/charts/kyverno' } })).resources.find((resource) => resource.type === RELEASE)!;
    assert.deepEqual([release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts], ['oci://registry.example/charts/kyverno', KYVERNO_CHART.version, undefined]);
  });

  it('a chart directory of the pinned version, relative paths from the project folder', async () => {
    const dir = chartDirectory('kyverno', KYVERNO_CHART.version);
    const release = (await acmeWith({ kubernetes: { kyvernoChart: 'kyverno' } }, undefined, join(dir, '..'))).resources.find((resource) => resource.type === RELEASE)!;
    assert.deepEqual([release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts], [dir, undefined, undefined]);
  });

  // The program throws this as a RunError while registering the release (checked here directly).
  it('refuses a chart directory of another version, naming the field and the fix', () => {
    const dir = chartDirectory('kyverno', '3.8.1');
    assert.throws(() => kyvernoChartArgs(KYVERNO_CHART, { kind: 'directory', path: dir }), /supply-chain:delivery\.kubernetes\.kyvernoChart: ".*" holds chart kyverno 3\.8\.1; expected kyverno 3\.9\.0, the release the policies are written for\. Fix: use that chart version\./);
  });

  it('refuses a folder without a chart', () => {
    const dir = makeTempDir('scb-no-chart-');
    assert.throws(() => kyvernoChartArgs(KYVERNO_CHART, { kind: 'directory', path: dir }), /kyvernoChart: ".*" holds no Chart\.yaml\. Fix: point it at an unpacked kyverno chart 3\.9\.0/);
  });
});

describe('delivery switch: kubernetes.waitForPods', () => {
  it('true (the default): Helm waits atomically, groups wait for readiness, hooks run', async () => {
    const { resources } = await acmeWith({});
    const release = resources.find((resource) => resource.type === RELEASE)!;
    assert.deepEqual([release.inputs.skipAwait, release.inputs.atomic, release.inputs.disableWebhooks, release.inputs.waitForJobs], [false, true, false, true]);
    const [customer] = loadCustomers([join(STACKS_DIR, 'Pulumi.acme.yaml')], REPO_ROOT);
    assert.deepEqual(release.inputs.values, kyvernoHelmValues(customer));
    for (const group of resources.filter((resource) => resource.type === CONFIG_GROUP)) assert.equal(group.inputs.skipAwait, undefined, group.name);
  });

  it('false: everything is installed, nothing waits for a pod, and the pre-delete hook Jobs are off', async () => {
    const { resources } = await acmeWith({ kubernetes: { waitForPods: false } });
    const release = resources.find((resource) => resource.type === RELEASE)!;
    assert.deepEqual([release.inputs.skipAwait, release.inputs.atomic, release.inputs.disableWebhooks, release.inputs.waitForJobs], [true, false, true, false]);
    assert.deepEqual(release.inputs.values.webhooksCleanup, { enabled: false });
    const groups = resources.filter((resource) => resource.type === CONFIG_GROUP);
    assert.equal(groups.length, (await acmeWith({})).resources.filter((resource) => resource.type === CONFIG_GROUP).length, 'the same groups are installed');
    for (const group of groups) assert.equal(group.inputs.skipAwait, true, group.name);
  });
});

describe('dates in stack files under pulumi up', () => {
  it('reads an unquoted date, which Pulumi hands over as "YYYY-MM-DD 00:00:00 +0000 UTC", as that date (found by the live test)', async () => {
    const customer = { name: 'acme', github: { owner: 'acme-corp', repository: 'services' }, image: 'ghcr.io/acme-corp/services', enforcement: { onboardedAt: '2026-09-15 00:00:00 +0000 UTC' }, monitoring: { allowPlaceholderImages: true } };
    const { outputs } = await runWithMocks('acme', { ...stackConfig('acme', { 'supply-chain:at': '2026-10-01', 'supply-chain:customer': customer }), 'supply-chain:githubToken': TOKEN }, ['supply-chain:githubToken'], () => onboardCustomer(readStackInputs('acme', REPO_ROOT)));
    assert.equal(outputs.flipDate, '2026-10-15');
  });
});
