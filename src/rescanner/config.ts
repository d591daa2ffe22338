/**
 * The rescanner's configuration: the JSON document mounted from a ConfigMap
 * (`--config /etc/scb/rescanner.json`), overridable flag by flag.
 *
 * The ConfigMap is generated from the customer model, so the allowlist entries have the
 * same shape as the model's `allowlist[]` entries.
 */
import { readFile } from 'node:fs/promises';
import { isCalendarDate } from '../contract';

/** One allowlisted (intentionally pinned) image, or an injected sidecar's repository, as in the customer model. */
export interface RescannerAllowlistEntry {
  /** The pinned image, `registry/repository@sha256:<64 hex>`; matched against running digests. Exactly one of `image` and `repository`. */
  readonly image?: string;
  /**
   * A repository entry (a sidecar injected by tag), normalized as the inventory's repositories:
   * every digest running from it counts as allowlisted (docs/admission.md).
   */
  readonly repository?: string;
  /** Who answers for the exemption (team or e-mail); becomes the `owner` label. */
  readonly owner: string;
  /** Why the image is exempt (not exported as a label: free text would explode cardinality). */
  readonly reason?: string;
  /** Day the entry was last reviewed, `YYYY-MM-DD` (UTC). */
  readonly lastReviewed: string;
  /**
   * Days between reviews.
   * @default 90
   */
  readonly reviewIntervalDays?: number;
}

/**
 * A vulnerability the customer accepted (release gate's accepted risks): the CVE alert leaves it
 * out until `expires`. Same shape as the model's entries.
 */
export interface RescannerAcceptedRisk {
  /** The vulnerability ID, e.g. `CVE-2026-1234` or `GHSA-…`. */
  readonly cve: string;
  /** Who accepted it; becomes the `owner` label. */
  readonly owner: string;
  /** Last day the acceptance holds, `YYYY-MM-DD` (UTC); it lapses at 00:00 UTC of the next day. */
  readonly expires: string;
  /** Why (not exported: free text). */
  readonly reason?: string;
  /** Limits it to one repository, or one digest of it. @default - every image */
  readonly image?: string;
}

/** Cloud workload identities whose registries Trivy reaches with the pod's own identity. */
export const WORKLOAD_IDENTITY_REGISTRIES = {
  /** IRSA / EKS Pod Identity → ECR. */
  aws: /\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
  /** GKE Workload Identity → Artifact Registry and Container Registry. */
  gcp: /(^|\.)(gcr\.io|pkg\.dev)$/,
  /** Azure workload identity → ACR. */
  azure: /\.azurecr\.(io|cn|us)$/,
} as const;
export type WorkloadIdentityProvider = keyof typeof WORKLOAD_IDENTITY_REGISTRIES;

/** Contents of `rescanner.json`. Every field may also be given (or overridden) by a flag. */
export interface RescannerConfig {
  /** Customer name, the `customer` label and grouping key. */
  readonly customer: string;
  /** Cluster name, the `cluster` label and grouping key. */
  readonly cluster: string;
  /** Trivy server URL for client/server mode, e.g. `http://trivy.trivy-system:4954`. */
  readonly trivyServer: string;
  /** Pushgateway base URL, e.g. `http://pushgateway.monitoring:9091`. */
  readonly pushgateway: string;
  /**
   * Days after its build that a running image counts as stale.
   * @default 30
   */
  readonly maxImageAgeDays?: number;
  /**
   * Allowlisted images and their review bookkeeping.
   * @default []
   */
  readonly allowlist?: readonly RescannerAllowlistEntry[];
  /**
   * File holding the Trivy server token (mounted from a Secret; never put the token itself here).
   * @default undefined (no token)
   */
  readonly trivyTokenFile?: string;
  /**
   * HTTP header the Trivy server expects the token in.
   * @default "Trivy-Token"
   */
  readonly trivyTokenHeader?: string;
  /**
   * Path of the trivy binary.
   * @default "trivy"
   */
  readonly trivyPath?: string;
  /**
   * Images scanned at once.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Seconds one scan attempt may take before it is killed.
   * @default 300
   */
  readonly scanTimeoutSeconds?: number;
  /**
   * Extra attempts after a failed or timed-out scan.
   * @default 2
   */
  readonly scanRetries?: number;
  /**
   * Pods per page when listing.
   * @default 500
   */
  readonly pageLimit?: number;
  /**
   * Fraction of unique images whose scan may fail while the run still exits 0.
   * @default 0.1
   */
  readonly maxScanErrorRatio?: number;
  /**
   * Accepted risks; exported so alerts leave them out until they expire.
   * @default []
   */
  readonly acceptedRisks?: readonly RescannerAcceptedRisk[];
  /**
   * The cloud workload identity the rescanner's ServiceAccount carries, if any.
   * @default undefined (none)
   */
  readonly workloadIdentity?: WorkloadIdentityProvider;
  /**
   * A docker config JSON mounted from a Secret in the rescanner's namespace: its own registry credentials.
   * @default undefined (none)
   */
  readonly registryCredentialsFile?: string;
  /**
   * Anchored regular expression of the production namespaces; their digests are verified.
   * @default undefined (none verified)
   */
  readonly productionNamespaces?: string;
  /**
   * The customer's signing identity; with it, every production digest's signature and
   * attestations are verified each run (the coverage figure).
   * @default undefined (not verified)
   */
  readonly signingIdentity?: RescannerSigningIdentity;
  /**
   * The customer's signature format: `sigstore-bundle` (ImageValidatingPolicy engine) or `legacy` (ClusterPolicy).
   * @default "sigstore-bundle"
   */
  readonly signatureFormat?: 'sigstore-bundle' | 'legacy';
  /**
   * Read Kyverno's PolicyReports each run and export `scb_admission_would_refuse` per workload
   * (the pre-flip alert names them); needs `list` on the report kinds (the bundle's ClusterRole grants it).
   * @default false
   */
  readonly policyReports?: boolean;
  /**
   * A `trusted_root.json` of a private Sigstore instance.
   * @default undefined (the public instance, through TUF)
   */
  readonly trustedRootFile?: string;
}

