/**
 * `scb rescan`: flags and config file → {@link runRescan} → exit code.
 */
import { readFile } from 'node:fs/promises';
import { parseCommandLine } from '../cli/command-line';
import { loadRescannerConfig, requireComplete, RescannerConfigError, WORKLOAD_IDENTITY_REGISTRIES, type RescannerConfig } from './config';
import { credentialsByRegistry, type RegistryCredentials } from './credentials';
import type { ImageVerifier } from './image-verifier';
import { KubernetesClient, type DockerConfig } from '../kubernetes/client';
import { jsonLogger, type RescanLogger } from './logger';
import { runRescan, type RescanOptions } from './rescan';
import type { ImageScanner } from './scanner';
import { TrivyScanner } from './trivy-client';
import { TrivyServerClient, type ScannerServer } from './trivy-server';
import { SignatureVerifier } from './signature-verifier';

/** Exit code for bad flags or configuration (sysexits EX_USAGE). */
/** Usage errors exit 2, as in every scb subcommand. */
export const EXIT_USAGE = 2;

export const RESCAN_USAGE = `Usage: scb rescan [flags]

Lists the pods running in the cluster, scans every running image digest once with Trivy
(client/server mode) and replaces this cluster's group on the Pushgateway.

Flags (override the config file):
  --config FILE              rescanner.json (ConfigMap), e.g. /etc/scb/rescanner.json
  --customer NAME            customer label
  --cluster NAME             cluster label
  --trivy-server URL         Trivy server
  --trivy-token-file FILE    file holding the Trivy server token
  --trivy-token-header NAME  header for the token (default Trivy-Token)
  --trivy-path PATH          trivy binary (default trivy)
  --pushgateway URL          Pushgateway base URL
  --max-image-age-days N     staleness threshold (default 30)
  --concurrency N            scans at once (default 4)
  --scan-timeout SECONDS     per scan attempt (default 300)
  --scan-retries N           extra attempts per image (default 2)
  --page-limit N             pods per list page (default 500)
  --max-scan-error-ratio R   failed-scan fraction still exiting 0 (default 0.1)
  --api-server URL           Kubernetes API server (default: in-cluster config)
  --token-file FILE          bearer token for --api-server
  --ca-file FILE             CA bundle for an https --api-server
  --dry-run                  print the metrics to stdout instead of pushing
  -h, --help                 this text

Exit codes: 0 success; 1 pods could not be listed; 2 bad flags or configuration; 3 too many scan errors
(metrics pushed); 4 push failed.`;

/** Seams for tests; production uses the defaults. */
export interface RescanCommandIo {
  readonly logger?: RescanLogger;
  readonly stdout?: { write(chunk: string): unknown };
  readonly now?: () => Date;
  /** Replaces the Trivy scanner built from the flags. */
  readonly scanner?: ImageScanner;
  /** Replaces the Trivy server client (health, DB age) built from the flags. */
  readonly scannerServer?: ScannerServer;
  /** Verifies signatures and attestations of production digests. @default undefined (not verified) */
  readonly verifier?: ImageVerifier;
  /** Retry backoff base in ms. @default 2000 */
  readonly backoffMs?: number;
}

