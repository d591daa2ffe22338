/**
 * One rescanner run: inventory → credentials → scan each digest once → metrics → push.
 *
 * Exit codes (also in {@link RESCAN_EXIT}):
 * - 0 `success`: pods listed, metrics pushed, and the failed scans are at most
 *   `maxScanErrorRatio` of the unique images (and at least one scan succeeded when there was
 *   anything to scan). A few unpullable images (a deleted private tag) then do not fail the
 *   CronJob every run; they stay visible as `scb_image_scan_errors`.
 * - 3 `scan-errors`: metrics pushed, but too many scans failed (Trivy server down, broken
 *   credentials). The run is not a success, so `scb_rescan_last_success_timestamp_seconds`
 *   keeps its previous value.
 * - 1 `list-failed`: pods could not be listed. The group is NOT replaced (that would drop the
 *   last good data and resolve alerts); only `scb_rescan_last_run_timestamp_seconds` and
 *   `scb_rescan_duration_seconds` are updated with a POST.
 * - 4 `push-failed`: the Pushgateway did not take the metrics.
 */
import { allowlistedDigests, reviewAllowlist } from './allowlist';
import type { RescannerAllowlistEntry } from './config';
import { credentialsFor, registryOf, type RegistryCredentials } from './credentials';
import { InventoryBuilder, type Inventory, type InventoryImage } from './inventory';
import type { DockerConfig, KubernetesClient } from './kubernetes-client';
import { KubernetesApiError } from './kubernetes-client';
import { silentLogger, type RescanLogger } from './logger';
import { renderExposition, type MetricFamily, type Sample } from './metrics';
import { pushGroup, readGroupGauge, type GroupingKey } from './pushgateway';
import { scanAll, type ImageScanner, type ScanOutcome, type ScanTarget } from './scanner';
import { SEVERITIES, summarizeReport, type Finding, type Severity } from './trivy-report';
import { SCB_METRICS } from '../monitoring/metrics';

export const RESCAN_EXIT = { success: 0, 'list-failed': 1, 'scan-errors': 3, 'push-failed': 4 } as const;
export type RescanOutcome = keyof typeof RESCAN_EXIT;

const DAY_SECONDS = 86_400;

