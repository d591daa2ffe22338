/**
 * `scb drift-agent`: the SBOM drift agent (a DaemonSet of the monitoring bundle). Every interval
 * it compares this node's production containers with their verified SBOM attestations and
 * replaces the node's group on the Pushgateway. Exit codes (with --once): 0 pass done; 1 the
 * node's pods could not be listed; 2 bad flags or configuration; 4 the push failed.
 */
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { Pushgateway } from 'prom-client';
import { parseCommandLine } from '../cli/command-line';
import { DRIFT_AGENT_JOB } from '../monitoring/metrics';
import { jsonLogger, type RescanLogger } from '../rescanner/logger';
import { KubernetesClient } from '../kubernetes/client';
import { renderExposition, toRegistry } from '../rescanner/metrics';
import { attestedSbom } from '../verification/attested-sbom';
import type { TrustOptions } from '../verification/trust';
import { DriftAgent, type AttestedSbomSource } from './agent';
import { DriftAgentConfigError, loadDriftAgentConfig, type DriftAgentConfig } from './config';
import { NodePodList, type ContainerSource } from './node-containers';
import { passEvents, passMetrics } from './report';
import { SyftInventory } from './syft-inventory';

export const DRIFT_AGENT_USAGE = `Usage: scb drift-agent --config FILE [flags]

Compares the packages installed in this node's production containers (syft, through
/proc/<pid>/root) with each image's verified CycloneDX SBOM attestation, by package identity,
and pushes the node's group to the Pushgateway every interval.

Flags:
  --config FILE            drift-agent.json (ConfigMap), e.g. /etc/scb/drift-agent.json
  --node NAME              this node (default: $NODE_NAME, from the downward API)
  --once                   one pass, then exit
  --dry-run                print the metrics to stdout instead of pushing
  --api-server URL         Kubernetes API server (default: in-cluster config)
  --token-file FILE        bearer token for --api-server
  --ca-file FILE           CA bundle for an https --api-server
  --proc DIR               the node's procfs (default /proc; the pod runs with hostPID)
  --syft PATH              syft binary (default: config syftPath, else syft on PATH)
  --trusted-root FILE      trusted_root.json of a private Sigstore instance (default: config, else public Sigstore)
  --insecure-ignore-tlog   accept attestations without a transparency-log entry (private instances, tests)
  --insecure-ignore-sct    accept certificates without an SCT (private instances, tests)
  -h, --help               this text`;

