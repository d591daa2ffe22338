import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as k8s from '@pulumi/kubernetes';
import { bundleGroups } from '../../src/pulumi/bundle-groups';
import { dashboardUids, isAdmissionFile, policyNames, type ManifestFile } from '../../src/pulumi/bundle-manifests';
import { createNamespaces, withoutNamespaces } from '../../src/pulumi/namespaces';
import { runWithMocks } from '../support/pulumi-mocks';

/*
 * The monitoring area's files (Trivy server, rescanner, dashboards) arrive through renderBundle
 * in another branch; these synthetic files stand in for them to pin the ordering and outputs.
 */
const policies: ManifestFile = {
  fileName: 'admission-policies.yaml',
  objects: [
    { apiVersion: 'policies.kyverno.io/v1', kind: 'ImageValidatingPolicy', metadata: { name: 'scb-x-signed-images' } },
    { apiVersion: 'policies.kyverno.io/v1', kind: 'PolicyException', metadata: { name: 'allow-redis', namespace: 'supply-chain-exceptions' } },
  ],
};
const monitoring: ManifestFile = {
  fileName: 'monitoring.yaml',
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'supply-chain-monitoring', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'trivy-server', namespace: 'supply-chain-monitoring' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dashboard', namespace: 'supply-chain-monitoring', labels: { grafana_dashboard: '1' } },
      data: { 'supply-chain.json': JSON.stringify({ uid: 'scb-x-supply-chain', title: 'x' }), 'notes.txt': 'not json' },
    },
  ],
};

describe('bundle groups', () => {
  it('applies monitoring files after the admission files, one group per file, Namespaces created up front', async () => {
    const { resources } = await runWithMocks('x', {}, [], () => {
      const provider = new k8s.Provider('cluster', {});
      const namespaces = createNamespaces({ provider, required: ['kyverno'], manifests: [policies, monitoring] });
      const kyverno = new k8s.helm.v3.Release('kyverno', { chart: 'kyverno' }, { provider, dependsOn: namespaces });
      bundleGroups({ provider, manifests: withoutNamespaces([policies, monitoring]), namespaces, kyverno });
    });
    const namespaces = resources.filter((resource) => resource.type === 'kubernetes:core/v1:Namespace');
    assert.deepEqual(namespaces.map((namespace) => namespace.inputs.metadata.name).sort(), ['kyverno', 'supply-chain-exceptions', 'supply-chain-monitoring']);
    const monitoringNamespace = namespaces.find((namespace) => namespace.name === 'namespace-supply-chain-monitoring')!;
    assert.deepEqual(monitoringNamespace.inputs.metadata, monitoring.objects[0].metadata, 'a bundle Namespace is created exactly as synthesized');
    const admission = resources.find((resource) => resource.name === 'bundle-admission-policies')!;
    const workloads = resources.find((resource) => resource.name === 'bundle-monitoring')!;
    assert.ok(workloads.dependencies.includes(admission.urn), 'monitoring waits for the policies');
    assert.ok(!workloads.inputs.objs.some((object: { kind: string }) => object.kind === 'Namespace'), 'Namespaces are not applied twice');
    assert.equal(workloads.inputs.objs.length, 2);
  });

  it('tells admission files from the rest, and reads policy names and dashboard uids', () => {
    assert.equal(isAdmissionFile(policies), true);
    assert.equal(isAdmissionFile(monitoring), false);
    assert.deepEqual(policyNames([policies, monitoring]), ['scb-x-signed-images']);
    assert.deepEqual(dashboardUids([policies, monitoring]), ['scb-x-supply-chain']);
    assert.deepEqual(dashboardUids([policies]), []);
  });
});