const FLAGS = {
  config: { type: 'string' },
  customer: { type: 'string' },
  cluster: { type: 'string' },
  'trivy-server': { type: 'string' },
  'trivy-token-file': { type: 'string' },
  'trivy-token-header': { type: 'string' },
  'trivy-path': { type: 'string' },
  pushgateway: { type: 'string' },
  'max-image-age-days': { type: 'string' },
  concurrency: { type: 'string' },
  'scan-timeout': { type: 'string' },
  'scan-retries': { type: 'string' },
  'page-limit': { type: 'string' },
  'max-scan-error-ratio': { type: 'string' },
  'api-server': { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

function numberFlag(raw: string | undefined, flag: string, min: number, max: number, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new RescannerConfigError(`--${flag}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    // The path is fine to show; the content never is.
    throw new RescannerConfigError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses flags, merges them over the config file and runs one rescan. Returns the exit code. */
export async function rescanCommand(argv: string[], io: RescanCommandIo = {}): Promise<number> {
  const log = io.logger ?? jsonLogger();
  const stdout = io.stdout ?? process.stdout;
  let options: RescanOptions;
  let dryRun = false;
  try {
    const commandLine = parseCommandLine(argv, { options: FLAGS, positionals: false, help: `${RESCAN_USAGE}\n`, stdout, usageError: (message) => new RescannerConfigError(message) });
    if (!commandLine) return 0;
    const { values } = commandLine;
    dryRun = values['dry-run'] ?? false;
    const fromFile: Partial<RescannerConfig> = values.config ? await loadRescannerConfig(values.config) : {};
    const fromFlags: Partial<Record<keyof RescannerConfig, unknown>> = {
      customer: values.customer,
      cluster: values.cluster,
      trivyServer: values['trivy-server'],
      trivyTokenFile: values['trivy-token-file'],
      trivyTokenHeader: values['trivy-token-header'],
      trivyPath: values['trivy-path'],
      pushgateway: values.pushgateway,
      maxImageAgeDays: numberFlag(values['max-image-age-days'], 'max-image-age-days', 1, 3650, true),
      concurrency: numberFlag(values.concurrency, 'concurrency', 1, 64, true),
      scanTimeoutSeconds: numberFlag(values['scan-timeout'], 'scan-timeout', 1, 86_400, false),
      scanRetries: numberFlag(values['scan-retries'], 'scan-retries', 0, 10, true),
      pageLimit: numberFlag(values['page-limit'], 'page-limit', 1, 10_000, true),
      maxScanErrorRatio: numberFlag(values['max-scan-error-ratio'], 'max-scan-error-ratio', 0, 1, false),
    };
    const merged: Record<string, unknown> = { ...fromFile };
    for (const [k, v] of Object.entries(fromFlags)) if (v !== undefined) merged[k] = v;
    // A dry run needs no Pushgateway; everything else does.
    const config = requireComplete({ pushgateway: dryRun ? '-' : undefined, ...merged } as Partial<RescannerConfig>);

    let kubernetes: KubernetesClient;
    if (values['api-server']) {
      const token = values['token-file'] ? await readSecretFile(values['token-file'], '--token-file') : undefined;
      const ca = values['ca-file'] ? await readFile(values['ca-file']) : undefined;
      kubernetes = new KubernetesClient({ apiServer: values['api-server'], ...(token ? { token } : {}), ...(ca ? { ca } : {}) });
    } else {
      kubernetes = await KubernetesClient.inCluster().catch((err: Error) => {
        throw new RescannerConfigError(err.message);
      });
    }
    const scanTimeoutSeconds = config.scanTimeoutSeconds ?? 300;
    const trivyToken = config.trivyTokenFile ? await readSecretFile(config.trivyTokenFile, 'trivyTokenFile') : undefined;
    let registryCredentials: Record<string, RegistryCredentials> = {};
    if (config.registryCredentialsFile) {
      const text = await readSecretFile(config.registryCredentialsFile, 'registryCredentialsFile');
      try {
        registryCredentials = credentialsByRegistry(JSON.parse(text) as DockerConfig);
      } catch {
        // Never echo the file: it holds credentials.
        throw new RescannerConfigError(`registryCredentialsFile ${config.registryCredentialsFile}: not a docker config JSON ({"auths": {...}})`);
      }
    }
    const scanner =
      io.scanner ??
      new TrivyScanner({
        server: config.trivyServer,
        binary: config.trivyPath ?? 'trivy',
        timeoutSeconds: Math.max(1, Math.floor(scanTimeoutSeconds)),
        ...(trivyToken ? { token: trivyToken } : {}),
        ...(config.trivyTokenHeader ? { tokenHeader: config.trivyTokenHeader } : {}),
      });
    const scannerServer =
      io.scannerServer ??
      new TrivyServerClient({
        server: config.trivyServer,
        ...(trivyToken ? { token: trivyToken } : {}),
        ...(config.trivyTokenHeader ? { tokenHeader: config.trivyTokenHeader } : {}),
      });
    options = {
      customer: config.customer,
      cluster: config.cluster,
      kubernetes,
      scanner,
      scannerServer,
      ...(io.verifier
        ? { verifier: io.verifier }
        : config.signingIdentity
          ? {
              verifier: new SignatureVerifier({
                identity: config.signingIdentity,
                format: config.signatureFormat ?? 'sigstore-bundle',
                ...(config.trustedRootFile ? { trust: { trustedRootPath: config.trustedRootFile } } : {}),
              }),
            }
          : {}),
      ...(config.productionNamespaces ? { verifyNamespaces: new RegExp(config.productionNamespaces) } : {}),
      registryCredentials,
      ...(config.workloadIdentity ? { workloadIdentityRegistries: WORKLOAD_IDENTITY_REGISTRIES[config.workloadIdentity] } : {}),
      acceptedRisks: config.acceptedRisks ?? [],
      ...(config.policyReports ? { policyReports: true } : {}),
      ...(dryRun ? {} : { pushgateway: config.pushgateway }),
      maxImageAgeDays: config.maxImageAgeDays ?? 30,
      allowlist: config.allowlist ?? [],
      concurrency: config.concurrency ?? 4,
      // The pool's timeout sits a little above Trivy's own, so Trivy can report why it stopped.
      scanTimeoutMs: scanTimeoutSeconds * 1000 + 5_000,
      scanRetries: config.scanRetries ?? 2,
      pageLimit: config.pageLimit ?? 500,
      maxScanErrorRatio: config.maxScanErrorRatio ?? 0.1,
      logger: log,
      ...(io.now ? { now: io.now } : {}),
      ...(io.backoffMs !== undefined ? { backoffMs: io.backoffMs } : {}),
    };
  } catch (err) {
    if (err instanceof RescannerConfigError) {
      log('error', 'rescan_config_invalid', { error: err.message });
      return EXIT_USAGE;
    }
    throw err;
  }
  const result = await runRescan(options);
  if (dryRun) stdout.write(result.exposition);
  return result.exitCode;
}