const FLAGS = {
  config: { type: 'string' },
  node: { type: 'string' },
  once: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'api-server': { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  proc: { type: 'string' },
  syft: { type: 'string' },
  'trusted-root': { type: 'string' },
  'insecure-ignore-tlog': { type: 'boolean', default: false },
  'insecure-ignore-sct': { type: 'boolean', default: false },
} as const;

/** Seams for tests; production uses the defaults. */
export interface DriftAgentIo {
  readonly logger?: RescanLogger;
  readonly stdout?: { write(chunk: string): unknown };
  /** Replaces the API server pod list. */
  readonly containers?: ContainerSource;
  /** Stops the loop (besides SIGTERM). */
  readonly signal?: AbortSignal;
}

/** PUT of the node's group: `/metrics/job/supply_chain_drift_agent/cluster/<c>/customer/<cu>/node/<n>`. */
async function pushNodeGroup(config: DriftAgentConfig, node: string, families: ReturnType<typeof passMetrics>): Promise<void> {
  const gateway = new Pushgateway(config.pushgateway.replace(/\/+$/, ''), { timeout: 30_000 }, toRegistry(families));
  await gateway.push({ jobName: DRIFT_AGENT_JOB, groupings: { cluster: config.cluster, customer: config.customer, node } });
}

export async function driftAgentCommand(argv: string[], io: DriftAgentIo = {}): Promise<number> {
  const log = io.logger ?? jsonLogger();
  const stdout = io.stdout ?? process.stdout;
  let values;
  let config: DriftAgentConfig;
  try {
    const commandLine = parseCommandLine(argv, { options: FLAGS, positionals: false, help: `${DRIFT_AGENT_USAGE}\n`, stdout, usageError: (message) => new DriftAgentConfigError(message) });
    if (!commandLine) return 0;
    values = commandLine.values;
    if (!values.config) throw new DriftAgentConfigError('--config: required');
    config = await loadDriftAgentConfig(values.config);
  } catch (error) {
    log('error', 'bad_configuration', { message: (error as Error).message });
    return 2;
  }
  const node = values.node ?? process.env.NODE_NAME;
  if (!node) {
    log('error', 'bad_configuration', { message: '--node: required (or NODE_NAME from the downward API)' });
    return 2;
  }
  const niceness = config.niceness ?? 19;
  try {
    // The agent and every syft it starts yield the CPU to the node's workloads.
    setPriority(0, niceness);
  } catch {
    log('warn', 'nice_refused', { niceness });
  }
  let containers = io.containers;
  if (!containers) {
    let client: KubernetesClient;
    try {
      if (values['api-server']) {
        const token = values['token-file'] ? (await readFile(values['token-file'], 'utf8')).trim() : undefined;
        const ca = values['ca-file'] ? await readFile(values['ca-file']) : undefined;
        client = new KubernetesClient({ apiServer: values['api-server'], ...(token ? { token } : {}), ...(ca ? { ca } : {}) });
      } else client = await KubernetesClient.inCluster();
    } catch (error) {
      log('error', 'bad_configuration', { message: (error as Error).message });
      return 2;
    }
    containers = new NodePodList(client, node);
  }
  const trust: TrustOptions = {
    ...((values['trusted-root'] ?? config.trustedRootFile) ? { trustedRootPath: values['trusted-root'] ?? config.trustedRootFile } : {}),
    insecureIgnoreTlog: values['insecure-ignore-tlog'],
    insecureIgnoreSct: values['insecure-ignore-sct'],
  };
  const sboms: AttestedSbomSource = { attestedSbom: (ref) => attestedSbom(ref, config.signingIdentity, config.signatureFormat, { trust }) };
  const agent = new DriftAgent({
    containers,
    sboms,
    inventory: new SyftInventory({ syftPath: values.syft ?? config.syftPath, niceness, timeoutSeconds: config.inventoryTimeoutSeconds }),
    productionNamespaces: new RegExp(config.productionNamespaces),
    ignorePaths: config.ignorePaths,
    ...(config.fullInventorySeconds ? { fullInventorySeconds: config.fullInventorySeconds } : {}),
    ...(values.proc ? { procRoot: values.proc } : {}),
  });
  const stop = new AbortController();
  const onTerm = () => stop.abort();
  process.once('SIGTERM', onTerm);
  io.signal?.addEventListener('abort', onTerm);
  try {
    for (;;) {
      let exit = 0;
      try {
        const pass = await agent.pass();
        for (const event of passEvents(pass)) log(event.level, event.event, { node, ...event.fields });
        const families = passMetrics(pass, Math.round(Date.now() / 1000));
        if (values['dry-run']) stdout.write(await renderExposition(families));
        else {
          try {
            await pushNodeGroup(config, node, families);
          } catch (error) {
            log('error', 'push_failed', { message: (error as Error).message.slice(0, 300) });
            exit = 4;
          }
        }
        log('info', 'pass_finished', { node, containers: pass.results.length, skipped: pass.skipped, inventories: pass.inventories, seconds: Number(pass.seconds.toFixed(3)) });
      } catch (error) {
        log('error', 'list_failed', { node, message: (error as Error).message.slice(0, 300) });
        exit = 1;
      }
      if (values.once || stop.signal.aborted) return exit;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, (config.intervalSeconds ?? 300) * 1000);
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (stop.signal.aborted) return 0;
    }
  } finally {
    process.removeListener('SIGTERM', onTerm);
  }
}