export interface RescanOptions {
  /** `customer` label and grouping key. */
  readonly customer: string;
  /** `cluster` label and grouping key. */
  readonly cluster: string;
  /** Kubernetes API access (in-cluster or an explicit base URL). */
  readonly kubernetes: KubernetesClient;
  /** Scans one image; {@link TrivyScanner} in production, a stand-in in tests and benchmarks. */
  readonly scanner: ImageScanner;
  /** Pushgateway base URL; undefined = do not push (dry run: the body is in the result). @default undefined */
  readonly pushgateway?: string;
  /** Days after its build that a running image counts as stale. @default 30 */
  readonly maxImageAgeDays?: number;
  /** Allowlist entries. @default [] */
  readonly allowlist?: readonly RescannerAllowlistEntry[];
  /** Scans in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Milliseconds one scan attempt may take. @default 300000 */
  readonly scanTimeoutMs?: number;
  /** Extra attempts after a failed scan. @default 2 */
  readonly scanRetries?: number;
  /** Delay before the first retry, doubling after. @default 2000 */
  readonly backoffMs?: number;
  /** Pods per list page. @default 500 */
  readonly pageLimit?: number;
  /** Restarts of the listing after 410 Gone. @default 3 */
  readonly maxRelists?: number;
  /** Fraction of images whose scan may fail in a successful run. @default 0.1 */
  readonly maxScanErrorRatio?: number;
  /** Clock (review dates, image age, timestamps). @default () => new Date() */
  readonly now?: () => Date;
  /** Event sink. @default silentLogger */
  readonly logger?: RescanLogger;
  /** Injectable sleep for retry backoff. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the run found for one digest. */
export interface ImageResult {
  readonly digest: string;
  readonly image: string;
  readonly ref: string;
  readonly workloads: InventoryImage['workloads'];
  readonly allowlisted: boolean;
  readonly usedCredentials: boolean;
  /** Undefined when the scan succeeded. */
  readonly scanError?: string;
  /** Present only for a successful scan. */
  readonly counts?: Readonly<Record<Severity, number>>;
  readonly findings?: readonly Finding[];
  /** Seconds since the epoch; undefined when unknown or the scan failed. */
  readonly buildTimeSeconds?: number;
  /** Undefined when the build time is unknown. */
  readonly stale?: boolean;
}

export interface RescanResult {
  readonly outcome: RescanOutcome;
  readonly exitCode: number;
  readonly podsListed: number;
  readonly pages: number;
  readonly relists: number;
  readonly images: readonly ImageResult[];
  readonly imagesScanned: number;
  readonly scanErrors: number;
  /** The exposition body built (pushed unless dry run or listing failed). */
  readonly exposition: string;
  readonly pushed: boolean;
  readonly durationSeconds: number;
  /** Listing or push failure. */
  readonly error?: string;
}

/** Credentials for each image from its pods' pull secrets; each secret is read once. */
async function resolveCredentials(
  images: readonly InventoryImage[],
  kubernetes: KubernetesClient,
  log: RescanLogger,
): Promise<Map<string, RegistryCredentials>> {
  const secrets = new Map<string, Promise<DockerConfig | undefined>>();
  const out = new Map<string, RegistryCredentials>();
  for (const image of images) {
    const registry = registryOf(image.image);
    for (const ref of image.pullSecrets) {
      const key = `${ref.namespace}/${ref.name}`;
      let pending = secrets.get(key);
      if (!pending) {
        pending = kubernetes.getDockerConfig(ref.namespace, ref.name).catch((err: unknown) => {
          // Missing RBAC or a deleted secret: scan anonymously rather than not at all.
          log('warn', 'pull_secret_unreadable', {
            namespace: ref.namespace,
            secret: ref.name,
            status: err instanceof KubernetesApiError ? err.status : undefined,
            error: err instanceof KubernetesApiError ? undefined : (err as Error).message,
          });
          return undefined;
        });
        secrets.set(key, pending);
      }
      const config = await pending;
      const creds = config && credentialsFor(config, registry);
      if (creds) {
        out.set(image.digest, creds);
        break;
      }
    }
  }
  return out;
}

// The names come from the monitoring bundle's one list, which the alerts and dashboards read:
// renaming a metric there renames what is pushed, and a key removed there fails to compile here.
const IMAGE_FAMILIES = {
  vulnerabilities: SCB_METRICS.imageVulnerabilities,
  vulnerabilityInfo: SCB_METRICS.imageVulnerabilityInfo,
  buildTimestamp: SCB_METRICS.imageBuildTimestamp,
  stale: SCB_METRICS.imageStale,
  workloads: SCB_METRICS.imageWorkloads,
  allowlisted: SCB_METRICS.imageAllowlisted,
  reviewDue: SCB_METRICS.allowlistReviewDue,
  reviewOverdue: SCB_METRICS.allowlistReviewOverdue,
  scanErrors: SCB_METRICS.imageScanErrors,
} as const;

const RUN_FAMILIES = {
  lastSuccess: SCB_METRICS.rescanLastSuccess,
  lastRun: SCB_METRICS.rescanLastRun,
  scanErrorsTotal: SCB_METRICS.rescanScanErrors,
  imagesScanned: SCB_METRICS.rescanImagesScanned,
  duration: SCB_METRICS.rescanDuration,
  podsListed: SCB_METRICS.rescanPodsListed,
} as const;

/** Every metric name the rescanner emits (dashboards and alert rules are written against these). */
export const RESCAN_METRIC_NAMES: readonly string[] = [...Object.values(IMAGE_FAMILIES), ...Object.values(RUN_FAMILIES)];

interface RunHealth {
  readonly lastSuccessSeconds?: number;
  readonly lastRunSeconds: number;
  readonly scanErrors: number;
  readonly imagesScanned: number;
  readonly durationSeconds: number;
  readonly podsListed: number;
}

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: 'gauge', samples };
}

