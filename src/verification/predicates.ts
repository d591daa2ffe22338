/**
 * Summaries of the two attested predicates, as `scb inspect` prints them and the verdict reads
 * them: the CycloneDX SBOM, and the cosign-vuln predicate with Trivy's report under
 * `scanner.result` (REFERENCE §2).
 */

export interface SbomSummary {
  /** `CycloneDX` for a CycloneDX document (rule 2 demands it). */
  readonly bomFormat?: string;
  readonly specVersion?: string;
  /** Components, nested ones included. */
  readonly components: number;
}

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

export interface Finding {
  readonly id: string;
  readonly package: string;
  readonly installedVersion?: string;
  /** Empty when no fix is released. */
  readonly fixedVersion?: string;
  readonly severity: Severity;
  /** When the vulnerability was published (RFC 3339), if the scanner says. */
  readonly publishedDate?: string;
}

export interface ScanSummary {
  readonly scanner?: string;
  readonly scannerVersion?: string;
  readonly scanStartedOn?: string;
  readonly scanFinishedOn?: string;
  readonly counts: Readonly<Record<Severity, number>>;
  /** Every finding, in report order (the verdict reads the CRITICAL ones). */
  readonly findings: readonly Finding[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function countComponents(components: unknown): number {
  if (!Array.isArray(components)) return 0;
  return components.reduce((sum: number, component) => sum + 1 + (isObject(component) ? countComponents(component.components) : 0), 0);
}

export function sbomSummary(predicate: unknown): SbomSummary {
  const bom = isObject(predicate) ? predicate : {};
  return { bomFormat: text(bom.bomFormat), specVersion: text(bom.specVersion), components: countComponents(bom.components) };
}

export function scanSummary(predicate: unknown): ScanSummary {
  const root = isObject(predicate) ? predicate : {};
  const scanner = isObject(root.scanner) ? root.scanner : {};
  const metadata = isObject(root.metadata) ? root.metadata : {};
  const report = isObject(scanner.result) ? scanner.result : {};
  const counts: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  const findings: Finding[] = [];
  for (const result of Array.isArray(report.Results) ? report.Results : []) {
    if (!isObject(result) || !Array.isArray(result.Vulnerabilities)) continue;
    for (const vulnerability of result.Vulnerabilities) {
      if (!isObject(vulnerability)) continue;
      const raw = text(vulnerability.Severity)?.toUpperCase() ?? 'UNKNOWN';
      const severity = (SEVERITIES as readonly string[]).includes(raw) ? (raw as Severity) : 'UNKNOWN';
      counts[severity] += 1;
      findings.push({
        id: text(vulnerability.VulnerabilityID) ?? '(no id)',
        package: text(vulnerability.PkgName) ?? '(unknown package)',
        installedVersion: text(vulnerability.InstalledVersion),
        fixedVersion: text(vulnerability.FixedVersion),
        severity,
        publishedDate: text(vulnerability.PublishedDate),
      });
    }
  }
  const uri = text(scanner.uri);
  return {
    scanner: uri,
    scannerVersion: text(scanner.version),
    scanStartedOn: text(metadata.scanStartedOn),
    scanFinishedOn: text(metadata.scanFinishedOn),
    counts,
    findings,
  };
}
