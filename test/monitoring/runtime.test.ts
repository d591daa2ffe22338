import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { COMPROMISED_TRIVY_VERSIONS } from '../../src/workflow/pins';
import { maxCronIntervalSeconds } from '../../src/model/cron-schedule';
import { MONITORING_IMAGES } from '../../src/monitoring/images';
import { pushgatewayEgress } from '../../src/monitoring/network-policy';
import { rescannerConfig } from '../../src/monitoring/rescanner-config';
import { parseRescannerConfig, requireComplete } from '../../src/rescanner/config';
import { TrivyServer } from '../../src/monitoring/trivy-server';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { parsedCustomer } from '../support/monitoring-customer';
import { requireTool } from '../support/tools';
import { makeTempDir, synthToTree } from '../support/synth-helper';

/** Synthesizes one customer and returns its Kubernetes documents, by file. */
function kubernetesOf(overrides: Record<string, unknown> = {}): Record<string, any[]> {
  const tree = synthToTree(writeStackFiles({ example: validCustomer(overrides) }));
  const documents: Record<string, any[]> = {};
  for (const [path, content] of Object.entries(tree)) {
    const match = /^example\/kubernetes\/(.+)$/.exec(path);
    if (match) documents[match[1]] = parseAllDocuments(content).map((document) => document.toJS());
  }
  return documents;
}

function podSpecs(documents: Record<string, any[]>): { owner: string; spec: any }[] {
  return Object.values(documents)
    .flat()
    .flatMap((object) => {
      if (object.kind === 'CronJob') return [{ owner: object.metadata.name, spec: object.spec.jobTemplate.spec.template.spec }];
      if (object.kind === 'Deployment') return [{ owner: object.metadata.name, spec: object.spec.template.spec }];
      return [];
    });
}

const DIGEST_PINNED = /^[^@\s]+@sha256:[a-f0-9]{64}$/;

