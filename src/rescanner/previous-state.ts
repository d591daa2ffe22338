/**
 * What the previous run knew, read back from the group it pushed.
 *
 * Why the Pushgateway and not a store of our own: the group already holds exactly the facts a
 * failed scan must carry (findings, counts, build time, when they were obtained, the failure
 * streak, first-seen times); it survives the CronJob pod; it needs no extra RBAC, volume or
 * component; and what is carried is by construction what Prometheus saw. Its limits, which
 * docs/monitoring.md states: a gateway restarted without `--persistence.file` forgets the group
 * (the next run starts afresh: failure streaks restart at 1, first-seen times at now), and a run
 * that cannot read the group does not replace it (see rescan.ts), so nothing is lost by guessing.
 */
import { SCB_METRICS } from '../monitoring/metrics';
import type { GroupMetrics } from './pushgateway';
import { SEVERITIES, type Finding, type Severity } from './trivy-report';

/** The previous run's facts about one digest. */
export interface PreviousDigest {
  /** Severity counts of the last successful scan; undefined when it never succeeded. */
  readonly counts?: Readonly<Record<Severity, number>>;
  readonly findings: readonly Finding[];
  /** When the carried findings were obtained. */
  readonly lastScanSeconds?: number;
  readonly consecutiveFailures: number;
  readonly firstSeenSeconds?: number;
  readonly buildTimeSeconds?: number;
  readonly buildTimeSource?: string;
  readonly signatureVerified?: boolean;
  readonly attestationsVerified?: boolean;
}

export interface PreviousState {
  readonly digests: ReadonlyMap<string, PreviousDigest>;
  readonly lastSuccessSeconds?: number;
  readonly trivyDbUpdatedSeconds?: number;
}

export const EMPTY_STATE: PreviousState = { digests: new Map() };

interface MutableDigest {
  counts?: Record<Severity, number>;
  findings: Finding[];
  lastScanSeconds?: number;
  consecutiveFailures: number;
  firstSeenSeconds?: number;
  buildTimeSeconds?: number;
  buildTimeSource?: string;
  signatureVerified?: boolean;
  attestationsVerified?: boolean;
}

function isSeverity(value: string | undefined): value is Severity {
  return (SEVERITIES as readonly (string | undefined)[]).includes(value);
}

/** Rebuilds the per-digest state from the series of the previous push. */
export function previousStateFrom(group: GroupMetrics | undefined): PreviousState {
  if (!group) return EMPTY_STATE;
  const digests = new Map<string, MutableDigest>();
  const entry = (digest: string | undefined): MutableDigest | undefined => {
    if (!digest) return undefined;
    let d = digests.get(digest);
    if (!d) {
      d = { findings: [], consecutiveFailures: 0 };
      digests.set(digest, d);
    }
    return d;
  };
  const each = (metric: string, fn: (d: MutableDigest, labels: Readonly<Record<string, string>>, value: number) => void): void => {
    for (const s of group.get(metric) ?? []) {
      const d = entry(s.labels.digest);
      if (d) fn(d, s.labels, s.value);
    }
  };
  each(SCB_METRICS.imageVulnerabilities, (d, labels, value) => {
    if (!isSeverity(labels.severity)) return;
    d.counts ??= { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
    d.counts[labels.severity] = value;
  });
  each(SCB_METRICS.imageVulnerabilityInfo, (d, labels) => {
    if (labels.severity !== 'CRITICAL' && labels.severity !== 'HIGH') return;
    d.findings.push({ id: labels.vulnerability_id ?? '', severity: labels.severity, package: labels.package ?? '', fixed: labels.fixed ?? '' });
  });
  each(SCB_METRICS.imageLastScan, (d, _l, value) => (d.lastScanSeconds = value));
  each(SCB_METRICS.imageScanConsecutiveFailures, (d, _l, value) => (d.consecutiveFailures = value));
  each(SCB_METRICS.imageFirstSeen, (d, _l, value) => (d.firstSeenSeconds = value));
  each(SCB_METRICS.imageBuildTimestamp, (d, _l, value) => (d.buildTimeSeconds = value));
  each(SCB_METRICS.imageBuildTimeSource, (d, labels, value) => {
    if (value === 1 && labels.source) d.buildTimeSource = labels.source;
  });
  each(SCB_METRICS.imageSignatureVerified, (d, _l, value) => (d.signatureVerified = value === 1));
  each(SCB_METRICS.imageAttestationsVerified, (d, _l, value) => (d.attestationsVerified = value === 1));
  for (const d of digests.values()) {
    d.findings.sort((a, b) => {
      const ka = `${a.id}\u0000${a.package}\u0000${a.fixed}\u0000${a.severity}`;
      const kb = `${b.id}\u0000${b.package}\u0000${b.fixed}\u0000${b.severity}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }
  const single = (metric: string): number | undefined => group.get(metric)?.[0]?.value;
  const lastSuccessSeconds = single(SCB_METRICS.rescanLastSuccess);
  const trivyDbUpdatedSeconds = single(SCB_METRICS.trivyDbUpdated);
  return {
    digests,
    ...(lastSuccessSeconds !== undefined ? { lastSuccessSeconds } : {}),
    ...(trivyDbUpdatedSeconds !== undefined ? { trivyDbUpdatedSeconds } : {}),
  };
}
