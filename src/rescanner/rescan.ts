/**
 * One rescanner run: inventory → previous state → Trivy server health and DB age → credentials →
 * scan each digest once → signature/attestation checks → metrics → push.
 *
 * Telling the truth under faults:
 * - A digest whose scan fails keeps its last known findings, severity counts and build time,
 *   read back from the previous push (previous-state.ts), with `scb_image_last_scan_timestamp_seconds`
 *   saying how old they are, so a flaky registry or a Trivy outage never resolves an open page.
 * - `scb_image_scan_consecutive_failures` counts the runs in a row a digest failed; the alerts
 *   fire from two on (one failure is a blip, not a page). Runs during a Trivy server outage do
 *   not count against the digests: the outage has its own alert.
 * - A run that cannot read the previous push does not replace it (it would lose what it carries):
 *   it records only its attempt (POST) and exits 4.
 *
 * Exit codes (also in {@link RESCAN_EXIT}):
 * - 0 `success`: pods listed, metrics pushed, and the failed scans are at most
 *   `maxScanErrorRatio` of the unique images (and at least one scan succeeded when there was
 *   anything to scan). The failing digests stay visible per digest and alert on their own.
 * - 3 `scan-errors`: metrics pushed, but too many scans failed (Trivy server down, broken
 *   credentials). `scb_rescan_last_success_timestamp_seconds` keeps its previous value.
 * - 1 `list-failed`: pods could not be listed. The group is NOT replaced; only
 *   `scb_rescan_last_run_timestamp_seconds` and `scb_rescan_duration_seconds` are updated (POST).
 * - 4 `push-failed`: the Pushgateway did not take the metrics, or its previous group could not
 *   be read back.
 */
import { allowlistedDigests, allowlistedRepositories, reviewAllowlist } from './allowlist';
import { resolveBuildTime, type BuildTimeSource } from './build-time';
import type { RescannerAcceptedRisk, RescannerAllowlistEntry } from './config';
import { credentialsFor, registryOf, type RegistryCredentials } from './credentials';
import type { ImageVerification, ImageVerifier } from './image-verifier';
import { InventoryBuilder, type Inventory, type InventoryImage, type PodLike } from './inventory';
import type { DockerConfig, KubernetesClient } from '../kubernetes/client';
import { KubernetesApiError } from '../kubernetes/client';
import { silentLogger, type RescanLogger } from './logger';
import { renderExposition, toRegistry, type MetricFamily, type Sample } from './metrics';
import { EMPTY_STATE, previousStateFrom, type PreviousDigest, type PreviousState } from './previous-state';
import { pushGroup, readGroup, type GroupingKey } from './pushgateway';
import { classifyScanFailure, type CredentialSource, type ScanFailureReason } from './scan-failure';
import { scanAll, type ImageScanner, type ScanOutcome, type ScanTarget } from './scanner';
import { SEVERITIES, summarizeReport, type Finding, type Severity } from './trivy-report';
import type { ScannerServer, TrivyDbInfo } from './trivy-server';
import { SCB_METRICS } from '../monitoring/metrics';
import { wouldBeRefused, type RefusedWorkload } from '../admission/would-refuse';
import { riskAppliesTo, riskExpiresAt } from '../vulnerability-rule/rule';

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
  /** The scanner's server (health, DB age); undefined = not checked. @default undefined */
  readonly scannerServer?: ScannerServer;
  /** Verifies signatures and attestations of production digests; undefined = not checked. @default undefined */
  readonly verifier?: ImageVerifier;
  /** Namespaces whose digests are verified (anchored regex, from `admission.namespaces`). @default undefined (none) */
  readonly verifyNamespaces?: RegExp;
  /** Pushgateway base URL; undefined = do not push (dry run: the body is in the result). @default undefined */
  readonly pushgateway?: string;
  /** Registry credentials of the rescanner's own identity (a Secret in its namespace), by registry host. @default {} */
  readonly registryCredentials?: Readonly<Record<string, RegistryCredentials>>;
  /** Registry hosts (regex) the rescanner reaches with a cloud workload identity (IRSA, GKE, Azure). @default undefined */
  readonly workloadIdentityRegistries?: RegExp;
  /**
   * Read Kyverno's PolicyReports and export `scb_admission_would_refuse` per workload (the
   * judgement of `scb flip-check`), which the pre-flip alert reads to name the workloads.
   * @default false
   */
  readonly policyReports?: boolean;
  /** Days after its build that a running image counts as stale. @default 30 */
  readonly maxImageAgeDays?: number;
  /** Allowlist entries. @default [] */
  readonly allowlist?: readonly RescannerAllowlistEntry[];
  /** Accepted risks (CVE, owner, expiry); exported so the CVE alert can leave them out until they expire. @default [] */
  readonly acceptedRisks?: readonly RescannerAcceptedRisk[];
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

