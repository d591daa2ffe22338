/**
 * Behaviour the live suite checks that other issues deliver. While a flag is false, its rows show
 * what the cluster does today as a named gap ("refuse (after #12)"), never as a pass; once the
 * work lands on main, set the flag and the same rows are judged strictly (a mismatch fails).
 */
export const LANDED = {
  /**
   * #12, admission that survives time: in-cluster flip, time rules judge only changes,
   * pods/ephemeralcontainers matched, allowlist expiry, flip-check counts `error`.
   */
  lifecycle: false,
  /** #15, monitoring alerts (CVE page, stale image, allowlist review, signature failures, dead man's switch). */
  monitoringAlerts: true,
} as const;

/** The row's expected text while the work is pending. */
export const after = (issue: number, expected: string) => `${expected} (after #${issue})`;
