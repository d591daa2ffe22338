import type { Customer } from '../model/customer';
import type { RescannerConfig } from '../rescanner/config';
import { signatureFormat, signingIdentity } from '../contract';
import { namespaceRegex } from './promql';

export interface RescannerConfigOptions {
  /** URL of the in-cluster Trivy server Service. */
  readonly trivyServerUrl: string;
  /** Path where the Trivy server token Secret is mounted into the rescanner pod. */
  readonly trivyTokenFile: string;
  /** Path of the docker config mounted from `monitoring.registryIdentity.secret`. @default undefined */
  readonly registryCredentialsFile?: string;
}

/** The cluster name the metrics carry: `monitoring.cluster`, or the customer name. */
export function clusterName(customer: Pick<Customer, 'name' | 'monitoring'>): string {
  return customer.monitoring.cluster ?? customer.name;
}

/** Which cloud workload identity the rescanner's ServiceAccount carries, if any. */
export function workloadIdentity(customer: Pick<Customer, 'monitoring'>): 'aws' | 'gcp' | 'azure' | undefined {
  const id = customer.monitoring.registryIdentity;
  return id?.aws ? 'aws' : id?.gcp ? 'gcp' : id?.azure ? 'azure' : undefined;
}

/**
 * Builds `/etc/scb/rescanner.json` from the customer model, typed as the very config that
 * `scb rescan` parses (src/rescanner/config.ts), so the two cannot drift. Pure and deterministic.
 */
/** The customer fields the alerts and dashboards read. */
export type MonitoredCustomer = Pick<Customer, 'name' | 'sourceFile' | 'monitoring' | 'staleness' | 'admission' | 'allowlist' | 'scan' | 'enforcement'>;

/** The customer fields the rescanner's config is built from. */
export type RescannerCustomer = Pick<Customer, 'name' | 'github' | 'monitoring' | 'staleness' | 'admission' | 'allowlist' | 'vulnerabilities'>;

export function rescannerConfig(customer: RescannerCustomer, options: RescannerConfigOptions): RescannerConfig {
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
    // The pre-flip alert names the workloads the flip would refuse from the reports (scb_admission_would_refuse).
    policyReports: true,
    ...(workloadIdentity(customer) ? { workloadIdentity: workloadIdentity(customer) } : {}),
    ...(customer.monitoring.registryIdentity?.secret && options.registryCredentialsFile ? { registryCredentialsFile: options.registryCredentialsFile } : {}),
    acceptedRisks: customer.vulnerabilities.acceptedRisks.map((risk) => ({
      cve: risk.cve,
      owner: risk.owner,
      expires: risk.expires,
      reason: risk.reason,
      ...(risk.image !== undefined ? { image: risk.image } : {}),
    })),
    // A repository entry (injected sidecar) allowlists every digest running from that repository,
    // as admission does (docs/admission.md).
    allowlist: customer.allowlist.map((entry) => ({
      ...(entry.image !== undefined ? { image: entry.image } : { repository: entry.repository }),
      owner: entry.owner,
      reason: entry.reason,
      lastReviewed: entry.lastReviewed,
      reviewIntervalDays: entry.reviewIntervalDays,
    })),
  };
}
