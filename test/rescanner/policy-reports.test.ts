/**
 * The rescanner reads Kyverno's PolicyReports and names, per workload, what the customer's
 * policies refuse or would refuse once enforcing (`scb_admission_would_refuse`), with the same
 * judgement as `scb flip-check` (src/admission/would-refuse.ts): `fail` and `error` count, other
 * customers' policies and passes do not. Against the local API-server stand-in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wouldBeRefused, type PolicyReport } from '../../src/admission/would-refuse';
import { SCB_METRICS } from '../../src/monitoring/metrics';
import { rescannerRules } from '../../src/monitoring/rescanner-rbac';
import { KubernetesApiError, KubernetesClient } from '../../src/kubernetes/client';
import { runRescan } from '../../src/rescanner/rescan';
import { parsedCustomer } from '../support/monitoring-customer';
import { clusterPods, replayPlan } from './cluster';
import { parseExposition, ReplayScanner, startFakeApi } from './support';

const NOW = new Date('2026-12-01T12:00:00Z');

/** One report per resource, as Kyverno 1.11+ writes them. */
function report(namespace: string, kind: string, name: string, results: { policy: string; rule?: string; result: string; message?: string }[]): PolicyReport {
  return { kind: 'PolicyReport', metadata: { namespace, name: `${kind}-${name}` }, scope: { kind, namespace, name }, results };
}

const REPORTS = [
  report('production-eu', 'Deployment', 'api', [
    { policy: 'scb-acme-verify-signature-audit', rule: 'scb-acme-verify-signature-audit', result: 'fail', message: 'rule 1 (signature): images must be signed by …' },
    { policy: 'scb-acme-verify-images-audit', rule: 'scb-acme-verify-images-audit', result: 'error', message: 'failed to fetch: UNAUTHORIZED' },
    { policy: 'scb-acme-allowed-images-audit', result: 'pass' },
  ]),
  report('production-eu', 'Pod', 'api-7d9f-x2', [
    { policy: 'scb-acme-verify-signature-audit', rule: 'scb-acme-verify-signature-audit', result: 'fail', message: 'rule 1 (signature): a' },
    { policy: 'scb-acme-verify-signature-audit', rule: 'scb-acme-verify-signature-audit', result: 'fail', message: 'rule 1 (signature): b' },
  ]),
  // Not ours: another customer whose name shares the prefix, and another team's policy.
  report('production-eu', 'Deployment', 'billing', [{ policy: 'scb-acme-eu-verify-images-audit', result: 'fail' }, { policy: 'team-b-require-labels', result: 'fail' }]),
  report('production-us', 'CronJob', 'report', [{ policy: 'scb-acme-verify-images-audit', result: 'pass' }]),
];

async function rescanAgainst(api: { url: string }, policyReports = true) {
  return runRescan({
    customer: 'acme',
    cluster: 'prod-eu-1',
    kubernetes: new KubernetesClient({ apiServer: api.url }),
    scanner: new ReplayScanner(replayPlan),
    pageLimit: 500,
    backoffMs: 0,
    maxScanErrorRatio: 1,
    now: () => NOW,
    policyReports,
  });
}

const wouldRefuse = (exposition: string) => parseExposition(exposition).filter((series) => series.name === SCB_METRICS.admissionWouldRefuse);
const reportsRead = (exposition: string) => parseExposition(exposition).find((series) => series.name === SCB_METRICS.admissionReportsRead)?.value;