describe('monitoring runtime', () => {
  const documents = kubernetesOf();

  it('writes one file per concept', () => {
    assert.deepEqual(
      Object.keys(documents).filter((file) => file !== 'admission-policies.yaml' && file !== 'kustomization.yaml'),
      ['monitoring-alerts.yaml', 'monitoring-dashboards.yaml', 'monitoring-namespace.yaml', 'monitoring-network-policies.yaml', 'rescanner-rbac.yaml', 'rescanner.yaml', 'trivy-server.yaml'],
    );
  });

  it('labels the namespace to enforce Pod Security "restricted"', () => {
    const [namespace] = documents['monitoring-namespace.yaml'];
    assert.equal(namespace.metadata.name, 'supply-chain-monitoring');
    assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(namespace.metadata.namespace, undefined, 'a Namespace is cluster-scoped');
  });

  it('runs every pod under the "restricted" profile with a writable /tmp only', () => {
    const pods = podSpecs(documents);
    assert.deepEqual(pods.map((pod) => pod.owner).sort(), ['scb-rescanner', 'trivy-server']);
    for (const { owner, spec } of pods) {
      assert.equal(spec.securityContext.runAsNonRoot, true, owner);
      assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault', owner);
      for (const container of spec.containers) {
        const context = container.securityContext;
        assert.equal(context.allowPrivilegeEscalation, false, owner);
        assert.equal(context.readOnlyRootFilesystem, true, owner);
        assert.deepEqual(context.capabilities.drop, ['ALL'], owner);
        assert.equal(context.capabilities.add, undefined, owner);
        assert.match(container.image, DIGEST_PINNED, owner);
        const tmp = container.volumeMounts.find((mount: any) => mount.mountPath === '/tmp');
        assert.ok(spec.volumes.find((volume: any) => volume.name === tmp.name).emptyDir, `${owner}: /tmp is an emptyDir`);
      }
    }
  });

  it('never puts a secret value in the output: the Trivy token comes from a Secret reference', () => {
    const all = Object.values(documents).flat();
    assert.equal(all.some((object) => object.kind === 'Secret'), false);
    for (const { owner, spec } of podSpecs(documents)) {
      const token = spec.containers[0].env.find((variable: any) => variable.name === 'TRIVY_TOKEN');
      if (token) {
        // The Trivy server reads its token from the environment, filled from the Secret.
        assert.deepEqual(token.valueFrom, { secretKeyRef: { name: 'trivy-server-token', key: 'token' } }, owner);
        assert.equal(token.value, undefined, owner);
      } else {
        // The rescanner reads it from the mounted Secret file that its config points at.
        const volume = spec.volumes.find((entry: any) => entry.secret);
        assert.equal(volume.secret.secretName, 'trivy-server-token', owner);
        assert.ok(spec.containers[0].volumeMounts.some((mount: any) => mount.name === volume.name && mount.readOnly), owner);
      }
    }
  });

  it('schedules the rescanner from scan.rescanSchedule, without overlap, reading its mounted config', () => {
    const [configMap, cronJob] = documents['rescanner.yaml'];
    assert.equal(cronJob.spec.schedule, '0 */6 * * *');
    assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    assert.equal(cronJob.spec.startingDeadlineSeconds, 1800);
    assert.equal(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds, 7200);
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    assert.deepEqual(pod.containers[0].args, ['rescan', '--config', '/etc/scb/rescanner.json']);
    assert.ok(pod.containers[0].volumeMounts.some((mount: any) => mount.mountPath === '/etc/scb' && mount.readOnly));
    assert.deepEqual(JSON.parse(configMap.data['rescanner.json']), {
      customer: 'example',
      cluster: 'example',
      maxImageAgeDays: 30,
      acceptedRisks: [],
      allowlist: [],
      trivyServer: 'http://trivy-server.supply-chain-monitoring.svc:4954',
      trivyTokenFile: '/var/run/secrets/scb/trivy/token',
      pushgateway: 'http://prometheus-pushgateway.monitoring.svc:9091',
      concurrency: 4,
      productionNamespaces: '^(?:production-.*)$',
      signingIdentity: {
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main',
        trigger: 'push',
        repository: 'example-org/shop',
      },
      signatureFormat: 'sigstore-bundle',
      policyReports: true,
    });
    // The very parser `scb rescan` runs accepts what the ConfigMap holds.
    assert.doesNotThrow(() => requireComplete(parseRescannerConfig(JSON.parse(configMap.data['rescanner.json']))));
    assert.equal(cronJob.metadata.annotations['supply-chain-bundle.io/image-digest-placeholder'], 'true');
  });

  it('builds the rescanner config from the model, allowlist and cluster included', () => {
    const customer = parsedCustomer({
      monitoring: { cluster: 'prod-eu-1', concurrency: 2 },
      allowlist: [{ image: `docker.io/library/redis@sha256:${'b'.repeat(64)}`, reason: 'vendor', owner: 'sre', lastReviewed: '2026-09-01' }],
    });
    const config = rescannerConfig(customer, { trivyServerUrl: 'http://trivy:4954', trivyTokenFile: '/run/token' });
    assert.equal(config.cluster, 'prod-eu-1');
    assert.equal(config.concurrency, 2);
    assert.deepEqual(config.allowlist, [
      { image: `docker.io/library/redis@sha256:${'b'.repeat(64)}`, owner: 'sre', reason: 'vendor', lastReviewed: '2026-09-01', reviewIntervalDays: 90 },
    ]);
  });

  it('uses a customer rescanner image override as given, without the placeholder mark', () => {
    const image = `registry.example.com/mirror/rescanner@sha256:${'c'.repeat(64)}`;
    const [, cronJob] = kubernetesOf({ monitoring: { rescannerImage: image } })['rescanner.yaml'];
    assert.equal(cronJob.spec.jobTemplate.spec.template.spec.containers[0].image, image);
    assert.equal(cronJob.metadata.annotations, undefined);
  });

  it("lets the rescanner list pods and Kyverno's reports, and read Secrets only by the names the customer lists", () => {
    const [, role] = documents['rescanner-rbac.yaml'];
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports', 'clusterpolicyreports'], verbs: ['list'] },
      { apiGroups: ['openreports.io'], resources: ['reports', 'clusterreports'], verbs: ['list'] },
    ]);
    const [serviceAccount, withSecrets, binding] = kubernetesOf({ monitoring: { pullSecrets: ['ghcr-pull'] } })['rescanner-rbac.yaml'];
    assert.deepEqual(withSecrets.rules[3], { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['ghcr-pull'] });
    assert.equal(withSecrets.metadata.namespace, undefined, 'a ClusterRole has no namespace');
    assert.equal(serviceAccount.metadata.namespace, 'supply-chain-monitoring');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'scb-rescanner', namespace: 'supply-chain-monitoring' }]);
  });

  it('limits rescanner egress to DNS, Trivy, the Pushgateway and HTTPS, and Trivy ingress to the rescanner', () => {
    const [rescanner, trivy] = documents['monitoring-network-policies.yaml'];
    assert.deepEqual(rescanner.spec.ingress, []);
    assert.deepEqual(
      rescanner.spec.egress.map((rule: any) => rule.ports.map((port: any) => `${port.protocol}/${port.port}`).join(',')),
      ['UDP/53,TCP/53', 'TCP/4954', 'TCP/9091', 'TCP/443,TCP/6443'],
    );
    assert.deepEqual(rescanner.spec.egress[2].to, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    assert.deepEqual(trivy.spec.ingress[0].from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'scb-rescanner' } } }]);
    const external = pushgatewayEgress('https://push.example.com');
    assert.deepEqual(external.to, [{ ipBlock: { cidr: '0.0.0.0/0' } }], 'an external host is only reachable by IP');
    assert.equal(external.ports?.[0].port?.value, 443);
    // Without NodeLocal DNSCache, DNS goes to kube-dns pods only.
    assert.deepEqual(rescanner.spec.egress[0].to.map((peer: any) => Object.keys(peer).sort().join('+')), ['namespaceSelector+podSelector']);
  });

  it('gives the rescanner the registry identity the customer file names: IRSA, GKE Workload Identity, Azure workload identity, or a Secret of its own', () => {
    const configOf = (docs: Record<string, any[]>) => JSON.parse(docs['rescanner.yaml'].find((d: any) => d.kind === 'ConfigMap').data['rescanner.json']);
    const cronOf = (docs: Record<string, any[]>) => docs['rescanner.yaml'].find((d: any) => d.kind === 'CronJob').spec.jobTemplate.spec.template;
    const saOf = (docs: Record<string, any[]>) => docs['rescanner-rbac.yaml'].find((d: any) => d.kind === 'ServiceAccount');

    const aws = kubernetesOf({ monitoring: { registryIdentity: { aws: { roleArn: 'arn:aws:iam::123456789012:role/scb-rescanner' } } } });
    assert.deepEqual(saOf(aws).metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/scb-rescanner' });
    assert.equal(configOf(aws).workloadIdentity, 'aws');
    assert.equal(configOf(aws).registryCredentialsFile, undefined);

    const gcp = kubernetesOf({ monitoring: { registryIdentity: { gcp: { serviceAccount: 'scb-rescanner@acme-prod.iam.gserviceaccount.com' } } } });
    assert.deepEqual(saOf(gcp).metadata.annotations, { 'iam.gke.io/gcp-service-account': 'scb-rescanner@acme-prod.iam.gserviceaccount.com' });
    assert.equal(configOf(gcp).workloadIdentity, 'gcp');
    const [rescannerPolicy] = gcp['monitoring-network-policies.yaml'];
    assert.deepEqual(rescannerPolicy.spec.egress.at(-1).to, [{ ipBlock: { cidr: '169.254.169.254/32' } }], 'the GKE metadata server hands out the tokens');

    const azure = kubernetesOf({ monitoring: { registryIdentity: { azure: { clientId: '0f5e2c1a-9a4b-4c7d-8e6f-1a2b3c4d5e6f' } } } });
    assert.deepEqual(saOf(azure).metadata.annotations, { 'azure.workload.identity/client-id': '0f5e2c1a-9a4b-4c7d-8e6f-1a2b3c4d5e6f' });
    assert.equal(cronOf(azure).metadata.labels['azure.workload.identity/use'], 'true');

    const secret = kubernetesOf({ monitoring: { registryIdentity: { secret: { name: 'rescanner-registry' } } } });
    assert.equal(saOf(secret).metadata.annotations, undefined);
    assert.equal(configOf(secret).registryCredentialsFile, '/var/run/secrets/scb/registry/config.json');
    const pod = cronOf(secret).spec;
    assert.deepEqual(pod.volumes.find((v: any) => v.name === 'registry-credentials').secret, {
      secretName: 'rescanner-registry', items: [{ key: '.dockerconfigjson', path: 'config.json' }], defaultMode: 0o440,
    });
    assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.name === 'registry-credentials' && m.mountPath === '/var/run/secrets/scb/registry' && m.readOnly));
    // The config the ConfigMap holds is accepted by the very parser the rescanner runs.
    for (const docs of [aws, gcp, azure, secret]) assert.doesNotThrow(() => requireComplete(parseRescannerConfig(configOf(docs))));
    // Without one: no annotation, no extra volume.
    assert.equal(saOf(documents).metadata.annotations, undefined);
  });

  it('routes the critical alerts to PagerDuty or a webhook through an AlertmanagerConfig when asked, the key in a Secret, the alerts labelled with its namespace', async () => {
    const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;
    const { AlertmanagerConfig } = await importEsm('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1');
    const routed = kubernetesOf({ monitoring: { alertRouting: { receiver: 'pagerduty', secretName: 'pagerduty' } } });
    const [config] = routed['monitoring-alert-routing.yaml'];
    assert.doesNotThrow(() => new AlertmanagerConfig(config).validate());
    assert.equal(config.metadata.namespace, 'supply-chain-monitoring');
    assert.deepEqual(config.spec.route.matchers, [
      { name: 'customer', value: 'example', matchType: '=' },
      { name: 'severity', value: 'critical', matchType: '=' },
    ]);
    assert.deepEqual(config.spec.receivers[0].pagerdutyConfigs[0].routingKey, { name: 'pagerduty', key: 'routing-key' });
    // prometheus-operator adds namespace="supply-chain-monitoring" to the route: every alert carries it.
    const rules = routed['monitoring-alerts.yaml'][0].spec.groups[0].rules;
    assert.ok(rules.every((rule: any) => rule.labels.namespace === 'supply-chain-monitoring'));
    const webhook = kubernetesOf({ monitoring: { alertRouting: { receiver: 'webhook', secretName: 'oncall', secretKey: 'endpoint' } } });
    assert.deepEqual(webhook['monitoring-alert-routing.yaml'][0].spec.receivers[0].webhookConfigs[0].urlSecret, { name: 'oncall', key: 'endpoint' });
    // Not asked: no route, no namespace label on the alerts.
    assert.equal(documents['monitoring-alert-routing.yaml'], undefined);
    assert.ok(documents['monitoring-alerts.yaml'][0].spec.groups[0].rules.every((rule: any) => rule.labels.namespace === undefined));
  });

  it('allows DNS to the NodeLocal DNSCache address when the customer file names it, for the rescanner and the Trivy server', () => {
    const [rescanner, trivy] = kubernetesOf({ monitoring: { nodeLocalDns: '169.254.20.10' } })['monitoring-network-policies.yaml'];
    for (const policy of [rescanner, trivy]) {
      const dns = policy.spec.egress[0];
      assert.deepEqual(dns.ports.map((port: any) => `${port.protocol}/${port.port}`), ['UDP/53', 'TCP/53']);
      assert.deepEqual(dns.to[1], { ipBlock: { cidr: '169.254.20.10/32' } });
      assert.deepEqual(dns.to[0].podSelector, { matchLabels: { 'k8s-app': 'kube-dns' } }, 'kube-dns stays reachable (NodeLocal DNSCache forwards to it, and it serves during a cache restart)');
    }
  });

  it('runs a Trivy server outside the compromised releases, and refuses one inside them', () => {
    assert.equal(COMPROMISED_TRIVY_VERSIONS.includes(`v${MONITORING_IMAGES.trivy.tag}`), false);
    const [, deployment] = documents['trivy-server.yaml'];
    assert.match(deployment.spec.template.spec.containers[0].image, /^docker\.io\/aquasec\/trivy:0\.69\.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c$/);
    assert.deepEqual(deployment.spec.strategy, { type: 'Recreate' }, 'a ReadWriteOnce DB volume cannot be shared during a rollout');
    for (const tag of ['0.69.4', '0.69.5', '0.69.6']) {
      assert.throws(() => new TrivyServer(new Chart(Testing.app(), 'c'), 't', { image: { ...MONITORING_IMAGES.trivy, tag } }), /known-compromised/);
    }
  });

  it('computes the longest gap of a cron schedule', () => {
    assert.equal(maxCronIntervalSeconds('0 */6 * * *'), 6 * 3600);
    assert.equal(maxCronIntervalSeconds('*/15 * * * *'), 900);
    assert.equal(maxCronIntervalSeconds('0 9,17 * * *'), 16 * 3600);
    assert.equal(maxCronIntervalSeconds('0 2 * * 1-5'), 3 * 86400, 'Friday to Monday');
    assert.equal(maxCronIntervalSeconds('0 0 1 * *'), 31 * 86400);
  });
});

