/**
 * The parts of Trivy's JSON report (`trivy image --format json`) the rescanner reads, and
 * their reduction to per-image facts.
 */

import type { TrivyVulnerability } from '../contract';
import { EARLIEST_PLAUSIBLE_BUILD_SECONDS, isoSeconds } from './build-time';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type { TrivyVulnerability };

export interface TrivyReport {
  readonly SchemaVersion?: number;
  readonly ArtifactName?: string;
  readonly ArtifactType?: string;
  readonly Metadata?: {
    readonly ImageID?: string;
    readonly RepoDigests?: readonly string[];
    readonly ImageConfig?: { readonly created?: string; readonly config?: { readonly Labels?: Readonly<Record<string, string>> | null } };
  };
  readonly Results?: ReadonlyArray<{
    readonly Target?: string;
    readonly Class?: string;
    readonly Type?: string;
    readonly Vulnerabilities?: readonly TrivyVulnerability[] | null;
  }> | null;
}

/**
 * Rejects output that is not a Trivy JSON report (a CycloneDX/SARIF document, an error page,
 * truncated output). Such output must become a scan error, never "zero vulnerabilities".
 */
export function parseTrivyReport(text: string): TrivyReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`trivy output is not JSON: ${(err as Error).message}`);
  }
  return assertTrivyReport(parsed);
}

export function assertTrivyReport(value: unknown): TrivyReport {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('trivy output is not a JSON object');
  const report = value as Record<string, unknown>;
  if (typeof report.SchemaVersion !== 'number') throw new Error('trivy output has no SchemaVersion: not a Trivy JSON report');
  if (report.Results !== undefined && report.Results !== null && !Array.isArray(report.Results)) {
    throw new Error('trivy output has a Results field that is not a list');
  }
  return value as TrivyReport;
}

/** A HIGH or CRITICAL finding, exported one series per finding. */
export interface Finding {
  readonly id: string;
  readonly severity: 'CRITICAL' | 'HIGH';
  readonly package: string;
  /** Fixed version, empty when no fix exists. */
  readonly fixed: string;
}

export interface ReportSummary {
  readonly counts: Readonly<Record<Severity, number>>;
  /** HIGH/CRITICAL findings, de-duplicated and sorted. */
  readonly findings: readonly Finding[];
  /** Build time from the image config in seconds since the epoch; undefined when unknown. */
  readonly buildTimeSeconds?: number;
  /** The OCI `created` label, in seconds; undefined when absent or a placeholder. */
  readonly ociCreatedSeconds?: number;
}

function severityOf(raw: string | undefined): Severity {
  const upper = (raw ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNKNOWN';
}

/** `Metadata.ImageConfig.created` in seconds, or undefined for a placeholder (1970) or absent time. */
export function buildTimeSeconds(report: TrivyReport): number | undefined {
  const created = isoSeconds(report.Metadata?.ImageConfig?.created);
  return created !== undefined && created >= EARLIEST_PLAUSIBLE_BUILD_SECONDS ? created : undefined;
}

/** The OCI `org.opencontainers.image.created` label of the image config, in seconds. */
export function ociCreatedSeconds(report: TrivyReport): number | undefined {
  const created = isoSeconds(report.Metadata?.ImageConfig?.config?.Labels?.['org.opencontainers.image.created']);
  return created !== undefined && created >= EARLIEST_PLAUSIBLE_BUILD_SECONDS ? created : undefined;
}

/**
 * Counts vulnerabilities by severity and collects HIGH/CRITICAL findings. Counts are per
 * report entry (as Trivy lists them: one per package and vulnerability), so they match
 * what `trivy image` prints for the image.
 */
export function summarizeReport(report: TrivyReport): ReportSummary {
  const counts: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  const findings = new Map<string, Finding>();
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      const severity = severityOf(v.Severity);
      counts[severity] += 1;
      if (severity === 'CRITICAL' || severity === 'HIGH') {
        const finding: Finding = { id: v.VulnerabilityID ?? '', severity, package: v.PkgName ?? '', fixed: v.FixedVersion ?? '' };
        // Same CVE in the same package reported by two targets is one series (identical labels).
        findings.set(`${finding.id}\u0000${finding.package}\u0000${finding.fixed}\u0000${severity}`, finding);
      }
    }
  }
  const sorted = [...findings.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, f]) => f);
  const built = buildTimeSeconds(report);
  const oci = ociCreatedSeconds(report);
  return { counts, findings: sorted, ...(built !== undefined ? { buildTimeSeconds: built } : {}), ...(oci !== undefined ? { ociCreatedSeconds: oci } : {}) };
}