/** Builds all families for a completed listing. Pure: same input, same body. */
export function buildMetricFamilies(
  key: GroupingKey,
  images: readonly ImageResult[],
  allowlist: readonly RescannerAllowlistEntry[],
  now: Date,
  health: RunHealth,
): MetricFamily[] {
  const base = { cluster: key.cluster, customer: key.customer };
  const vulns: Sample[] = [];
  const info: Sample[] = [];
  const built: Sample[] = [];
  const stale: Sample[] = [];
  const workloads: Sample[] = [];
  const allowlisted: Sample[] = [];
  const scanErrors: Sample[] = [];
  for (const img of images) {
    const id = { ...base, image: img.image, digest: img.digest };
    allowlisted.push({ labels: id, value: img.allowlisted ? 1 : 0 });
    scanErrors.push({ labels: id, value: img.scanError !== undefined ? 1 : 0 });
    for (const w of img.workloads) {
      workloads.push({ labels: { ...id, namespace: w.namespace, workload: w.workload, container: w.container }, value: 1 });
    }
    // A failed scan says nothing about vulnerabilities: no series rather than zeros.
    if (img.scanError !== undefined || !img.counts) continue;
    for (const severity of SEVERITIES) vulns.push({ labels: { ...id, severity }, value: img.counts[severity] });
    for (const f of img.findings ?? []) {
      info.push({ labels: { ...id, vulnerability_id: f.id, severity: f.severity, package: f.package, fixed: f.fixed }, value: 1 });
    }
    if (img.buildTimeSeconds !== undefined) built.push({ labels: id, value: img.buildTimeSeconds });
    if (img.stale !== undefined) stale.push({ labels: { ...id, allowlisted: img.allowlisted ? 'true' : 'false' }, value: img.stale ? 1 : 0 });
  }
  // Two entries for the same image and owner would be one series; keep the earlier due date.
  const reviews = new Map<string, ReturnType<typeof reviewAllowlist>[number]>();
  for (const r of reviewAllowlist(allowlist, now)) {
    const k = `${r.image}\u0000${r.owner}`;
    const prev = reviews.get(k);
    if (!prev || r.dueSeconds < prev.dueSeconds) reviews.set(k, r);
  }
  const due: Sample[] = [];
  const overdue: Sample[] = [];
  for (const r of reviews.values()) {
    const labels = { ...base, image: r.image, owner: r.owner };
    due.push({ labels, value: r.dueSeconds });
    overdue.push({ labels, value: r.overdue ? 1 : 0 });
  }
  return [
    gauge(IMAGE_FAMILIES.vulnerabilities, 'Vulnerabilities in a running image digest by severity (absent when the scan failed).', vulns),
    gauge(IMAGE_FAMILIES.vulnerabilityInfo, 'One series per HIGH or CRITICAL vulnerability in a running image digest.', info),
    gauge(IMAGE_FAMILIES.buildTimestamp, 'Build time of a running image (Metadata.ImageConfig.created); absent when unknown.', built),
    gauge(IMAGE_FAMILIES.stale, '1 when a running image was not rebuilt within maxImageAgeDays; absent when the build time is unknown or the scan failed.', stale),
    gauge(IMAGE_FAMILIES.workloads, 'Namespace, workload and container running an image digest.', workloads),
    gauge(IMAGE_FAMILIES.allowlisted, '1 when a running image digest is on the allowlist.', allowlisted),
    gauge(IMAGE_FAMILIES.reviewDue, 'When the allowlist entry is next due for review (seconds since epoch).', due),
    gauge(IMAGE_FAMILIES.reviewOverdue, '1 when the allowlist entry is past its review date.', overdue),
    gauge(IMAGE_FAMILIES.scanErrors, '1 when the scan of a running image digest failed this run.', scanErrors),
    ...runHealthFamilies(base, health),
  ];
}

