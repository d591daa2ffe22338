import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { validCustomer } from '../support/customer-files';

/** Given a `monitoring` section, when the customer is parsed, then these are the formatted errors. */
function errorsFor(monitoring: unknown): string[] {
  const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer({ monitoring }) } });
  return parseStackFile('stacks/Pulumi.example.yaml', text).errors.map(formatFieldError);
}

const FILE = 'stacks/Pulumi.example.yaml';

describe('customer validation messages: monitoring', () => {
  it('fills every monitoring default when the section is absent', () => {
    const { customer, errors } = parseStackFile(FILE, stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer() } }));
    assert.deepEqual(errors, []);
    assert.deepEqual(customer?.monitoring, {
      pushgatewayUrl: 'http://prometheus-pushgateway.monitoring.svc:9091',
      prometheusReleaseLabel: 'kube-prometheus-stack',
      pullSecrets: [],
      concurrency: 4,
      requireReadOnlyRootFilesystem: false,
      falco: false,
      pageSeverities: ['CRITICAL', 'HIGH'],
      trivyDbMaxAgeHours: 48,
      allowPlaceholderImages: false,
    });
  });

  it('accepts a fully written section', () => {
    assert.deepEqual(
      errorsFor({
        cluster: 'prod-eu-1',
        pushgatewayUrl: 'https://pushgateway.example.com',
        prometheusReleaseLabel: 'prom',
        rescannerImage: `registry.example.com:5000/mirror/rescanner@sha256:${'a'.repeat(64)}`,
        pullSecrets: ['ghcr-pull', 'quay.pull'],
        concurrency: 8,
        requireReadOnlyRootFilesystem: true,
        falco: true,
        pageSeverities: ['CRITICAL'],
        trivyDbMaxAgeHours: 24,
      }),
      [],
    );
  });

  it('refuses a monitoring section that is not a mapping', () => {
    assert.deepEqual(errorsFor('on'), [
      `${FILE}:10:5: monitoring: found "on"; expected a mapping with cluster, pushgatewayUrl, prometheusReleaseLabel, rescannerImage, pullSecrets, concurrency, requireReadOnlyRootFilesystem, falco, pageSeverities, trivyDbMaxAgeHours, alertRouting, allowPlaceholderImages, registryIdentity, nodeLocalDns or driftAgent.`,
    ]);
  });

  it('names a misspelled monitoring field and suggests the right one', () => {
    assert.deepEqual(errorsFor({ pushgateway: 'http://x:9091' }), [
      `${FILE}:11:7: monitoring.pushgateway: unknown field; expected one of cluster, pushgatewayUrl, prometheusReleaseLabel, rescannerImage, pullSecrets, concurrency, requireReadOnlyRootFilesystem, falco, pageSeverities, alertRouting, allowPlaceholderImages, registryIdentity, nodeLocalDns, driftAgent, trivyDbMaxAgeHours. Fix: did you mean "pushgatewayUrl"? Rename the field.`,
    ]);
  });

  it('refuses an unknown page severity, a repeated one, and a DB age under the 6-hour publishing cycle', () => {
    assert.deepEqual(errorsFor({ pageSeverities: ['CRITICAL', 'MEDIUM'] }), [
      `${FILE}:13:11: monitoring.pageSeverities[1]: found "MEDIUM"; expected "CRITICAL" or "HIGH".`,
    ]);
    assert.deepEqual(errorsFor({ pageSeverities: ['HIGH', 'HIGH'] }).length, 1);
    assert.match(errorsFor({ trivyDbMaxAgeHours: 6 })[0] ?? '', /monitoring\.trivyDbMaxAgeHours: .*must be at least 7/);
  });

  it('refuses two cloud identities at once, an empty identity, a malformed role ARN and a NodeLocal DNS address that is not IPv4', () => {
    assert.match(errorsFor({ registryIdentity: { aws: { roleArn: 'arn:aws:iam::123456789012:role/x' }, gcp: { serviceAccount: 'scb-rescanner@p-1.iam.gserviceaccount.com' } } }).join('\n'), /monitoring\.registryIdentity: .*more than one cloud identity/);
    assert.match(errorsFor({ registryIdentity: {} }).join('\n'), /monitoring\.registryIdentity: .*is empty/);
    assert.match(errorsFor({ registryIdentity: { aws: { roleArn: 'role/x' } } }).join('\n'), /monitoring\.registryIdentity\.aws\.roleArn: .*is not an IAM role ARN/);
    assert.match(errorsFor({ nodeLocalDns: '169.254.20' }).join('\n'), /monitoring\.nodeLocalDns: .*is not an IPv4 address/);
    assert.deepEqual(errorsFor({ nodeLocalDns: '169.254.20.10', registryIdentity: { azure: { clientId: '0f5e2c1a-9a4b-4c7d-8e6f-1a2b3c4d5e6f' }, secret: { name: 'regcred' } } }), []);
  });

  it('refuses a cluster name that is not a DNS-1123 label', () => {
    assert.deepEqual(errorsFor({ cluster: 'Prod_EU' }), [
      `${FILE}:11:7: monitoring.cluster: "Prod_EU" is not a DNS-1123 label; use lower-case letters, digits and "-", e.g. "prod-eu-1".`,
    ]);
  });

  it('refuses a Pushgateway URL without scheme, or with credentials', () => {
    assert.deepEqual(errorsFor({ pushgatewayUrl: 'pushgateway:9091' }), [
      `${FILE}:11:7: monitoring.pushgatewayUrl: "pushgateway:9091" is not an http(s) URL without query or credentials; write it as, for example, "http://prometheus-pushgateway.monitoring.svc:9091".`,
    ]);
    assert.deepEqual(errorsFor({ pushgatewayUrl: 'http://user:pw@pushgateway:9091' }), [
      `${FILE}:11:7: monitoring.pushgatewayUrl: "http://user:pw@pushgateway:9091" is not an http(s) URL without query or credentials; write it as, for example, "http://prometheus-pushgateway.monitoring.svc:9091".`,
    ]);
  });

  it('refuses a release label that is not a label value, empty, or too long', () => {
    assert.deepEqual(errorsFor({ prometheusReleaseLabel: 'kube prometheus' }), [
      `${FILE}:11:7: monitoring.prometheusReleaseLabel: "kube prometheus" is not a Kubernetes label value (letters, digits, "-", "_" and ".", starting and ending with a letter or digit).`,
    ]);
    assert.deepEqual(errorsFor({ prometheusReleaseLabel: '' }), [
      `${FILE}:11:7: monitoring.prometheusReleaseLabel: "" is empty; give the Helm release name, e.g. "kube-prometheus-stack".`,
    ]);
    assert.deepEqual(errorsFor({ prometheusReleaseLabel: 'a'.repeat(64) }), [
      `${FILE}:11:7: monitoring.prometheusReleaseLabel: "${'a'.repeat(64)}" is longer than 63 characters, the limit for a label value.`,
    ]);
  });

  it('refuses a rescanner image that is not pinned by digest', () => {
    assert.deepEqual(errorsFor({ rescannerImage: 'ghcr.io/supply-chain-bundle/supply-chain-bundle/rescanner:v0.1.0' }), [
      `${FILE}:11:7: monitoring.rescannerImage: "ghcr.io/supply-chain-bundle/supply-chain-bundle/rescanner:v0.1.0" is not pinned by digest; write it as registry/repository@sha256:<64 hex digits> (a tag alone can be moved).`,
    ]);
  });

  it('refuses pull secrets that are not a list of Secret names', () => {
    assert.deepEqual(errorsFor({ pullSecrets: 'ghcr-pull' }), [
      `${FILE}:11:7: monitoring.pullSecrets: found "ghcr-pull"; expected a list of Secret names such as ["ghcr-pull"].`,
    ]);
    assert.deepEqual(errorsFor({ pullSecrets: ['Ghcr_Pull'] }), [
      `${FILE}:12:11: monitoring.pullSecrets[0]: "Ghcr_Pull" is not a Secret name (lower-case letters, digits, "-" and ".").`,
    ]);
  });

  it('refuses a concurrency outside 1..32 or written as text', () => {
    assert.deepEqual(errorsFor({ concurrency: 0 }), [`${FILE}:11:7: monitoring.concurrency: 0 must be at least 1.`]);
    assert.deepEqual(errorsFor({ concurrency: 64 }), [
      `${FILE}:11:7: monitoring.concurrency: 64 must be at most 32; the Trivy server is a single replica.`,
    ]);
    assert.deepEqual(errorsFor({ concurrency: '4' }), [
      `${FILE}:11:7: monitoring.concurrency: found "4"; expected a whole number of parallel scans. Fix: remove the quotes (concurrency: 4); in quotes YAML reads a number as text.`,
    ]);
  });

  it('refuses switches that are not booleans', () => {
    assert.deepEqual(errorsFor({ requireReadOnlyRootFilesystem: 'yes', falco: 1 }), [
      `${FILE}:11:7: monitoring.requireReadOnlyRootFilesystem: found "yes"; expected true or false.`,
      `${FILE}:12:7: monitoring.falco: found 1; expected true or false.`,
    ]);
  });

  it('refuses a rescan schedule with a field out of range, or one that never fires', () => {
    const schedule = (rescanSchedule: string) =>
      parseStackFile(FILE, stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer({ scan: { rescanSchedule } }) } })).errors.map(formatFieldError);
    assert.deepEqual(schedule('99 * * * *'), [
      `${FILE}:11:7: scan.rescanSchedule: "99 * * * *" is not a schedule cron can run: minute "99" is outside 0-59; for every 6 hours write "0 */6 * * *".`,
    ]);
    assert.deepEqual(schedule('0 0 30 2 *'), [
      `${FILE}:11:7: scan.rescanSchedule: "0 0 30 2 *" is not a schedule cron can run: it never fires (no such date); for every 6 hours write "0 */6 * * *".`,
    ]);
  });
});