/** What the run found (or carried) for one digest. */
export interface ImageResult {
  readonly digest: string;
  readonly image: string;
  readonly ref: string;
  readonly workloads: InventoryImage['workloads'];
  readonly allowlisted: boolean;
  readonly usedCredentials: boolean;
  readonly credentialSource: CredentialSource;
  /** Undefined when the scan succeeded. */
  readonly scanError?: string;
  readonly failureReason?: ScanFailureReason;
  /** Runs in a row whose scan failed (0 after a success). */
  readonly consecutiveFailures: number;
  /** From this run's scan, or carried from the last successful one; undefined when never scanned. */
  readonly counts?: Readonly<Record<Severity, number>>;
  readonly findings?: readonly Finding[];
  /** When `counts`/`findings` were obtained. */
  readonly lastScanSeconds?: number;
  /** True when the findings are carried from an earlier run. */
  readonly carried: boolean;
  readonly firstSeenSeconds: number;
  /** Seconds since the epoch, and where it came from; undefined only when never scanned. */
  readonly buildTimeSeconds?: number;
  readonly buildTimeSource?: BuildTimeSource;
  /** Undefined when the build time is unknown. */
  readonly stale?: boolean;
  /** Undefined when not verified (not in a verified namespace, or no verifier). */
  readonly signatureVerified?: boolean;
  readonly attestationsVerified?: boolean;
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
  /** False when the Trivy server did not answer its health check (no scans were attempted). */
  readonly scannerHealthy: boolean;
  readonly trivyDb?: TrivyDbInfo;
  /** The exposition body built (pushed unless dry run or listing failed). */
  readonly exposition: string;
  readonly pushed: boolean;
  readonly durationSeconds: number;
  /** Listing, state or push failure. */
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
  buildTimeSource: SCB_METRICS.imageBuildTimeSource,
  stale: SCB_METRICS.imageStale,
  workloads: SCB_METRICS.imageWorkloads,
  allowlisted: SCB_METRICS.imageAllowlisted,
  reviewDue: SCB_METRICS.allowlistReviewDue,
  reviewOverdue: SCB_METRICS.allowlistReviewOverdue,
  scanErrors: SCB_METRICS.imageScanErrors,
  lastScan: SCB_METRICS.imageLastScan,
  consecutiveFailures: SCB_METRICS.imageScanConsecutiveFailures,
  scanFailure: SCB_METRICS.imageScanFailure,
  firstSeen: SCB_METRICS.imageFirstSeen,
  signatureVerified: SCB_METRICS.imageSignatureVerified,
  attestationsVerified: SCB_METRICS.imageAttestationsVerified,
  acceptedRiskExpiry: SCB_METRICS.acceptedRiskExpiry,
} as const;

const ADMISSION_FAMILIES = {
  wouldRefuse: SCB_METRICS.admissionWouldRefuse,
  reportsRead: SCB_METRICS.admissionReportsRead,
} as const;

const RUN_FAMILIES = {
  lastSuccess: SCB_METRICS.rescanLastSuccess,
  lastRun: SCB_METRICS.rescanLastRun,
  scanErrorsTotal: SCB_METRICS.rescanScanErrors,
  imagesScanned: SCB_METRICS.rescanImagesScanned,
  duration: SCB_METRICS.rescanDuration,
  podsListed: SCB_METRICS.rescanPodsListed,
  trivyDbUpdated: SCB_METRICS.trivyDbUpdated,
  trivyServerUp: SCB_METRICS.trivyServerUp,
} as const;