function runHealthFamilies(base: Record<string, string>, h: RunHealth): MetricFamily[] {
  return [
    gauge(RUN_FAMILIES.lastSuccess, 'Time of the last successful rescan run.', h.lastSuccessSeconds !== undefined ? [{ labels: base, value: h.lastSuccessSeconds }] : []),
    gauge(RUN_FAMILIES.lastRun, 'Time of the last rescan run, successful or not.', [{ labels: base, value: h.lastRunSeconds }]),
    gauge(RUN_FAMILIES.scanErrorsTotal, 'Images whose scan failed in the last run.', [{ labels: base, value: h.scanErrors }]),
    gauge(RUN_FAMILIES.imagesScanned, 'Unique image digests scanned successfully in the last run.', [{ labels: base, value: h.imagesScanned }]),
    gauge(RUN_FAMILIES.duration, 'Duration of the last rescan run.', [{ labels: base, value: h.durationSeconds }]),
    gauge(RUN_FAMILIES.podsListed, 'Pods listed in the last run.', [{ labels: base, value: h.podsListed }]),
  ];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one rescan. Never throws for listing, scanning or pushing failures: see the outcome. */
export async function runRescan(options: RescanOptions): Promise<RescanResult> {
  const clock = options.now ?? (() => new Date());
  const log = options.logger ?? silentLogger;
  const started = clock();
  const startedMs = Date.now();
  const key: GroupingKey = { cluster: options.cluster, customer: options.customer };
  const elapsed = (): number => (Date.now() - startedMs) / 1000;
  log('info', 'rescan_started', { cluster: key.cluster, customer: key.customer });

  // 1. Inventory.
  let builder = new InventoryBuilder();
  let inventory: Inventory;
  let pages = 0;
  let relists = 0;
  try {
    const listed = await options.kubernetes.listPods({
      limit: options.pageLimit ?? 500,
      maxRelists: options.maxRelists ?? 3,
      onStart: (attempt) => {
        if (attempt > 0) log('warn', 'pod_list_restarted', { attempt, reason: 'continue token expired (410 Gone)' });
        builder = new InventoryBuilder();
      },
      onPage: (page) => builder.addPage(page),
    });
    pages = listed.pages;
    relists = listed.relists;
    inventory = builder.build();
  } catch (err) {
    const error = errorMessage(err);
    log('error', 'pod_list_failed', { error });
    const body = renderExposition(
      runHealthFamilies({ cluster: key.cluster, customer: key.customer }, {
        lastRunSeconds: Math.floor(started.getTime() / 1000),
        scanErrors: 0,
        imagesScanned: 0,
        durationSeconds: elapsed(),
        podsListed: 0,
      }).filter((f) => f.name === RUN_FAMILIES.lastRun || f.name === RUN_FAMILIES.duration),
    );
    let pushed = false;
    if (options.pushgateway) {
      try {
        await pushGroup(options.pushgateway, key, body, { method: 'POST' });
        pushed = true;
      } catch (pushErr) {
        log('error', 'push_failed', { error: errorMessage(pushErr) });
      }
    }
    return {
      outcome: 'list-failed', exitCode: RESCAN_EXIT['list-failed'], podsListed: 0, pages, relists, images: [],
      imagesScanned: 0, scanErrors: 0, exposition: body, pushed, durationSeconds: elapsed(), error,
    };
  }
  log('info', 'pods_listed', { pods: inventory.podsListed, pages, relists, images: inventory.images.length, containersWithoutDigest: inventory.containersWithoutDigest });

  // 2. Credentials and scans (each digest once).
  const credentials = await resolveCredentials(inventory.images, options.kubernetes, log);
  const targets: ScanTarget[] = inventory.images.map((img) => {
    const c = credentials.get(img.digest);
    return { key: img.digest, ref: img.ref, ...(c ? { credentials: c } : {}) };
  });
  const outcomes = await scanAll(options.scanner, targets, {
    concurrency: options.concurrency ?? 4,
    timeoutMs: options.scanTimeoutMs ?? 300_000,
    retries: options.scanRetries ?? 2,
    backoffMs: options.backoffMs ?? 2_000,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    onAttemptFailed: (t, attempt, error) => log('warn', 'scan_attempt_failed', { ref: t.ref, attempt, error }),
  });

  // 3. Per-image facts.
  const now = clock();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const maxAgeSeconds = (options.maxImageAgeDays ?? 30) * DAY_SECONDS;
  const allowlist = options.allowlist ?? [];
  const allowed = allowlistedDigests(allowlist);
  const images: ImageResult[] = inventory.images.map((img) => {
    const outcome: ScanOutcome = outcomes.get(img.digest) ?? { ok: false, error: 'not scanned', attempts: 0 };
    const common = {
      digest: img.digest, image: img.image, ref: img.ref, workloads: img.workloads,
      allowlisted: allowed.has(img.digest), usedCredentials: credentials.has(img.digest),
    };
    if (!outcome.ok) {
      log('error', 'scan_failed', { ref: img.ref, attempts: outcome.attempts, error: outcome.error });
      return { ...common, scanError: outcome.error };
    }
    const summary = summarizeReport(outcome.report);
    const result: ImageResult = {
      ...common,
      counts: summary.counts,
      findings: summary.findings,
      ...(summary.buildTimeSeconds !== undefined
        ? { buildTimeSeconds: summary.buildTimeSeconds, stale: nowSeconds - summary.buildTimeSeconds > maxAgeSeconds }
        : {}),
    };
    log('info', 'image_scanned', { ref: img.ref, attempts: outcome.attempts, ...summary.counts, buildTimeKnown: summary.buildTimeSeconds !== undefined });
    return result;
  });
  const scanErrors = images.filter((i) => i.scanError !== undefined).length;
  const imagesScanned = images.length - scanErrors;
  const ratio = options.maxScanErrorRatio ?? 0.1;
  const scansOk = images.length === 0 || (imagesScanned > 0 && scanErrors <= ratio * images.length);

  // 4. Metrics. A run that is not a success re-pushes the previous last-success time, since
  // PUT replaces the group and would otherwise erase it.
  let lastSuccessSeconds: number | undefined = scansOk ? nowSeconds : undefined;
  if (!scansOk && options.pushgateway) {
    try {
      lastSuccessSeconds = await readGroupGauge(options.pushgateway, key, RUN_FAMILIES.lastSuccess);
    } catch (err) {
      log('warn', 'previous_last_success_unreadable', { error: errorMessage(err) });
    }
  }
  const durationSeconds = elapsed();
  const exposition = renderExposition(
    buildMetricFamilies(key, images, allowlist, now, {
      ...(lastSuccessSeconds !== undefined ? { lastSuccessSeconds } : {}),
      lastRunSeconds: Math.floor(started.getTime() / 1000),
      scanErrors,
      imagesScanned,
      durationSeconds,
      podsListed: inventory.podsListed,
    }),
  );

  // 5. Push.
  let pushed = false;
  let error: string | undefined;
  if (options.pushgateway) {
    try {
      await pushGroup(options.pushgateway, key, exposition, { method: 'PUT' });
      pushed = true;
    } catch (err) {
      error = errorMessage(err);
      log('error', 'push_failed', { error });
    }
  }
  const outcome: RescanOutcome = options.pushgateway && !pushed ? 'push-failed' : scansOk ? 'success' : 'scan-errors';
  log(outcome === 'success' ? 'info' : 'error', 'rescan_finished', { outcome, pods: inventory.podsListed, images: images.length, imagesScanned, scanErrors, pushed, durationSeconds });
  return {
    outcome, exitCode: RESCAN_EXIT[outcome], podsListed: inventory.podsListed, pages, relists, images, imagesScanned, scanErrors,
    exposition, pushed, durationSeconds, ...(error !== undefined ? { error } : {}),
  };
}