/** The certificate identity a release signature must carry (from the model's signing identity). */
export interface RescannerSigningIdentity {
  readonly issuer: string;
  readonly subject: string;
  /** The event that must have started the release run; the release workflow signs only on `push`. */
  readonly trigger: 'push';
  readonly repository: string;
}

/** Raised for an unusable configuration; the message names the field. */
export class RescannerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RescannerConfigError';
  }
}

const DIGEST_PINNED = /^[^@\s]+@sha256:[0-9a-f]{64}$/;
const KNOWN_KEYS = new Set<keyof RescannerConfig>([
  'customer', 'cluster', 'trivyServer', 'pushgateway', 'maxImageAgeDays', 'allowlist', 'trivyTokenFile',
  'trivyTokenHeader', 'trivyPath', 'concurrency', 'scanTimeoutSeconds', 'scanRetries', 'pageLimit', 'maxScanErrorRatio',
  'acceptedRisks', 'workloadIdentity', 'registryCredentialsFile', 'productionNamespaces', 'signingIdentity', 'signatureFormat', 'trustedRootFile', 'policyReports',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(obj: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(obj, key, where);
  if (!value) throw new RescannerConfigError(`${where}${key}: required`);
  return value;
}

function requiredDate(obj: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(obj, key, where);
  if (!value || !isCalendarDate(value)) throw new RescannerConfigError(`${where}${key}: expected a date written as YYYY-MM-DD`);
  return value;
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new RescannerConfigError(`${where}${key}: expected a non-empty string`);
  return v;
}

function optionalNumber(obj: Record<string, unknown>, key: string, where: string, min: number, max: number, integer: boolean): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new RescannerConfigError(`${where}${key}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return v;
}

function parseAllowlistEntry(value: unknown, index: number): RescannerAllowlistEntry {
  const where = `allowlist[${index}].`;
  if (!isRecord(value)) throw new RescannerConfigError(`allowlist[${index}]: expected an object`);
  const image = optionalString(value, 'image', where);
  const repository = optionalString(value, 'repository', where);
  if (repository !== undefined && image === undefined) {
    if (/[@\s]/.test(repository)) throw new RescannerConfigError(`${where}repository: expected a repository without a tag or digest`);
  } else if (!image || !DIGEST_PINNED.test(image) || repository !== undefined) {
    throw new RescannerConfigError(`${where}image: expected an image pinned by digest (registry/repository@sha256:<64 hex>), or a repository instead`);
  }
  const owner = requiredString(value, 'owner', where);
  const lastReviewed = requiredDate(value, 'lastReviewed', where);
  const reason = optionalString(value, 'reason', where);
  const reviewIntervalDays = optionalNumber(value, 'reviewIntervalDays', where, 1, 3650, true);
  return {
    ...(image !== undefined ? { image } : { repository }),
    owner,
    lastReviewed,
    ...(reason !== undefined ? { reason } : {}),
    ...(reviewIntervalDays !== undefined ? { reviewIntervalDays } : {}),
  };
}

function parseAcceptedRisk(value: unknown, index: number): RescannerAcceptedRisk {
  const where = `acceptedRisks[${index}].`;
  if (!isRecord(value)) throw new RescannerConfigError(`acceptedRisks[${index}]: expected an object`);
  const cve = requiredString(value, 'cve', where);
  const owner = requiredString(value, 'owner', where);
  const expires = requiredDate(value, 'expires', where);
  const reason = optionalString(value, 'reason', where);
  const image = optionalString(value, 'image', where);
  return { cve, owner, expires, ...(reason !== undefined ? { reason } : {}), ...(image !== undefined ? { image } : {}) };
}

/**
 * Validates a parsed `rescanner.json`. Fields may be missing here when flags supply them;
 * {@link requireComplete} checks the merged result.
 */
export function parseRescannerConfig(value: unknown): Partial<RescannerConfig> {
  if (!isRecord(value)) throw new RescannerConfigError('config: expected a JSON object');
  for (const key of Object.keys(value)) {
    // Unknown keys are rejected so a typo ("maxImageAge") does not silently fall back to a default.
    if (!KNOWN_KEYS.has(key as keyof RescannerConfig)) throw new RescannerConfigError(`config: unknown field "${key}"`);
  }
  const out: { -readonly [K in keyof RescannerConfig]?: RescannerConfig[K] } = {};
  for (const key of ['customer', 'cluster', 'trivyServer', 'pushgateway', 'trivyTokenFile', 'trivyTokenHeader', 'trivyPath', 'registryCredentialsFile', 'trustedRootFile'] as const) {
    const v = optionalString(value, key, '');
    if (v !== undefined) out[key] = v;
  }
  const numbers: ReadonlyArray<[keyof RescannerConfig, number, number, boolean]> = [
    ['maxImageAgeDays', 1, 3650, true],
    ['concurrency', 1, 64, true],
    ['scanTimeoutSeconds', 1, 86_400, false],
    ['scanRetries', 0, 10, true],
    ['pageLimit', 1, 10_000, true],
    ['maxScanErrorRatio', 0, 1, false],
  ];
  for (const [key, min, max, integer] of numbers) {
    const v = optionalNumber(value, key, '', min, max, integer);
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  if (value.allowlist !== undefined) {
    if (!Array.isArray(value.allowlist)) throw new RescannerConfigError('allowlist: expected a list of entries');
    out.allowlist = value.allowlist.map(parseAllowlistEntry);
  }
  if (value.acceptedRisks !== undefined) {
    if (!Array.isArray(value.acceptedRisks)) throw new RescannerConfigError('acceptedRisks: expected a list of entries');
    out.acceptedRisks = value.acceptedRisks.map(parseAcceptedRisk);
  }
  if (value.workloadIdentity !== undefined) {
    if (typeof value.workloadIdentity !== 'string' || !(value.workloadIdentity in WORKLOAD_IDENTITY_REGISTRIES)) {
      throw new RescannerConfigError(`workloadIdentity: expected one of ${Object.keys(WORKLOAD_IDENTITY_REGISTRIES).join(', ')}`);
    }
    out.workloadIdentity = value.workloadIdentity as WorkloadIdentityProvider;
  }
  if (value.signingIdentity !== undefined) {
    const id = value.signingIdentity;
    if (!isRecord(id)) throw new RescannerConfigError('signingIdentity: expected an object with issuer, subject, trigger and repository');
    const field = (key: string): string => {
      const v = optionalString(id, key, 'signingIdentity.');
      if (!v) throw new RescannerConfigError(`signingIdentity.${key}: required`);
      return v;
    };
    if (field('trigger') !== 'push') throw new RescannerConfigError('signingIdentity.trigger: expected "push" (releases are signed on push only)');
    out.signingIdentity = { issuer: field('issuer'), subject: field('subject'), trigger: 'push', repository: field('repository') };
  }
  if (value.policyReports !== undefined) {
    if (typeof value.policyReports !== 'boolean') throw new RescannerConfigError('policyReports: expected true or false');
    out.policyReports = value.policyReports;
  }
  if (value.signatureFormat !== undefined) {
    if (value.signatureFormat !== 'sigstore-bundle' && value.signatureFormat !== 'legacy') throw new RescannerConfigError('signatureFormat: expected "sigstore-bundle" or "legacy"');
    out.signatureFormat = value.signatureFormat;
  }
  const production = optionalString(value, 'productionNamespaces', '');
  if (production !== undefined) {
    try {
      new RegExp(production);
    } catch (err) {
      throw new RescannerConfigError(`productionNamespaces: not a regular expression: ${(err as Error).message}`);
    }
    out.productionNamespaces = production;
  }
  return out;
}

/**
 * Reads the JSON configuration file of an in-cluster command (a mounted ConfigMap), raising the
 * command's own configuration error when it cannot be read or is not JSON.
 */
export async function readJsonConfig(file: string, configError: (message: string) => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw configError(`config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw configError(`config ${file}: not JSON: ${(err as Error).message}`);
  }
}

/** Reads and validates a `rescanner.json` file. */
export async function loadRescannerConfig(file: string): Promise<Partial<RescannerConfig>> {
  return parseRescannerConfig(await readJsonConfig(file, (message) => new RescannerConfigError(message)));
}

/** Checks that the merged configuration names everything a run needs. */
export function requireComplete(config: Partial<RescannerConfig>): RescannerConfig {
  const missing = (['customer', 'cluster', 'trivyServer', 'pushgateway'] as const).filter((k) => !config[k]);
  if (missing.length > 0) {
    throw new RescannerConfigError(`missing ${missing.join(', ')} (set them in the config file or with flags)`);
  }
  return config as RescannerConfig;
}
