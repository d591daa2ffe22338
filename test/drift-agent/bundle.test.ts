import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { parseDriftAgentConfig } from '../../src/drift-agent/config';
import { DRIFT_AGENT_CAPABILITIES, DRIFT_AGENT_NAMESPACE_LABELS, DriftAgentRuntime, driftAgentConfig } from '../../src/monitoring/drift-agent';
import { driftAlertRuleGroups } from '../../src/monitoring/drift-agent-alerts';
import { KNOWN_METRICS } from '../../src/monitoring/metrics';
import { parsedCustomer } from '../support/monitoring-customer';
import { promtool, writeRuleFile } from '../support/promtool';

const withAgent = (driftAgent: Record<string, unknown> = {}) => parsedCustomer({ admission: { namespaces: ['prod', 'prod-*'] }, monitoring: { driftAgent } });

describe('drift agent in the monitoring bundle', () => {
  it('given a customer without driftAgent, then no agent and no drift alerts', () => {
    const customer = parsedCustomer({});
    assert.equal(customer.monitoring.driftAgent, undefined);
    assert.deepEqual(driftAlertRuleGroups(customer), []);
  });

  it('given driftAgent: {}, then defaults: warning, 300 s, 500m CPU and 1Gi memory limits, default ignored paths', () => {
    const customer = withAgent();
    assert.deepEqual(customer.monitoring.driftAgent, { ignorePaths: [], alertSeverity: 'warning', intervalSeconds: 300, cpuLimit: '500m', memoryLimit: '1Gi' });
    const config = driftAgentConfig(customer);
    assert.deepEqual(parseDriftAgentConfig(JSON.parse(JSON.stringify(config))), config, 'the agent parses exactly what the bundle writes');
    assert.ok(config.ignorePaths.includes('/tmp') && config.ignorePaths.includes('/var/cache'));
    assert.equal(config.productionNamespaces, '^(?:prod|prod-.*)$');
  });

  it('refuses a relative ignore path and an unknown severity, naming the field', () => {
    assert.throws(() => withAgent({ ignorePaths: ['tmp'] }), /driftAgent\.ignorePaths\[0\].*absolute path/s);
    assert.throws(() => withAgent({ alertSeverity: 'page' }), /driftAgent\.alertSeverity.*"warning" or "critical"/s);
  });

  it('runs a hostPID DaemonSet with only SYS_PTRACE and DAC_READ_SEARCH, read-only, no hostPath, a CPU limit, in a namespace of its own', () => {
    const chart = new Chart(Testing.app(), 'test');
    new DriftAgentRuntime(chart, 'agent', { customer: withAgent({ cpuLimit: '250m' }) });
    const objects = chart.toJson() as Array<Record<string, any>>;
    const daemonSet = objects.find((object) => object.kind === 'DaemonSet');
    const pod = daemonSet?.spec.template.spec;
    assert.equal(pod.hostPID, true);
    assert.equal(pod.hostNetwork, undefined);
    assert.equal(pod.hostIPC, undefined);
    assert.ok(pod.volumes.every((volume: Record<string, unknown>) => volume.hostPath === undefined), 'no hostPath volume');
    const [agent] = pod.containers;
    assert.deepEqual(agent.securityContext.capabilities, { drop: ['ALL'], add: [...DRIFT_AGENT_CAPABILITIES] });
    assert.equal(agent.securityContext.readOnlyRootFilesystem, true);
    assert.equal(agent.securityContext.allowPrivilegeEscalation, false);
    assert.equal(agent.securityContext.privileged, false);
    assert.equal(agent.resources.limits.cpu, '250m');
    assert.ok(objects.every((object) => object.kind.startsWith('Cluster') ? object.metadata.namespace === undefined : object.metadata.namespace === 'supply-chain-drift-agent'));
    assert.equal(DRIFT_AGENT_NAMESPACE_LABELS['pod-security.kubernetes.io/enforce'], 'privileged');
    const role = objects.find((object) => object.kind === 'ClusterRole');
    assert.deepEqual(role?.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
  });
});

interface Case {
  readonly name: string;
  readonly alert: string;
  readonly series: Record<string, string>;
  readonly expected: ReadonlyArray<Record<string, string>>;
  readonly evalTime?: string;
}

const AGENT = 'job="supply_chain_drift_agent", cluster="example", customer="example", node="n1"';
const WHERE = 'namespace="prod", workload="Deployment/web", pod="web-1", container="web", image="ghcr.io/example/app", digest="sha256:1"';
/** The agent's pass heartbeat, every 5 minutes for an hour (promtool's clock starts at 0). */
const ALIVE = { [`scb_drift_agent_last_pass_timestamp_seconds{${AGENT}}`]: '0+60x60' };
const labelsOf = (severity: string, extra: Record<string, string> = {}) => ({ severity, customer: 'example', cluster: 'example', node: 'n1', namespace: 'prod', workload: 'Deployment/web', container: 'web', image: 'ghcr.io/example/app', digest: 'sha256:1', ...extra });

const CASES: readonly Case[] = [
  { name: 'a changed package in production fires with the configured severity', alert: 'SupplyChainPackageDrift', series: { ...ALIVE, [`scb_drift_packages{${AGENT}, ${WHERE}, change="changed"}`]: '1x60', [`scb_drift_packages{${AGENT}, ${WHERE}, change="added"}`]: '0x60' }, expected: [labelsOf('critical')] },
  { name: 'no drift stays quiet', alert: 'SupplyChainPackageDrift', series: { ...ALIVE, [`scb_drift_packages{${AGENT}, ${WHERE}, change="changed"}`]: '0x60', [`scb_drift_packages{${AGENT}, ${WHERE}, change="added"}`]: '0x60' }, expected: [] },
  { name: 'a removed package does not page', alert: 'SupplyChainPackageDrift', series: { ...ALIVE, [`scb_drift_packages{${AGENT}, ${WHERE}, change="removed"}`]: '2x60' }, expected: [] },
  { name: 'a removed package warns', alert: 'SupplyChainPackageDriftRemoved', series: { ...ALIVE, [`scb_drift_packages{${AGENT}, ${WHERE}, change="removed"}`]: '2x60' }, expected: [labelsOf('warning')] },
  { name: 'drift outside the production namespaces stays quiet', alert: 'SupplyChainPackageDrift', series: { ...ALIVE, [`scb_drift_packages{${AGENT}, ${WHERE.replace('namespace="prod"', 'namespace="dev"')}, change="added"}`]: '1x60' }, expected: [] },
  { name: 'a silent node\'s old drift stops alerting', alert: 'SupplyChainPackageDrift', series: { [`scb_drift_agent_last_pass_timestamp_seconds{${AGENT}}`]: '0x60', [`scb_drift_packages{${AGENT}, ${WHERE}, change="added"}`]: '1x60' }, expected: [] },
  { name: 'an unverifiable digest warns after an hour', alert: 'SupplyChainPackageDriftUnverifiable', evalTime: '70m', series: { [`scb_drift_agent_last_pass_timestamp_seconds{${AGENT}}`]: '0+60x80', [`scb_drift_unverifiable{${AGENT}, ${WHERE}, reason="missing"}`]: '1x80' }, expected: [labelsOf('warning', { reason: 'missing' })] },
  { name: 'a silent agent warns', alert: 'SupplyChainDriftAgentNotReporting', series: { [`scb_drift_agent_last_pass_timestamp_seconds{${AGENT}}`]: '0x60' }, expected: [{ severity: 'warning', customer: 'example', cluster: 'example', node: 'n1' }] },
  { name: 'a reporting agent stays quiet', alert: 'SupplyChainDriftAgentNotReporting', series: ALIVE, expected: [] },
];

describe('drift alerts', () => {
  const customer = withAgent({ alertSeverity: 'critical' });
  const groups = driftAlertRuleGroups(customer);

  it('read only metrics the bundle knows', () => {
    for (const rule of groups.flatMap((group) => group.rules)) {
      for (const name of rule.expr.match(/\bscb_[a-z_]+/g) ?? []) assert.ok(KNOWN_METRICS.has(name), `${rule.alert} reads unknown metric ${name}`);
    }
  });

  it('default to a warning for added or changed packages', () => {
    const rule = driftAlertRuleGroups(withAgent())[0]?.rules.find((r) => r.alert === 'SupplyChainPackageDrift');
    assert.equal(rule?.labels.severity, 'warning');
  });

  it('fire and stay quiet as intended (`promtool test rules`), and a quiet case can fail', () => {
    const checked = writeRuleFile(groups);
    assert.equal(promtool(['check', 'rules', checked.file], checked.dir).status, 0, 'the rules with their annotation templates parse');
    // promtool compares annotations too; the cases judge expressions and labels.
    const { dir, file } = writeRuleFile(groups.map((group) => ({ ...group, rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule) })));
    const tests = (cases: readonly Case[]) =>
      cases.map((entry) => ({
        name: `${entry.alert}: ${entry.name}`,
        interval: '1m',
        input_series: Object.entries(entry.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{ eval_time: entry.evalTime ?? '30m', alertname: entry.alert, exp_alerts: entry.expected.map((labels) => ({ exp_labels: labels })) }],
      }));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests: tests(CASES) }));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    assert.equal(result.status, 0, result.output);
    writeFileSync(join(dir, 'flipped.yaml'), stringify({ rule_files: [file], evaluation_interval: '1m', tests: tests([{ ...CASES[1]!, expected: [labelsOf('critical')] }]) }));
    assert.notEqual(promtool(['test', 'rules', 'flipped.yaml'], dir).status, 0);
  });
});
