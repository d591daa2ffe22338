/**
 * The drift agent's configuration: `/etc/scb/drift-agent.json`, written by the monitoring bundle
 * from the customer model (src/monitoring/drift-agent.ts types it as this very interface). Parsed
 * by hand, like the rescanner's, so the agent image loads neither zod nor the customer schema.
 */
import { readJsonConfig } from '../rescanner/config';

export interface DriftAgentConfig {
  readonly customer: string;
  readonly cluster: string;
  /** Pushgateway base URL; the agent PUTs one group per node. */
  readonly pushgateway: string;
  /** Anchored regular expression of the production namespaces: only their containers are compared. */
  readonly productionNamespaces: string;
  /** The customer's signing identity, which the SBOM attestation must carry. */
  readonly signingIdentity: { readonly issuer: string; readonly subject: string; readonly trigger: 'push'; readonly repository: string };
  /** `sigstore-bundle` (ImageValidatingPolicy engine) or `legacy` (ClusterPolicy). */
  readonly signatureFormat: 'sigstore-bundle' | 'legacy';
  /** Paths inside containers expected to change (caches, volumes): packages found only there are not compared. */
  readonly ignorePaths: readonly string[];
  /** Seconds between passes. @default 300 */
  readonly intervalSeconds?: number;
  /** Seconds after which a container is inventoried again even if its package databases look unchanged. @default 21600 */
  readonly fullInventorySeconds?: number;
  /** Nice value of the agent and of syft (0–19). @default 19 */
  readonly niceness?: number;
  /** syft binary. @default "syft" */
  readonly syftPath?: string;
  /** Seconds one syft run may take. @default 300 */
  readonly inventoryTimeoutSeconds?: number;
  /** A `trusted_root.json` of a private Sigstore instance. @default - the public instance, through TUF */
  readonly trustedRootFile?: string;
}

export class DriftAgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriftAgentConfigError';
  }
}

const KEYS: ReadonlySet<string> = new Set<keyof DriftAgentConfig>([
  'customer', 'cluster', 'pushgateway', 'productionNamespaces', 'signingIdentity', 'signatureFormat', 'ignorePaths',
  'intervalSeconds', 'fullInventorySeconds', 'niceness', 'syftPath', 'inventoryTimeoutSeconds', 'trustedRootFile',
]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(obj: Record<string, unknown>, key: string, where = ''): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.trim() === '') throw new DriftAgentConfigError(`${where}${key}: expected a non-empty string`);
  return value;
}

function whole(obj: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new DriftAgentConfigError(`${key}: expected a whole number from ${min} to ${max}`);
  return value;
}

/** Validates a parsed `drift-agent.json`; the message names the field. */
export function parseDriftAgentConfig(value: unknown): DriftAgentConfig {
  if (!isRecord(value)) throw new DriftAgentConfigError('config: expected a JSON object');
  for (const key of Object.keys(value)) if (!KEYS.has(key)) throw new DriftAgentConfigError(`config: unknown field "${key}"`);
  const productionNamespaces = text(value, 'productionNamespaces');
  try {
    new RegExp(productionNamespaces);
  } catch (error) {
    throw new DriftAgentConfigError(`productionNamespaces: not a regular expression: ${(error as Error).message}`);
  }
  const id = value.signingIdentity;
  if (!isRecord(id)) throw new DriftAgentConfigError('signingIdentity: expected an object with issuer, subject, trigger and repository');
  if (id.trigger !== 'push') throw new DriftAgentConfigError('signingIdentity.trigger: expected "push" (releases are signed on push only)');
  if (value.signatureFormat !== 'sigstore-bundle' && value.signatureFormat !== 'legacy') throw new DriftAgentConfigError('signatureFormat: expected "sigstore-bundle" or "legacy"');
  const ignorePaths = value.ignorePaths ?? [];
  if (!Array.isArray(ignorePaths) || ignorePaths.some((path) => typeof path !== 'string' || !path.startsWith('/'))) {
    throw new DriftAgentConfigError('ignorePaths: expected a list of absolute paths such as ["/tmp", "/var/cache"]');
  }
  const optional = <K extends keyof DriftAgentConfig>(key: K, parsed: DriftAgentConfig[K] | undefined) => (parsed === undefined ? {} : { [key]: parsed });
  return {
    customer: text(value, 'customer'),
    cluster: text(value, 'cluster'),
    pushgateway: text(value, 'pushgateway'),
    productionNamespaces,
    signingIdentity: { issuer: text(id, 'issuer', 'signingIdentity.'), subject: text(id, 'subject', 'signingIdentity.'), trigger: 'push', repository: text(id, 'repository', 'signingIdentity.') },
    signatureFormat: value.signatureFormat,
    ignorePaths: ignorePaths as string[],
    ...optional('intervalSeconds', whole(value, 'intervalSeconds', 10, 86_400)),
    ...optional('fullInventorySeconds', whole(value, 'fullInventorySeconds', 60, 7 * 86_400)),
    ...optional('niceness', whole(value, 'niceness', 0, 19)),
    ...optional('inventoryTimeoutSeconds', whole(value, 'inventoryTimeoutSeconds', 5, 3600)),
    ...(value.syftPath !== undefined ? { syftPath: text(value, 'syftPath') } : {}),
    ...(value.trustedRootFile !== undefined ? { trustedRootFile: text(value, 'trustedRootFile') } : {}),
  };
}

export async function loadDriftAgentConfig(file: string): Promise<DriftAgentConfig> {
  return parseDriftAgentConfig(await readJsonConfig(file, (message) => new DriftAgentConfigError(message)));
}
