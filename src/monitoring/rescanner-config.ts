import type { Customer } from '../model/customer';

/** One allowlisted image as the rescanner reads it. */
export interface RescannerAllowlistEntry {
  /** Image pinned by digest. */
  readonly image: string;
  readonly owner: string;
  readonly reason: string;
  /** YYYY-MM-DD. */
  readonly lastReviewed: string;
  readonly reviewIntervalDays: number;
}

/**
 * The rescanner's configuration file, `/etc/scb/rescanner.json`, mounted from a ConfigMap.
 * The lead reconciles this type with the one `scb rescan` parses.
 */
export interface RescannerConfig {
  /** Customer name; the `customer` label on every series. */
  readonly customer: string;
  /** Cluster name; the `cluster` label on every series. */
  readonly cluster: string;
  /** Days after its build that a digest counts as stale. */
  readonly maxImageAgeDays: number;
  readonly allowlist: readonly RescannerAllowlistEntry[];
  /** Trivy server the rescanner scans through (`trivy image --server`). */
  readonly trivyServerUrl: string;
  /** Pushgateway base URL; the rescanner PUTs its whole group under job `supply_chain_rescanner`. */
  readonly pushgatewayUrl: string;
  /** Images scanned in parallel. */
  readonly concurrency: number;
}

export interface RescannerConfigOptions {
  /**
   * URL of the Trivy server Service.
   */
  readonly trivyServerUrl: string;
}

/** The cluster name the metrics carry: `monitoring.cluster`, or the customer name. */
export function clusterName(customer: Pick<Customer, 'name' | 'monitoring'>): string {
  return customer.monitoring.cluster ?? customer.name;
}

/** Builds the rescanner's configuration from the customer model. Pure and deterministic. */
export function rescannerConfig(customer: Customer, options: RescannerConfigOptions): RescannerConfig {
  return {
    customer: customer.name,
    cluster: clusterName(customer),
    maxImageAgeDays: customer.staleness.maxImageAgeDays,
    allowlist: customer.allowlist.map((entry) => ({
      image: entry.image,
      owner: entry.owner,
      reason: entry.reason,
      lastReviewed: entry.lastReviewed,
      reviewIntervalDays: entry.reviewIntervalDays,
    })),
    trivyServerUrl: options.trivyServerUrl,
    pushgatewayUrl: customer.monitoring.pushgatewayUrl,
    concurrency: customer.monitoring.concurrency,
  };
}
