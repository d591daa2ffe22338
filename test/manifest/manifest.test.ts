import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { BUNDLE_FEATURES } from '../../src/features';
import { APPLY_PHASES, KUSTOMIZATION_PATH, renderManifest, type ClusterArtifact } from '../../src/manifest';
import { loadCustomers } from '../../src/model/load';
import { DRIFT_METRICS, SCB_METRICS } from '../../src/monitoring/metrics';
import { serialiseManifest } from '../../src/synth/bundle';
import { REPO_ROOT, TEMPLATES_DIR, TEMPLATE_CLOCK, exampleStackFiles, readTree } from '../support/synth-helper';

const customers = loadCustomers(exampleStackFiles(), REPO_ROOT);
const KYVERNO_GROUPS = /^(kyverno\.io|policies\.kyverno\.io)\//;

for (const customer of customers) {
  describe(`bundle manifest of ${customer.name}`, () => {
    const manifest = renderManifest(customer, TEMPLATE_CLOCK, BUNDLE_FEATURES);

    it('given the template clock, when serialised, then it is byte for byte what templates/ holds (but the Flux sync synth adds for the fleet)', () => {
      const tree = readTree(join(TEMPLATES_DIR, customer.name));
      delete tree['flux/sync.yaml'];
      assert.deepEqual(Object.fromEntries(serialiseManifest(manifest)), tree);
    });

    it('declares a destination for every artifact: cluster files under kubernetes/ with a phase, repository files with their path in the repository', () => {
      for (const artifact of manifest.artifacts) {
        if (artifact.destination === 'cluster') {
          assert.match(artifact.path, /^kubernetes\/[^/]+\.yaml$/);
          assert.ok(APPLY_PHASES.includes(artifact.phase), `${artifact.path} has an apply phase`);
        } else if (artifact.destination === 'customer-repository') {
          assert.equal(artifact.path, `github/${artifact.repositoryPath}`);
        }
      }
      const repository = manifest.artifacts.filter((artifact) => artifact.destination === 'customer-repository').map((artifact) => artifact.path).sort();
      assert.deepEqual(repository, [`github/.github/workflows/${customer.github.workflow}`, 'github/.github/workflows/deploy-gate.yml', 'github/.github/dependabot.yml'].sort());
    });

    it('records as facts exactly the policies and dashboards its cluster artifacts hold, and the metrics the rescanner emits', () => {
      const objects = manifest.artifacts.flatMap((artifact) => (artifact.destination === 'cluster' ? artifact.objects : []));
      const policies = objects.filter((object) => KYVERNO_GROUPS.test(object.apiVersion) && /Policy$/.test(object.kind));
      assert.deepEqual(
        manifest.facts.policies.map(({ name, kind, apiVersion }) => ({ name, kind, apiVersion })),
        policies.map(({ metadata, kind, apiVersion }) => ({ name: metadata.name, kind, apiVersion })).sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      const dashboards = objects
        .filter((object) => object.kind === 'ConfigMap' && object.metadata.labels?.grafana_dashboard === '1')
        .flatMap((object) => Object.values(object.data as Record<string, string>).map((json) => JSON.parse(json) as { uid: string; title: string }));
      assert.deepEqual(manifest.facts.dashboards, dashboards.map(({ uid, title }) => ({ uid, title })).sort((a, b) => (a.uid < b.uid ? -1 : 1)));
      // The SBOM drift agent's metrics only where the customer opted in (acme does).
      const drift = customer.monitoring.driftAgent ? Object.values(DRIFT_METRICS) : [];
      assert.deepEqual(manifest.facts.emittedMetrics, [...Object.values(SCB_METRICS), ...drift].sort());
      assert.equal(manifest.facts.engine, customer.admission.engine);
      assert.equal(manifest.facts.identity.workflowPath, `.github/workflows/${customer.github.workflow}`);
    });

    it('indexes the cluster artifacts for kubectl apply -k in phase order: namespaces, then policies, then workloads', () => {
      const kustomization = parse(readFileSync(join(TEMPLATES_DIR, customer.name, KUSTOMIZATION_PATH), 'utf8')) as { resources: string[]; sortOptions: { order: string } };
      assert.equal(kustomization.sortOptions.order, 'fifo');
      const phaseOf = new Map(
        manifest.artifacts.filter((artifact): artifact is ClusterArtifact => artifact.destination === 'cluster').map((artifact) => [artifact.path.slice('kubernetes/'.length), artifact.phase]),
      );
      assert.deepEqual([...kustomization.resources].sort(), [...phaseOf.keys()].sort(), 'every cluster artifact, nothing else');
      const phases = kustomization.resources.map((file) => APPLY_PHASES.indexOf(phaseOf.get(file)!));
      assert.deepEqual(phases, [...phases].sort((a, b) => a - b));
    });

    it('renders, through the real kubectl kustomize, Namespaces first and every Kyverno policy before the first workload', (context) => {
      const kubectl = spawnSync('kubectl', ['kustomize', join(TEMPLATES_DIR, customer.name, 'kubernetes')], { encoding: 'utf8' });
      if (kubectl.error) {
        context.skip('kubectl is not installed here; the kustomization order is checked structurally above');
        return;
      }
      assert.equal(kubectl.status, 0, kubectl.stderr);
      const kinds = parseAllDocuments(kubectl.stdout).map((document) => (document.toJS() as { kind: string; apiVersion: string }));
      assert.equal(kinds[0].kind, 'Namespace');
      const lastPolicy = kinds.map((object) => KYVERNO_GROUPS.test(object.apiVersion)).lastIndexOf(true);
      const firstWorkload = kinds.findIndex((object) => ['Deployment', 'CronJob', 'Service', 'PrometheusRule'].includes(object.kind));
      assert.ok(lastPolicy >= 0 && lastPolicy < firstWorkload, `policies (last at ${lastPolicy}) come before workloads (first at ${firstWorkload})`);
    });
  });
}