describe('rescanner: workloads the policies would refuse, from the PolicyReports', () => {
  it('given reports with fail, error and pass results, when a run completes, then each refused workload of this customer is a series, counted per result', async () => {
    const api = await startFakeApi({ pods: clusterPods(), reports: { policyreports: REPORTS, clusterpolicyreports: [] } });
    try {
      const result = await rescanAgainst(api);
      assert.equal(result.outcome, 'success');
      const series = wouldRefuse(result.exposition).map((s) => [s.labels.namespace, s.labels.kind, s.labels.workload, s.labels.policy, s.labels.result, s.value]);
      assert.deepEqual(series.sort(), [
        ['production-eu', 'Deployment', 'api', 'scb-acme-verify-images-audit', 'error', 1],
        ['production-eu', 'Deployment', 'api', 'scb-acme-verify-signature-audit', 'fail', 1],
        ['production-eu', 'Pod', 'api-7d9f-x2', 'scb-acme-verify-signature-audit', 'fail', 2],
      ]);
      assert.ok(wouldRefuse(result.exposition).every((s) => s.labels.cluster === 'prod-eu-1' && s.labels.customer === 'acme'));
      assert.equal(reportsRead(result.exposition), 1);
      // The same judgement as scb flip-check: its rows, by workload, are what the series count.
      const rows = wouldBeRefused(REPORTS, 'acme').refused;
      assert.equal(rows.length, wouldRefuse(result.exposition).reduce((sum, s) => sum + s.value, 0));
    } finally {
      await api.close();
    }
  });

  it('given more reports than one page, when listing, then every page is read', async () => {
    const many = Array.from({ length: 7 }, (_, index) => report('production-eu', 'Deployment', `svc-${index}`, [{ policy: 'scb-acme-allowed-images-audit', result: 'fail' }]));
    const api = await startFakeApi({ pods: [], reports: { policyreports: many, clusterpolicyreports: [] } });
    try {
      const reports = await new KubernetesClient({ apiServer: api.url }).listPolicyReports(3);
      assert.equal(reports.length, 7);
      assert.equal(api.requests.filter((r) => r.path.startsWith('/apis/wgpolicyk8s.io/v1alpha2/policyreports')).length, 3);
    } finally {
      await api.close();
    }
  });

  it('given Kyverno writing openreports.io Reports only, when a run completes, then they are read instead', async () => {
    const api = await startFakeApi({ pods: clusterPods(), reports: { reports: REPORTS.slice(0, 1), clusterreports: [] } });
    try {
      const result = await rescanAgainst(api);
      assert.equal(wouldRefuse(result.exposition).length, 2);
      assert.equal(reportsRead(result.exposition), 1);
    } finally {
      await api.close();
    }
  });

  it('given a ClusterRole without the report kinds (403), when a run completes, then it still succeeds and says the reports were not read', async () => {
    const api = await startFakeApi({ pods: clusterPods(), reports: { policyreports: REPORTS }, reportsStatus: 403 });
    try {
      await assert.rejects(new KubernetesClient({ apiServer: api.url }).listPolicyReports(), (err: unknown) => err instanceof KubernetesApiError && err.status === 403);
      const result = await rescanAgainst(api);
      assert.equal(result.outcome, 'success');
      assert.deepEqual(wouldRefuse(result.exposition), []);
      assert.equal(reportsRead(result.exposition), 0);
    } finally {
      await api.close();
    }
  });

  it('given policyReports off, when a run completes, then no report is requested and no admission series is written', async () => {
    const api = await startFakeApi({ pods: clusterPods(), reports: { policyreports: REPORTS, clusterpolicyreports: [] } });
    try {
      const result = await rescanAgainst(api, false);
      assert.equal(api.requests.filter((r) => r.path.startsWith('/apis/')).length, 0);
      assert.equal(reportsRead(result.exposition), undefined);
    } finally {
      await api.close();
    }
  });

  it("the bundle's ClusterRole lets the rescanner list both report APIs, and nothing more of them", () => {
    const rules = rescannerRules(parsedCustomer({}));
    assert.deepEqual(
      rules.filter((rule) => rule.apiGroups?.some((group) => group.endsWith('.io'))),
      [
        { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports', 'clusterpolicyreports'], verbs: ['list'] },
        { apiGroups: ['openreports.io'], resources: ['reports', 'clusterreports'], verbs: ['list'] },
      ],
    );
  });
});