/** Every metric name the rescanner emits (dashboards and alert rules are written against these). */
export const RESCAN_METRIC_NAMES: readonly string[] = [...Object.values(IMAGE_FAMILIES), ...Object.values(ADMISSION_FAMILIES), ...Object.values(RUN_FAMILIES)];

interface RunHealth {
  readonly lastSuccessSeconds?: number;
  readonly lastRunSeconds: number;
  readonly scanErrors: number;
  readonly imagesScanned: number;
  readonly durationSeconds: number;
  readonly podsListed: number;
  /** Undefined when the server was not checked. */
  readonly scannerHealthy?: boolean;
  /** This run's reading, or the previous one when the server could not be asked. */
  readonly trivyDbUpdatedSeconds?: number;
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
  acceptedRisks: readonly RescannerAcceptedRisk[] = [],
  /** Undefined: reports not read this run (not asked to); `{ reading: undefined }`: they could not be read. */
  admission?: { readonly reading: AdmissionReading },
): MetricFamily[] {
  const base = { cluster: key.cluster, customer: key.customer };
  const f = {
    vulns: [] as Sample[], info: [] as Sample[], built: [] as Sample[], source: [] as Sample[], stale: [] as Sample[],
    workloads: [] as Sample[], allowlisted: [] as Sample[], scanErrors: [] as Sample[], lastScan: [] as Sample[],
    streak: [] as Sample[], failure: [] as Sample[], firstSeen: [] as Sample[], signature: [] as Sample[], attestations: [] as Sample[],
  };
  for (const img of images) {
    const id = { ...base, image: img.image, digest: img.digest };
    f.allowlisted.push({ labels: id, value: img.allowlisted ? 1 : 0 });
    f.scanErrors.push({ labels: id, value: img.scanError !== undefined ? 1 : 0 });
    f.streak.push({ labels: id, value: img.consecutiveFailures });
    f.firstSeen.push({ labels: id, value: img.firstSeenSeconds });
    if (img.failureReason !== undefined) f.failure.push({ labels: { ...id, reason: img.failureReason, credentials: img.credentialSource }, value: 1 });
    for (const w of img.workloads) {
      f.workloads.push({ labels: { ...id, namespace: w.namespace, workload: w.workload, container: w.container }, value: 1 });
    }
    if (img.signatureVerified !== undefined) f.signature.push({ labels: id, value: img.signatureVerified ? 1 : 0 });
    if (img.attestationsVerified !== undefined) f.attestations.push({ labels: id, value: img.attestationsVerified ? 1 : 0 });
    if (img.buildTimeSeconds !== undefined && img.buildTimeSource !== undefined) {
      f.built.push({ labels: id, value: img.buildTimeSeconds });
      f.source.push({ labels: { ...id, source: img.buildTimeSource }, value: 1 });
    }
    if (img.stale !== undefined) f.stale.push({ labels: { ...id, allowlisted: img.allowlisted ? 'true' : 'false' }, value: img.stale ? 1 : 0 });
    // Never scanned successfully: no findings rather than zeros.
    if (!img.counts) continue;
    if (img.lastScanSeconds !== undefined) f.lastScan.push({ labels: id, value: img.lastScanSeconds });
    for (const severity of SEVERITIES) f.vulns.push({ labels: { ...id, severity }, value: img.counts[severity] });
    for (const v of img.findings ?? []) {
      f.info.push({ labels: { ...id, vulnerability_id: v.id, severity: v.severity, package: v.package, fixed: v.fixed }, value: 1 });
    }
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
  // Accepted risks, resolved here per running digest and finding (the entry's image scope
  // applied), with the instant the acceptance lapses; Prometheus compares it with time() at
  // alert time, so an acceptance expires without a re-deploy or a rescan.
  const accepted = new Map<string, Sample>();
  for (const img of images) {
    for (const finding of img.findings ?? []) {
      for (const risk of acceptedRisks) {
        if (risk.cve !== finding.id || !riskAppliesTo(risk, img.ref)) continue;
        const expires = Date.parse(riskExpiresAt(risk)) / 1000;
        const labels = { ...base, image: img.image, digest: img.digest, vulnerability_id: risk.cve, owner: risk.owner };
        const k = JSON.stringify(labels);
        const prev = accepted.get(k);
        if (!prev || expires > prev.value) accepted.set(k, { labels, value: expires });
      }
    }
  }
  return [
    gauge(IMAGE_FAMILIES.vulnerabilities, 'Vulnerabilities in a running image digest by severity, from its last successful scan (absent when it never succeeded).', f.vulns),
    gauge(IMAGE_FAMILIES.vulnerabilityInfo, 'One series per HIGH or CRITICAL vulnerability in a running image digest, from its last successful scan.', f.info),
    gauge(IMAGE_FAMILIES.lastScan, 'When the findings exported for a running digest were obtained (its last successful scan).', f.lastScan),
    gauge(IMAGE_FAMILIES.buildTimestamp, 'Build time of a running image; see scb_image_build_time_source for where it came from.', f.built),
    gauge(IMAGE_FAMILIES.buildTimeSource, '1 per running digest: where its build time came from (first_seen means the age is unknown).', f.source),
    gauge(IMAGE_FAMILIES.stale, '1 when a running image was not rebuilt within maxImageAgeDays.', f.stale),
    gauge(IMAGE_FAMILIES.workloads, 'Namespace, workload and container running an image digest.', f.workloads),
    gauge(IMAGE_FAMILIES.allowlisted, '1 when a running image digest is on the allowlist.', f.allowlisted),
    gauge(IMAGE_FAMILIES.reviewDue, 'When the allowlist entry is next due for review (seconds since epoch).', due),
    gauge(IMAGE_FAMILIES.reviewOverdue, '1 when the allowlist entry is past its review date.', overdue),
    gauge(IMAGE_FAMILIES.acceptedRiskExpiry, 'A finding of a running digest covered by an accepted risk: when the acceptance lapses (seconds since epoch).', [...accepted.values()]),
    gauge(IMAGE_FAMILIES.scanErrors, '1 when the scan of a running image digest failed this run.', f.scanErrors),
    gauge(IMAGE_FAMILIES.consecutiveFailures, 'Runs in a row whose scan of a running digest failed (runs during a Trivy server outage do not count).', f.streak),
    gauge(IMAGE_FAMILIES.scanFailure, '1 while the scan of a running digest fails: why, and which credentials the rescanner had.', f.failure),
    gauge(IMAGE_FAMILIES.firstSeen, 'When the rescanner first saw a digest running.', f.firstSeen),
    gauge(IMAGE_FAMILIES.signatureVerified, '1 when the running digest is signed by the customer identity, 0 when not (production namespaces only).', f.signature),
    gauge(IMAGE_FAMILIES.attestationsVerified, '1 when the running digest carries the required attestations from the customer identity, 0 when not.', f.attestations),
    ...(admission ? admissionFamilies(base, admission.reading) : []),
    ...runHealthFamilies(base, health),
  ];
}

function runHealthFamilies(base: Record<string, string>, h: RunHealth): MetricFamily[] {
  const one = (value: number | undefined): Sample[] => (value !== undefined ? [{ labels: base, value }] : []);
  return [
    gauge(RUN_FAMILIES.lastSuccess, 'Time of the last successful rescan run.', one(h.lastSuccessSeconds)),
    gauge(RUN_FAMILIES.lastRun, 'Time of the last rescan run, successful or not.', one(h.lastRunSeconds)),
    gauge(RUN_FAMILIES.scanErrorsTotal, 'Images whose scan failed in the last run.', one(h.scanErrors)),
    gauge(RUN_FAMILIES.imagesScanned, 'Unique image digests scanned successfully in the last run.', one(h.imagesScanned)),
    gauge(RUN_FAMILIES.duration, 'Duration of the last rescan run.', one(h.durationSeconds)),
    gauge(RUN_FAMILIES.podsListed, 'Pods listed in the last run.', one(h.podsListed)),
    gauge(RUN_FAMILIES.trivyServerUp, '1 when the Trivy server answered its health check in the last run.', one(h.scannerHealthy === undefined ? undefined : h.scannerHealthy ? 1 : 0)),
    gauge(RUN_FAMILIES.trivyDbUpdated, "UpdatedAt of the Trivy server's vulnerability DB (the last reading when the server could not be asked).", one(h.trivyDbUpdatedSeconds)),
  ];
}

/**
 * What the run read from Kyverno's reports: the workloads the customer's policies would refuse
 * (`fail` or `error`, wouldBeRefused: the judgement `scb flip-check` applies), or undefined when
 * the reports could not be read.
 */
export type AdmissionReading = { readonly refused: readonly RefusedWorkload[] } | undefined;

/**
 * `scb_admission_would_refuse{namespace, kind, workload, policy, rule, result}`: the number of
 * report results (distinct messages) per workload; `scb_admission_reports_read` 1 when the
 * reports were read, 0 when not (the alert then falls back on Kyverno's own counters).
 */
export function admissionFamilies(base: Record<string, string>, reading: AdmissionReading): MetricFamily[] {
  const counts = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const row of reading?.refused ?? []) {
    const labels = { ...base, namespace: row.namespace, kind: row.kind, workload: row.name, policy: row.policy, rule: row.rule, result: row.result };
    const id = JSON.stringify(labels);
    const entry = counts.get(id) ?? { labels, value: 0 };
    entry.value += 1;
    counts.set(id, entry);
  }
  return [
    gauge(ADMISSION_FAMILIES.wouldRefuse, "Results (fail or error) of the customer's admission policies in Kyverno's PolicyReports per workload: what the policies refuse, or would refuse once enforcing.", [...counts.values()]),
    gauge(ADMISSION_FAMILIES.reportsRead, "1 when the last run read Kyverno's PolicyReports, 0 when it could not.", reading === undefined ? [{ labels: base, value: 0 }] : [{ labels: base, value: 1 }]),
  ];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Which credentials the run holds for the image's registry, and which (if any) it passes to Trivy. */
function credentialSourceFor(
  image: InventoryImage,
  fromPullSecrets: ReadonlyMap<string, RegistryCredentials>,
  options: RescanOptions,
): { source: CredentialSource; credentials?: RegistryCredentials } {
  const pulled = fromPullSecrets.get(image.digest);
  if (pulled) return { source: 'pull_secret', credentials: pulled };
  const registry = registryOf(image.image);
  const own = options.registryCredentials?.[registry];
  if (own) return { source: 'registry_secret', credentials: own };
  // Trivy's ECR, GCR/GAR and ACR keychains use the pod's cloud identity on their own.
  if (options.workloadIdentityRegistries?.test(registry)) return { source: 'workload_identity' };
  return { source: 'none' };
}

interface Verified {
  readonly verification?: ImageVerification;
}

/** Verifies every digest running in a verified namespace, `concurrency` at a time. */
async function verifyAll(
  verifier: ImageVerifier | undefined,
  images: readonly InventoryImage[],
  namespaces: RegExp | undefined,
  credentials: (image: InventoryImage) => RegistryCredentials | undefined,
  concurrency: number,
  timeoutMs: number,
  log: RescanLogger,
): Promise<Map<string, Verified>> {
  const out = new Map<string, Verified>();
  if (!verifier || !namespaces) return out;
  const todo = images.filter((img) => img.workloads.some((w) => namespaces.test(w.namespace)));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const img = todo[next++] as InventoryImage;
      try {
        const verification = await verifier.verify(img.ref, credentials(img), AbortSignal.timeout(timeoutMs));
        if (!verification.signature || !verification.attestations) log('warn', 'image_not_verified', { ref: img.ref, signature: verification.signature, attestations: verification.attestations, detail: verification.detail });
        out.set(img.digest, { verification });
      } catch (err) {
        // Could not run at all (registry down): no verdict rather than "unsigned".
        log('warn', 'image_verification_error', { ref: img.ref, error: errorMessage(err) });
        out.set(img.digest, {});
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  return out;
}

/** The per-digest result: this run's scan, or the previous run's facts carried forward. */
function imageResult(
  img: InventoryImage,
  outcome: ScanOutcome,
  prev: PreviousDigest | undefined,
  ctx: {
    readonly nowSeconds: number;
    readonly maxAgeSeconds: number;
    readonly allowlisted: boolean;
    readonly credentialSource: CredentialSource;
    readonly scannerHealthy: boolean;
    readonly verified: Verified | undefined;
  },
): ImageResult {
  const firstSeenSeconds = prev?.firstSeenSeconds ?? ctx.nowSeconds;
  const v = ctx.verified?.verification;
  const verdict = {
    ...(v ? { signatureVerified: v.signature, attestationsVerified: v.attestations } : {}),
  };
  const common = {
    digest: img.digest, image: img.image, ref: img.ref, workloads: img.workloads, allowlisted: ctx.allowlisted,
    usedCredentials: ctx.credentialSource === 'pull_secret' || ctx.credentialSource === 'registry_secret',
    credentialSource: ctx.credentialSource, firstSeenSeconds, ...verdict,
  };
  const staleness = (built: number | undefined) => (built !== undefined ? { stale: ctx.nowSeconds - built > ctx.maxAgeSeconds } : {});
  if (outcome.ok) {
    const summary = summarizeReport(outcome.report);
    const built = resolveBuildTime(
      {
        ...(summary.buildTimeSeconds !== undefined ? { imageConfig: summary.buildTimeSeconds } : {}),
        ...(v?.signatureTimeSeconds !== undefined ? { signature: v.signatureTimeSeconds } : {}),
        ...(v?.attestationTimeSeconds !== undefined ? { attestation: v.attestationTimeSeconds } : {}),
        ...(v?.sbomTimeSeconds !== undefined ? { sbom: v.sbomTimeSeconds } : {}),
        ...(summary.ociCreatedSeconds !== undefined ? { ociCreated: summary.ociCreatedSeconds } : {}),
        firstSeen: firstSeenSeconds,
      },
      ctx.nowSeconds,
    );
    return {
      ...common, consecutiveFailures: 0, counts: summary.counts, findings: summary.findings, lastScanSeconds: ctx.nowSeconds,
      carried: false, buildTimeSeconds: built.seconds, buildTimeSource: built.source, ...staleness(built.seconds),
    };
  }
  // A failed scan says nothing new: carry the last known facts, and count the failure unless the
  // Trivy server itself was down (that outage alerts on its own and is no fault of the image).
  const failureReason = classifyScanFailure(outcome.error, ctx.scannerHealthy);
  const previousFailures = prev?.consecutiveFailures ?? 0;
  const consecutiveFailures = failureReason === 'scanner_unavailable' ? previousFailures : previousFailures + 1;
  const built =
    prev?.buildTimeSeconds !== undefined && prev.buildTimeSource !== undefined
      ? { seconds: prev.buildTimeSeconds, source: prev.buildTimeSource as BuildTimeSource }
      : undefined;
  return {
    ...common, scanError: outcome.error, failureReason, consecutiveFailures,
    ...(prev?.counts ? { counts: prev.counts, findings: prev.findings, carried: true } : { carried: false }),
    ...(prev?.counts && prev.lastScanSeconds !== undefined ? { lastScanSeconds: prev.lastScanSeconds } : {}),
    ...(built ? { buildTimeSeconds: built.seconds, buildTimeSource: built.source, ...staleness(built.seconds) } : {}),
  };
}

/** Runs one rescan. Never throws for listing, scanning or pushing failures: see the outcome. */
export async function runRescan(options: RescanOptions): Promise<RescanResult> {
  const clock = options.now ?? (() => new Date());
  const log = options.logger ?? silentLogger;
  const started = clock();
  const startedMs = Date.now();
  const key: GroupingKey = { cluster: options.cluster, customer: options.customer };
  const base = { cluster: key.cluster, customer: key.customer };
  const elapsed = (): number => (Date.now() - startedMs) / 1000;
  const lastRunSeconds = Math.floor(started.getTime() / 1000);
  log('info', 'rescan_started', { cluster: key.cluster, customer: key.customer });

  /** Records only this attempt (POST), leaving the last good group in place. */
  const recordAttemptOnly = async (): Promise<{ body: string; pushed: boolean }> => {
    const families = runHealthFamilies(base, { lastRunSeconds, scanErrors: 0, imagesScanned: 0, durationSeconds: elapsed(), podsListed: 0 }).filter(
      (f) => f.name === RUN_FAMILIES.lastRun || f.name === RUN_FAMILIES.duration,
    );
    const body = await renderExposition(families);
    if (!options.pushgateway) return { body, pushed: false };
    try {
      await pushGroup(options.pushgateway, key, toRegistry(families), { method: 'POST' });
      return { body, pushed: true };
    } catch (pushErr) {
      log('error', 'push_failed', { error: errorMessage(pushErr) });
      return { body, pushed: false };
    }
  };

  // 1. Inventory.
  let builder = new InventoryBuilder();
  let inventory: Inventory;
  let pages = 0;
  let relists = 0;
  try {
    const listed = await options.kubernetes.listPods<PodLike>({
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
    const { body, pushed } = await recordAttemptOnly();
    return {
      outcome: 'list-failed', exitCode: RESCAN_EXIT['list-failed'], podsListed: 0, pages, relists, images: [], imagesScanned: 0,
      scanErrors: 0, scannerHealthy: true, exposition: body, pushed, durationSeconds: elapsed(), error,
    };
  }
  log('info', 'pods_listed', { pods: inventory.podsListed, pages, relists, images: inventory.images.length, containersWithoutDigest: inventory.containersWithoutDigest });

  // 1b. Kyverno's reports: which workloads the customer's policies refuse, or would once enforcing.
  // Unreadable (RBAC, no report CRDs) is not a failed run: the series says so and the alert
  // falls back on Kyverno's counters.
  let admission: { reading: AdmissionReading } | undefined;
  if (options.policyReports) {
    try {
      const { refused } = wouldBeRefused(await options.kubernetes.listPolicyReports(), options.customer);
      admission = { reading: { refused } };
      log('info', 'policy_reports_read', { wouldRefuse: refused.length });
    } catch (err) {
      admission = { reading: undefined };
      log('warn', 'policy_reports_unreadable', { status: err instanceof KubernetesApiError ? err.status : undefined, error: errorMessage(err) });
    }
  }

  // 2. What the previous run knew. Unreadable → do not replace the group (we would drop what it carries).
  let previous: PreviousState = EMPTY_STATE;
  if (options.pushgateway) {
    try {
      previous = previousStateFrom(await readGroup(options.pushgateway, key));
    } catch (err) {
      const error = `previous push unreadable, group left as it was: ${errorMessage(err)}`;
      log('error', 'previous_state_unreadable', { error: errorMessage(err) });
      const { body, pushed } = await recordAttemptOnly();
      return {
        outcome: 'push-failed', exitCode: RESCAN_EXIT['push-failed'], podsListed: inventory.podsListed, pages, relists, images: [],
        imagesScanned: 0, scanErrors: 0, scannerHealthy: true, exposition: body, pushed, durationSeconds: elapsed(), error,
      };
    }
  }

  // 3. The scanner's server: up, and how fresh its DB is.
  let scannerHealthy = true;
  let trivyDb: TrivyDbInfo | undefined;
  if (options.scannerServer) {
    scannerHealthy = await options.scannerServer.healthy();
    if (scannerHealthy) {
      try {
        trivyDb = await options.scannerServer.dbInfo();
        log('info', 'trivy_db', { updatedAt: new Date(trivyDb.updatedAtSeconds * 1000).toISOString(), version: trivyDb.version });
      } catch (err) {
        log('warn', 'trivy_db_unreadable', { error: errorMessage(err) });
      }
    } else {
      log('error', 'trivy_server_unavailable', { digests: inventory.images.length });
    }
  }

  // 4. Credentials, scans (each digest once) and verification.
  const fromPullSecrets = await resolveCredentials(inventory.images, options.kubernetes, log);
  const creds = new Map(inventory.images.map((img) => [img.digest, credentialSourceFor(img, fromPullSecrets, options)] as const));
  const targets: ScanTarget[] = inventory.images.map((img) => {
    const c = creds.get(img.digest)?.credentials;
    return { key: img.digest, ref: img.ref, ...(c ? { credentials: c } : {}) };
  });
  const concurrency = options.concurrency ?? 4;
  const outcomes = scannerHealthy
    ? await scanAll(options.scanner, targets, {
        concurrency,
        timeoutMs: options.scanTimeoutMs ?? 300_000,
        retries: options.scanRetries ?? 2,
        backoffMs: options.backoffMs ?? 2_000,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        onAttemptFailed: (t, attempt, error) => log('warn', 'scan_attempt_failed', { ref: t.ref, attempt, error }),
      })
    : new Map<string, ScanOutcome>(targets.map((t) => [t.key, { ok: false, error: 'Trivy server unavailable (health check failed)', attempts: 0 }]));
  const verified = await verifyAll(
    options.verifier, inventory.images, options.verifyNamespaces, (img) => creds.get(img.digest)?.credentials,
    concurrency, options.scanTimeoutMs ?? 300_000, log,
  );

  // 5. Per-image facts, carried forward where this run's scan failed.
  const now = clock();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const maxAgeSeconds = (options.maxImageAgeDays ?? 30) * DAY_SECONDS;
  const allowlist = options.allowlist ?? [];
  const allowed = allowlistedDigests(allowlist);
  const allowedRepositories = allowlistedRepositories(allowlist);
  const images: ImageResult[] = inventory.images.map((img) => {
    const outcome: ScanOutcome = outcomes.get(img.digest) ?? { ok: false, error: 'not scanned', attempts: 0 };
    const result = imageResult(img, outcome, previous.digests.get(img.digest), {
      nowSeconds, maxAgeSeconds, allowlisted: allowed.has(img.digest) || img.repositories.some((repository) => allowedRepositories.has(repository)), credentialSource: creds.get(img.digest)?.source ?? 'none',
      scannerHealthy, verified: verified.get(img.digest),
    });
    if (outcome.ok) {
      log('info', 'image_scanned', { ref: img.ref, attempts: outcome.attempts, ...result.counts, buildTimeSource: result.buildTimeSource });
    } else {
      log('error', 'scan_failed', {
        ref: img.ref, attempts: outcome.attempts, error: outcome.error, reason: result.failureReason, credentials: result.credentialSource,
        consecutiveFailures: result.consecutiveFailures, findingsCarried: result.carried,
      });
    }
    return result;
  });
  const scanErrors = images.filter((i) => i.scanError !== undefined).length;
  const imagesScanned = images.length - scanErrors;
  const ratio = options.maxScanErrorRatio ?? 0.1;
  const scansOk = scannerHealthy && (images.length === 0 || (imagesScanned > 0 && scanErrors <= ratio * images.length));

  // 6. Metrics. A run that is not a success re-pushes the previous last-success time, since PUT
  // replaces the group and would otherwise erase it; likewise the last DB reading.
  const lastSuccessSeconds = scansOk ? nowSeconds : previous.lastSuccessSeconds;
  const trivyDbUpdatedSeconds = trivyDb?.updatedAtSeconds ?? previous.trivyDbUpdatedSeconds;
  const durationSeconds = elapsed();
  const families = buildMetricFamilies(
    key, images, allowlist, now,
    {
      ...(lastSuccessSeconds !== undefined ? { lastSuccessSeconds } : {}),
      lastRunSeconds, scanErrors, imagesScanned, durationSeconds, podsListed: inventory.podsListed,
      ...(options.scannerServer ? { scannerHealthy } : {}),
      ...(trivyDbUpdatedSeconds !== undefined ? { trivyDbUpdatedSeconds } : {}),
    },
    options.acceptedRisks ?? [],
    admission,
  );
  const exposition = await renderExposition(families);

  // 7. Push.
  let pushed = false;
  let error: string | undefined;
  if (options.pushgateway) {
    try {
      await pushGroup(options.pushgateway, key, toRegistry(families), { method: 'PUT' });
      pushed = true;
    } catch (err) {
      error = errorMessage(err);
      log('error', 'push_failed', { error });
    }
  }
  const outcome: RescanOutcome = options.pushgateway && !pushed ? 'push-failed' : scansOk ? 'success' : 'scan-errors';
  log(outcome === 'success' ? 'info' : 'error', 'rescan_finished', { outcome, pods: inventory.podsListed, images: images.length, imagesScanned, scanErrors, scannerHealthy, pushed, durationSeconds });
  return {
    outcome, exitCode: RESCAN_EXIT[outcome], podsListed: inventory.podsListed, pages, relists, images, imagesScanned, scanErrors,
    scannerHealthy, ...(trivyDb ? { trivyDb } : {}), exposition, pushed, durationSeconds, ...(error !== undefined ? { error } : {}),
  };
}
