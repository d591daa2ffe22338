/**
 * Why a scan failed, in a few stable words an alert can route on. The reasons are read from
 * Trivy's error text (go-containerregistry's transport errors), plus the server health check.
 */

export const SCAN_FAILURE_REASONS = ['unauthorized', 'not_found', 'timeout', 'invalid_report', 'scanner_unavailable', 'other'] as const;
export type ScanFailureReason = (typeof SCAN_FAILURE_REASONS)[number];

/** Which credentials the rescanner had for the image's registry. */
export type CredentialSource = 'none' | 'pull_secret' | 'registry_secret' | 'workload_identity';

const UNAUTHORIZED = /\b(401|403)\b|unauthori[sz]ed|authentication required|access denied|\bdenied\b|no basic auth credentials|forbidden|not authorized/i;
const NOT_FOUND = /manifest unknown|name unknown|\b404\b|not found/i;
const TIMEOUT = /timed out|deadline exceeded|timeout/i;
const INVALID = /not a Trivy JSON report|not JSON|not a JSON object|Results field/i;

/**
 * Classifies one scan error. `scannerHealthy` false means the Trivy server itself did not answer,
 * which explains every failure of the run.
 */
export function classifyScanFailure(error: string, scannerHealthy: boolean): ScanFailureReason {
  if (!scannerHealthy) return 'scanner_unavailable';
  if (INVALID.test(error)) return 'invalid_report';
  if (UNAUTHORIZED.test(error)) return 'unauthorized';
  if (NOT_FOUND.test(error)) return 'not_found';
  if (TIMEOUT.test(error)) return 'timeout';
  return 'other';
}
