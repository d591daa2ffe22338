import { PART_OF_LABELS, customerObjectName } from '../contract';
import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { MonitoredCustomer } from './rescanner-config';
import type { EnforcementState } from '../model/enforcement';
import { twinName } from '../admission/flip-gate';
import { increaseByPolicyAndResult, kyvernoResultSources, type KyvernoResultSource, type ResultFilter } from './kyverno-results';
import { KYVERNO_METRICS, SCB_METRICS } from './metrics';
import { namespaceRegex } from './promql';
import { clusterName } from './rescanner-config';

/** Grafana's sidecar loads ConfigMaps with this label (one dashboard per ConfigMap). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
/** The folder annotation; it works only when the deployer enabled the sidecar's `folderAnnotation`. */
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';
export const GRAFANA_FOLDER = 'Supply chain';

/** Template variables every query may use; the test substitutes them before parsing. */
export const DASHBOARD_VARIABLES = { datasource: 'datasource', cluster: 'cluster', customer: 'customer' } as const;

/** A dashboard uid that is stable across runs, unique per customer and at most 40 characters (Grafana's limit). */
export function dashboardUid(customer: string, name: string): string {
  const readable = customerObjectName(customer, name);
  if (readable.length <= 40) return readable;
  const hash = createHash('sha256').update(`${customer}/${name}`).digest('hex').slice(0, 12);
  return `${readable.slice(0, 27)}-${hash}`;
}

const DATASOURCE: { type: string; uid: string } = { type: 'prometheus', uid: `\${${DASHBOARD_VARIABLES.datasource}}` };
/** scb_* series of the selected cluster(s) and customer. */
const SCB = `cluster=~"$${DASHBOARD_VARIABLES.cluster}", customer="$${DASHBOARD_VARIABLES.customer}"`;

function query(expr: string, legend: string, refId = 'A', options: { instant?: boolean; table?: boolean } = {}) {
  const builder = new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).refId(refId);
  if (options.instant) builder.instant();
  if (options.table) builder.format(prometheus.PromQueryFormat.Table);
  return builder;
}

