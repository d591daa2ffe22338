import type { Customer } from '../model/customer';
import type { RescannerConfig } from '../rescanner/config';
import { signatureFormat, signingIdentity } from '../model/supply-chain-contract';
import { namespaceRegex } from './promql';

export interface RescannerConfigOptions {
  /** URL of the in-cluster Trivy server Service. */
  readonly trivyServerUrl: string;
  /** Path where the Trivy server token Secret is mounted into the rescanner pod. */
  readonly trivyTokenFile: string;
}

/** The cluster name the metrics carry: `monitoring.cluster`, or the customer name. */
export function clusterName(customer: Pick<Customer, 'name' | 'monitoring'>): string {
  return customer.monitoring.cluster ?? customer.name;
}

/**
 * Builds `/etc/scb/rescanner.json` from the customer model, typed as the very config that
 * `scb rescan` parses (src/rescanner/config.ts), so the two cannot drift. Pure and deterministic.
 */
export function rescannerConfig(customer: Customer, options: RescannerConfigOptions): RescannerConfig {
  return {
    customer: customer.name,
    cluster: clusterName(customer),
    trivyServer: options.trivyServerUrl,
    trivyTokenFile: options.trivyTokenFile,
    pushgateway: customer.monitoring.pushgatewayUrl,
    maxImageAgeDays: customer.staleness.maxImageAgeDays,
    concurrency: customer.monitoring.concurrency,
    // PromQL regexes are fully anchored; the rescanner's RegExp must be too.
    productionNamespaces: `^(?:${namespaceRegex(customer.admission.namespaces)})$`,
    signingIdentity: (({ issuer, subject, trigger, repository }) => ({ issuer, subject, trigger, repository }))(signingIdentity(customer)),
    signatureFormat: signatureFormat(customer),
    allowlist: customer.allowlist.map((entry) => ({
      image: entry.image,
      owner: entry.owner,
      reason: entry.reason,
      lastReviewed: entry.lastReviewed,
      reviewIntervalDays: entry.reviewIntervalDays,
    })),
  };
}
