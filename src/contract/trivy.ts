/** The fields of one finding in Trivy's JSON report (`trivy image --format json`, `Results[].Vulnerabilities[]`) the bundle reads. */
export interface TrivyVulnerability {
  readonly VulnerabilityID?: string;
  readonly PkgName?: string;
  readonly InstalledVersion?: string;
  readonly FixedVersion?: string;
  readonly Severity?: string;
  readonly PublishedDate?: string;
}