function variables(customer: MonitoredCustomer): cog.Builder<dashboard.VariableModel>[] {
  return [
    new dashboard.DatasourceVariableBuilder(DASHBOARD_VARIABLES.datasource).label('Data source').type('prometheus'),
    new dashboard.ConstantVariableBuilder(DASHBOARD_VARIABLES.customer).value(customer.name),
    new dashboard.QueryVariableBuilder(DASHBOARD_VARIABLES.cluster)
      .label('Cluster')
      .datasource(DATASOURCE)
      .query(`label_values(${SCB_METRICS.rescanLastRun}{customer="$${DASHBOARD_VARIABLES.customer}"}, cluster)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: clusterName(customer), value: clusterName(customer) }),
  ];
}

function base(customer: MonitoredCustomer, name: string, title: string, description: string) {
  return new dashboard.DashboardBuilder(`${title} (${customer.name})`)
    .uid(dashboardUid(customer.name, name))
    .description(description)
    .tags(['supply-chain-bundle', customer.name])
    .editable()
    .time({ from: 'now-7d', to: 'now' })
    .refresh('5m')
    .timezone('utc')
    .variables(variables(customer));
}

/**
 * Share of the containers running in the production namespaces whose digest passed `verified`
 * (1), per cluster; 0 when none did and absent while the rescanner verified nothing.
 */
export function coverage(customer: MonitoredCustomer, verified: string): string {
  const running = `${SCB_METRICS.imageWorkloads}{${SCB}, namespace=~"${namespaceRegex(customer.admission.namespaces)}"}`;
  return `(
  count by (cluster) (${running} and on (cluster, customer, image, digest) (${verified}{${SCB}} == 1))
  or
  0 * count by (cluster) (${running})
)
/
count by (cluster) (${running})`;
}

/** Admission: signature coverage, denials, flip readiness and the health of the rescanner. */
export function admissionDashboard(customer: MonitoredCustomer, enforcement: EnforcementState): dashboard.Dashboard {
  const namespaces = `resource_namespace=~"${namespaceRegex(customer.admission.namespaces)}"`;
  // Kyverno's series carry no customer or cluster label; the customer's policies are found by their exact names.
  const { signature, verify, allowed } = kyvernoResultSources(customer, enforcement);
  /** Results per `result` of the given policies, summed over them; `vector(0)` when no policy can match the filter. */
  const results = (sources: readonly KyvernoResultSource[], filter: ResultFilter, window: string, by = 'result') => {
    const union = increaseByPolicyAndResult(sources, filter, window);
    return union === undefined ? 'vector(0)' : `sum by (${by}) (\n${union}\n)`;
  };
  return base(customer, 'admission', 'Supply chain: admission', `Image verification and admission for ${customer.name}; policies enforce from ${enforcement.flipDate}.`)
    .withRow(new dashboard.RowBuilder('Signature coverage'))
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Signature coverage of running production containers')
        .description(
          "Share of the containers running in the production namespaces whose image digest the rescanner verified against the customer's signing identity (scb_image_signature_verified), per cluster. Computed from what runs, not from admission events: background rescans, UPDATEs and pods without customer images do not count.",
        )
        .unit('percentunit')
        .min(0)
        .max(1)
        .span(6)
        .height(6)
        .withTarget(query(coverage(customer, SCB_METRICS.imageSignatureVerified), '{{cluster}}', 'A', { instant: true })),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Image policies: pass, fail and error')
        .description(
          `Results per evaluation of ${signature.title} (rule 1, signature: label check="signature"), ${verify.title} (rules 2-3) and ${allowed.title} (rule 4), both twins; an error (e.g. no registry credentials) refuses like a failure once enforcing.`,
        )
        .unit('short')
        .span(18)
        .height(6)
        .withTarget(query(results([signature, verify, allowed], { resultRegex: 'pass|fail|error' }, '$__rate_interval', 'policy_name, check, result'), '{{policy_name}} {{check}} {{result}}')),
    )
    .withRow(new dashboard.RowBuilder('Admission'))
    .withPanel(
      new timeseries.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Denied admission requests (production namespaces)')
        .description('kyverno_admission_requests_total with request_allowed="false"; the metric names no policy, so any Kyverno policy can be the cause.')
        .unit('short')
        .span(12)
        .height(8)
        .withTarget(query(`sum by (resource_namespace) (increase(${KYVERNO_METRICS.admissionRequests}{request_allowed="false", ${namespaces}}[$__rate_interval]))`, '{{resource_namespace}}')),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title(`Flip readiness: images that would be refused from ${enforcement.flipDate}`)
        .description(
          `Failures and errors of the never-blocking report twins ${[...new Set([signature, verify, allowed].map((source) => twinName(source.policy, 'report')))].join(', ')} (active until the flip) over the last 24 hours, admission and background scans. Zero before the flip date means the flip blocks nothing that ran yesterday; the cluster enforces by itself from that date.`,
        )
        .unit('short')
        .span(12)
        .height(8)
        .withTarget(query(`sum(${results([signature, verify, allowed], { resultRegex: 'fail|error', mode: 'audit' }, '24h')}) or vector(0)`, 'would be refused', 'A', { instant: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Workloads the policies refuse or would refuse (PolicyReports)')
        .description(
          "Per workload in the production namespaces, the fail and error results of the customer's policies in Kyverno's PolicyReports, as the rescanner read them on its last run (scb_admission_would_refuse; the judgement of scb flip-check). Before the flip: what the flip would refuse; after it: running workloads a reschedule would be refused for.",
        )
        .span(24)
        .height(8)
        .withTarget(
          query(
            `max by (cluster, namespace, kind, workload, policy, result) (${SCB_METRICS.admissionWouldRefuse}{${SCB}, namespace=~"${namespaceRegex(customer.admission.namespaces)}"})`,
            '',
            'A',
            { instant: true, table: true },
          ),
        ),
    )
    .withRow(new dashboard.RowBuilder('Rescanner health'))
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Since last successful rescan')
        .unit('s')
        .span(6)
        .height(6)
        .withTarget(query(`time() - max by (cluster) (${SCB_METRICS.rescanLastSuccess}{${SCB}})`, '{{cluster}}', 'A', { instant: true })),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Rescan runs')
        .description('Digests scanned, pods listed and scan errors of the last run, as pushed.')
        .unit('short')
        .span(12)
        .height(6)
        .withTarget(query(`max by (cluster) (${SCB_METRICS.rescanImagesScanned}{${SCB}})`, 'images scanned {{cluster}}', 'A'))
        .withTarget(query(`max by (cluster) (${SCB_METRICS.rescanPodsListed}{${SCB}})`, 'pods listed {{cluster}}', 'B'))
        .withTarget(query(`max by (cluster) (${SCB_METRICS.rescanScanErrors}{${SCB}})`, 'scan errors {{cluster}}', 'C')),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Trivy vulnerability DB age')
        .description(`Time since the Trivy server's DB was updated (its /version UpdatedAt); alerts above ${customer.monitoring.trivyDbMaxAgeHours}h.`)
        .unit('s')
        .span(6)
        .height(6)
        .withTarget(query(`time() - max by (cluster) (${SCB_METRICS.trivyDbUpdated}{${SCB}})`, '{{cluster}}', 'A', { instant: true })),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Trivy server up (last run)')
        .unit('bool_yes_no')
        .span(6)
        .height(6)
        .withTarget(query(`max by (cluster) (${SCB_METRICS.trivyServerUp}{${SCB}})`, '{{cluster}}', 'A', { instant: true })),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Last rescan duration')
        .unit('s')
        .span(6)
        .height(6)
        .withTarget(query(`max by (cluster) (${SCB_METRICS.rescanDuration}{${SCB}})`, '{{cluster}}', 'A', { instant: true })),
    )
    .build();
}

/** Vulnerabilities and freshness of what runs: CVEs by severity and image, stale images, allowlist reviews. */
export function vulnerabilityDashboard(customer: MonitoredCustomer): dashboard.Dashboard {
  return base(customer, 'vulnerabilities', 'Supply chain: running images', `Vulnerabilities and age of the images running in ${customer.name}'s clusters, from the rescanner.`)
    .withRow(new dashboard.RowBuilder('Vulnerabilities'))
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Vulnerabilities across the estate, by severity')
        .description('Summed over distinct running digests (one scan per digest).')
        .unit('short')
        .span(24)
        .height(5)
        .withTarget(query(`sum by (severity) (${SCB_METRICS.imageVulnerabilities}{${SCB}})`, '{{severity}}', 'A', { instant: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Top vulnerable running images (CRITICAL + HIGH)')
        .span(12)
        .height(9)
        .withTarget(query(`topk(10, sum by (image, digest) (${SCB_METRICS.imageVulnerabilities}{${SCB}, severity=~"CRITICAL|HIGH"}))`, '', 'A', { instant: true, table: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Vulnerabilities per image and severity')
        .span(12)
        .height(9)
        .withTarget(query(`sum by (image, severity) (${SCB_METRICS.imageVulnerabilities}{${SCB}})`, '', 'A', { instant: true, table: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('HIGH and CRITICAL findings in running images')
        .span(24)
        .height(9)
        .withTarget(
          query(
            `max by (image, digest, vulnerability_id, severity, package, fixed) (${SCB_METRICS.imageVulnerabilityInfo}{${SCB}})\nand on (image, digest)\n${SCB_METRICS.imageWorkloads}{${SCB}}`,
            '',
            'A',
            { instant: true, table: true },
          ),
        ),
    )
    .withRow(new dashboard.RowBuilder('Freshness'))
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title(`Stale images (older than ${customer.staleness.maxImageAgeDays} days)`)
        .description('scb_image_stale == 1; the allowlisted column says whether the digest is intentionally pinned.')
        .span(12)
        .height(8)
        .withTarget(query(`max by (image, digest, allowlisted) (${SCB_METRICS.imageStale}{${SCB}}) == 1`, '', 'A', { instant: true, table: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Allowlist reviews due')
        .unit('dateTimeAsIso')
        .span(12)
        .height(8)
        .withTarget(query(`max by (image, owner) (${SCB_METRICS.allowlistReviewDue}{${SCB}}) * 1000`, '', 'A', { instant: true, table: true })),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Allowlist entries overdue for review')
        .unit('short')
        .span(6)
        .height(5)
        .withTarget(query(`sum(${SCB_METRICS.allowlistReviewOverdue}{${SCB}}) or vector(0)`, 'overdue', 'A', { instant: true })),
    )
    .withPanel(
      new stat.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Digests with scan errors')
        .unit('short')
        .span(6)
        .height(5)
        .withTarget(query(`count(${SCB_METRICS.imageScanErrors}{${SCB}} > 0) or vector(0)`, 'errors', 'A', { instant: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Digests failing to scan: runs in a row, reason, age of the findings kept')
        .description('A failed scan keeps the last known findings; this shows how many runs in a row failed, why, and how old the kept findings are (seconds).')
        .span(12)
        .height(8)
        .withTarget(query(`max by (image, digest, reason, credentials) (${SCB_METRICS.imageScanFailure}{${SCB}})\n* on (image, digest) group_left\nmax by (image, digest) (${SCB_METRICS.imageScanConsecutiveFailures}{${SCB}})`, '', 'A', { instant: true, table: true }))
        .withTarget(query(`time() - max by (image, digest) (${SCB_METRICS.imageLastScan}{${SCB}})`, '', 'B', { instant: true, table: true })),
    )
    .withPanel(
      new table.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Images whose build time is unknown (age counted from first seen)')
        .span(12)
        .height(8)
        .withTarget(query(`max by (image, digest) (${SCB_METRICS.imageBuildTimeSource}{${SCB}, source="first_seen"})`, '', 'A', { instant: true, table: true })),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .datasource(DATASOURCE)
        .title('Running workloads per image')
        .unit('short')
        .span(12)
        .height(5)
        .withTarget(query(`count by (image) (${SCB_METRICS.imageWorkloads}{${SCB}})`, '{{image}}')),
    )
    .build();
}

/** Every dashboard of a customer, keyed by the short name used in its uid and ConfigMap. */
export function customerDashboards(customer: MonitoredCustomer, enforcement: EnforcementState): Record<string, dashboard.Dashboard> {
  return { admission: admissionDashboard(customer, enforcement), vulnerabilities: vulnerabilityDashboard(customer) };
}

export interface SupplyChainDashboardsProps {
  /** The customer the dashboards default to (uid, customer variable, thresholds in titles). */
  readonly customer: MonitoredCustomer;
  /** The enforcement state; the flip-readiness panel names the flip date. */
  readonly enforcement: EnforcementState;
}

/** One ConfigMap per dashboard, labelled for the Grafana sidecar and annotated with its folder. */
export class SupplyChainDashboards extends Construct {
  /** uid and title of every dashboard, in the order of their ConfigMaps. */
  readonly dashboards: readonly { readonly uid: string; readonly title: string }[];

  constructor(scope: Construct, id: string, props: SupplyChainDashboardsProps) {
    super(scope, id);
    const dashboards: { uid: string; title: string }[] = [];
    this.dashboards = dashboards;
    for (const [name, model] of Object.entries(customerDashboards(props.customer, props.enforcement))) {
      dashboards.push({ uid: model.uid ?? '', title: model.title ?? name });
      new k8s.KubeConfigMap(this, name, {
        metadata: {
          name: `scb-dashboard-${name}`,
          labels: { ...GRAFANA_DASHBOARD_LABEL, ...PART_OF_LABELS },
          annotations: { [GRAFANA_FOLDER_ANNOTATION]: GRAFANA_FOLDER },
        },
        data: { [`${customerObjectName(props.customer.name, name)}.json`]: `${JSON.stringify(model, null, 2)}\n` },
      });
    }
  }
}
