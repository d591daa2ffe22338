import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as k8s from '@pulumi/kubernetes';
import type { ClusterArtifact } from '../../src/manifest';
import { bundleGroups } from '../../src/pulumi/bundle-groups';
import { createNamespaces, withoutNamespaces } from '../../src/pulumi/namespaces';
import { runWithMocks } from '../support/pulumi-mocks';

/*
 * Synthetic cluster artifacts, one per apply phase, pin the ordering: whatever the objects, the
 * declared phase decides what waits for what (nothing is guessed from API groups).
 */
const crds: ClusterArtifact = {
  path: 'kubernetes/crds.yaml',
  destination: 'cluster',
  phase: 'foundation',
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'supply-chain-monitoring', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } },
  ],
};
const policies: ClusterArtifact = {
  path: 'kubernetes/admission-policies.yaml',
  destination: 'cluster',
  phase: 'admission',
  objects: [
    { apiVersion: 'policies.kyverno.io/v1', kind: 'ImageValidatingPolicy', metadata: { name: 'scb-x-signed-images' } },
    { apiVersion: 'policies.kyverno.io/v1', kind: 'PolicyException', metadata: { name: 'allow-redis', namespace: 'supply-chain-exceptions' } },
  ],
};
const monitoring: ClusterArtifact = {
  path: 'kubernetes/monitoring.yaml',
  destination: 'cluster',
  phase: 'workloads',
  objects: [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'trivy-server', namespace: 'supply-chain-monitoring' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboard', namespace: 'supply-chain-monitoring' } },
  ],
};

describe('bundle groups', () => {
  it('given one artifact per phase, when applied, then each phase waits for the ones before it and Namespaces come first', async () => {
    const { resources } = await runWithMocks('x', {}, [], () => {
      const provider = new k8s.Provider('cluster', {});
      const artifacts = [monitoring, policies, crds];
      const namespaces = createNamespaces({ provider, required: ['kyverno'], artifacts });
      const kyverno = new k8s.helm.v3.Release('kyverno', { chart: 'kyverno' }, { provider, dependsOn: namespaces });
      bundleGroups({ provider, artifacts: withoutNamespaces(artifacts), namespaces, kyverno });
    });
    const namespaces = resources.filter((resource) => resource.type === 'kubernetes:core/v1:Namespace');
    assert.deepEqual(namespaces.map((namespace) => namespace.inputs.metadata.name).sort(), ['kyverno', 'supply-chain-exceptions', 'supply-chain-monitoring']);
    const monitoringNamespace = namespaces.find((namespace) => namespace.name === 'namespace-supply-chain-monitoring')!;
    assert.deepEqual(monitoringNamespace.inputs.metadata, crds.objects[0].metadata, 'a bundle Namespace is created exactly as synthesized');
    const kyverno = resources.find((resource) => resource.name === 'kyverno')!;
    const foundation = resources.find((resource) => resource.name === 'bundle-crds')!;
    const admission = resources.find((resource) => resource.name === 'bundle-admission-policies')!;
    const workloads = resources.find((resource) => resource.name === 'bundle-monitoring')!;
    for (const group of [foundation, admission, workloads]) {
      assert.ok(namespaces.every((namespace) => group.dependencies.includes(namespace.urn)), `${group.name} waits for the namespaces`);
    }
    assert.ok(!foundation.dependencies.includes(kyverno.urn), 'CRDs need no Kyverno');
    assert.ok(admission.dependencies.includes(kyverno.urn) && admission.dependencies.includes(foundation.urn), 'policies wait for Kyverno and the CRDs');
    assert.ok(workloads.dependencies.includes(admission.urn) && workloads.dependencies.includes(foundation.urn), 'workloads wait for the policies');
    assert.ok(!admission.dependencies.includes(workloads.urn));
    assert.ok(!foundation.inputs.objs.some((object: { kind: string }) => object.kind === 'Namespace'), 'Namespaces are not applied twice');
    assert.equal(workloads.inputs.objs.length, 2);
  });
});
