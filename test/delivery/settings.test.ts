import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DELIVERY_CONFIG_KEY, deliversCluster, deliversRepository, kyvernoChartSource, parseDeliverySettings, pullRequestBranch } from '../../src/delivery/settings';
import { formatFieldError } from '../../src/model/load';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { REPO_ROOT } from '../support/synth-helper';

/** Given the `supply-chain:delivery` block of a stack file, when it is validated, then these are the messages. */
function errorsFor(block: string): string[] {
  const text = `config:\n  ${DELIVERY_CONFIG_KEY}:\n${block.replace(/^/gm, '    ')}\n`;
  const value = (parse(text) as { config: Record<string, unknown> }).config[DELIVERY_CONFIG_KEY];
  return parseDeliverySettings(value, 'stacks/Pulumi.x.yaml', text).errors.map(formatFieldError);
}

describe('delivery settings (supply-chain:delivery)', () => {
  it('defaults to a direct commit, the current kube context and Kyverno in "kyverno"', () => {
    const { settings, errors } = parseDeliverySettings(undefined, 'stacks/Pulumi.x.yaml');
    assert.deepEqual(errors, []);
    assert.deepEqual(settings, { deliver: 'both', kubernetes: { kyvernoNamespace: 'kyverno', waitForPods: true }, github: { mode: 'direct', variables: {} } });
    assert.equal(pullRequestBranch(settings!, 'x'), 'supply-chain-bundle/x');
  });

  it('delivers the cluster half, the repository half or both', () => {
    const halves = (block: string) => {
      const { settings } = parseDeliverySettings(parse(block), 'stacks/Pulumi.x.yaml');
      return [deliversCluster(settings!), deliversRepository(settings!)];
    };
    assert.deepEqual(halves('{}'), [true, true]);
    assert.deepEqual(halves('deliver: cluster'), [true, false]);
    assert.deepEqual(halves('deliver: repository'), [false, true]);
    assert.deepEqual(errorsFor('deliver: github'), [
      'stacks/Pulumi.x.yaml:3:5: supply-chain:delivery.deliver: found "github"; expected "both", "cluster" or "repository".',
    ]);
  });

  it('takes the Kyverno chart from the Helm repository, an OCI reference or a directory of the project', () => {
    const source = (block: string) => kyvernoChartSource(parseDeliverySettings(parse(block), 'stacks/Pulumi.x.yaml').settings!, '/project');
    assert.deepEqual(source('{}'), { kind: 'repository' });
    assert.deepEqual(source('kubernetes: {kyvernoChart: "oci://registry.example/charts/kyverno"}'), { kind: 'oci', reference: 'oci://registry.example/charts/kyverno' });
    assert.deepEqual(source('kubernetes: {kyvernoChart: charts/kyverno}'), { kind: 'directory', path: '/project/charts/kyverno' });
    assert.deepEqual(source('kubernetes: {kyvernoChart: /srv/charts/kyverno}'), { kind: 'directory', path: '/srv/charts/kyverno' });
    assert.deepEqual(errorsFor('kubernetes:\n  kyvernoChart: https://kyverno.github.io/kyverno/'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.kubernetes.kyvernoChart: "https://kyverno.github.io/kyverno/" is neither an oci:// reference (oci://host/path/kyverno) nor a chart directory; for the upstream Helm repository leave it out.',
    ]);
  });

  it('waits for pods unless told not to, and refuses anything but true or false', () => {
    assert.equal(parseDeliverySettings(parse('kubernetes: {waitForPods: false}'), 'stacks/Pulumi.x.yaml').settings!.kubernetes.waitForPods, false);
    assert.deepEqual(errorsFor('kubernetes:\n  waitForPods: "no"'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.kubernetes.waitForPods: found "no"; expected true or false.',
    ]);
  });

  it('names an unknown field, lists the allowed ones and suggests the nearest', () => {
    assert.deepEqual(errorsFor('github:\n  modee: direct'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.github.modee: unknown field; expected one of mode, pullRequestBranch, ruleset, environment, variables. Fix: did you mean "mode"? Rename the field.',
    ]);
  });

  it('refuses an unknown mode', () => {
    assert.deepEqual(errorsFor('github:\n  mode: pr'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.github.mode: found "pr"; expected "direct" or "pull-request" (use pull-request when the release branch is protected).',
    ]);
  });

  it('refuses a ruleset with direct commits, which the ruleset would block', () => {
    assert.deepEqual(errorsFor('github:\n  ruleset: {}'), [
      'stacks/Pulumi.x.yaml:3:5: supply-chain:delivery.github.mode: found nothing; expected "pull-request" when a ruleset is set, because the ruleset refuses direct commits to the release branch. Fix: set mode: pull-request, or remove the ruleset.',
    ]);
  });

  it('refuses an Actions variable name GitHub would reject', () => {
    assert.deepEqual(errorsFor('github:\n  variables:\n    GITHUB_X: y'), [
      'stacks/Pulumi.x.yaml:5:9: supply-chain:delivery.github.variables.GITHUB_X: the name "GITHUB_X" is not an Actions variable name (letters, digits, "_"; not starting with a digit or GITHUB_). Fix: rename it.',
    ]);
  });

  it('refuses a namespace that is not a DNS label', () => {
    assert.deepEqual(errorsFor('kubernetes:\n  kyvernoNamespace: Kyverno'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.kubernetes.kyvernoNamespace: "Kyverno" is not a namespace name (a DNS-1123 label such as "kyverno"). Fix: write it in lower case: "kyverno".',
    ]);
  });

  it('refuses an empty kube context', () => {
    assert.deepEqual(errorsFor('kubernetes:\n  context: ""'), [
      'stacks/Pulumi.x.yaml:4:7: supply-chain:delivery.kubernetes.context: "" must not be empty; leave it out to use the current context.',
    ]);
  });

  it('reports without line numbers when only the config value is known', () => {
    const { errors } = parseDeliverySettings({ github: { mode: 1 } }, 'stacks/Pulumi.x.yaml');
    assert.deepEqual(errors.map(formatFieldError), [
      'stacks/Pulumi.x.yaml: supply-chain:delivery.github.mode: found 1; expected "direct" or "pull-request" (use pull-request when the release branch is protected).',
    ]);
  });
});

describe('scb validate checks supply-chain:delivery too', () => {
  it('reports a bad delivery setting with the customer problems and exits 1', () => {
    const text = stringify({ config: { 'supply-chain:customer': validCustomer({ name: 'x', image: 'ghcr.io/X/y' }), [DELIVERY_CONFIG_KEY]: { github: { mode: 'pr' } } } });
    const [file] = writeStackFiles({ x: text });
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), 'validate', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Pulumi\.x\.yaml:\d+:\d+: image: "ghcr\.io\/X\/y" has upper-case letters/);
    assert.match(result.stderr, /Pulumi\.x\.yaml:\d+:\d+: supply-chain:delivery\.github\.mode: found "pr"; expected "direct" or "pull-request"/);
    assert.match(result.stderr, /2 problems found; nothing was written\./);
  });

  it('accepts the example stacks, delivery settings included', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), 'validate'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});