/** The Kyverno CLI built by test/conformance/install-tools.sh; found via $KYVERNO, the tools cache or PATH. */

const PODS = ['good', 'bad']
  .map(
    (name) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: production-a}
spec:
  containers:
    - name: app
      image: ghcr.io/example-org/shop@sha256:${'a'.repeat(64)}
      securityContext: {readOnlyRootFilesystem: ${name === 'good'}}
`,
  )
  .join('---\n');

describe('drift controls', () => {
  it('add no read-only-root policy and no Falco alert unless asked', () => {
    const documents = kubernetesOf();
    assert.equal('drift-policies.yaml' in documents, false);
    assert.equal(JSON.stringify(documents['monitoring-alerts.yaml']).includes('falco_events'), false);
    assert.ok(JSON.stringify(kubernetesOf({ monitoring: { falco: true } })['monitoring-alerts.yaml']).includes('falco_events'));
  });

  for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy'] as const) {
    it(`require readOnlyRootFilesystem in production namespaces (${engine}, checked by the Kyverno CLI)`, () => {
      const [policy] = kubernetesOf({ admission: { engine }, monitoring: { requireReadOnlyRootFilesystem: true } })['drift-policies.yaml'];
      assert.equal(policy.kind, engine === 'ImageValidatingPolicy' ? 'ValidatingPolicy' : 'ClusterPolicy');
      const kyverno = requireTool('kyverno');
      const dir = makeTempDir('scb-drift-');
      writeFileSync(join(dir, 'policy.yaml'), stringify(policy));
      writeFileSync(join(dir, 'pods.yaml'), PODS);
      const result = spawnSync(kyverno, ['apply', 'policy.yaml', '--resource', 'pods.yaml'], { cwd: dir, encoding: 'utf8' });
      const output = `${result.stdout}${result.stderr}`;
      assert.match(output, /resource production-a\/Pod\/bad failed/, output);
      assert.doesNotMatch(output, /Pod\/good failed/, output);
      assert.match(output, /pass: 1, fail: 1,/, output);
    });
  }
});
