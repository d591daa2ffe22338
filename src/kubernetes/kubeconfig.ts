import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesClient } from './client';

/**
 * Kubeconfig loading for commands people and CI run against a cluster (`scb flip-check`):
 * @kubernetes/client-node reads the kubeconfig exactly as kubectl does and authenticates every
 * request of the project's client (client.ts) with it.
 */

/** A kubeconfig that cannot be used: the message says which field and how to fix it. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

type ClientNode = typeof import('@kubernetes/client-node');

/**
 * The client library is an ES module; a real dynamic import loads it from this CommonJS build on
 * every supported Node (require() of an ES module needs Node 20.19), and only when a kubeconfig is
 * read (`scb flip-check`; never by the rescanner, see client.ts for why).
 */
const loadClientNode = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<ClientNode>;

/** One API server and how to reach it, as the kubeconfig's context names it. */
export interface ClusterAccess {
  /** The loaded kubeconfig (client-node's), current context set. */
  readonly kubeconfig: KubeConfig;
  /** The API server's URL, without a trailing slash. */
  readonly server: string;
  readonly context: string;
  /** The project's client, authenticated by the kubeconfig on every request. */
  readonly client: KubernetesClient;
}

/**
 * Loads a kubeconfig as kubectl does: `path` if given, else $KUBECONFIG (several files merged),
 * else ~/.kube/config, else the in-cluster service account. `contextName` picks a context
 * (default: current-context). Tokens, client certificates and exec plugins (aws eks get-token,
 * gke-gcloud-auth-plugin, kubelogin) are all handled by the library.
 */
export async function loadKubeconfig(path: string | undefined, contextName?: string): Promise<ClusterAccess> {
  const library = await loadClientNode('@kubernetes/client-node');
  const kubeconfig = new library.KubeConfig();
  const source = path ?? 'the default kubeconfig ($KUBECONFIG, else ~/.kube/config)';
  // Without any kubeconfig the library would fall back to http://localhost:8080; say what is missing instead.
  const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
  if (!path && !process.env.KUBECONFIG && !existsSync(join(home, '.kube', 'config')) && !process.env.KUBERNETES_SERVICE_HOST) {
    throw new KubeconfigError('no kubeconfig: pass --kubeconfig FILE, set $KUBECONFIG, or create ~/.kube/config (kubectl config view shows what kubectl uses)');
  }
  try {
    if (path) kubeconfig.loadFromFile(path);
    else kubeconfig.loadFromDefault();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new KubeconfigError(`cannot read kubeconfig ${source} (${code ?? message.split('\n')[0]}); pass --kubeconfig FILE or set $KUBECONFIG`);
  }
  const contexts = kubeconfig.getContexts().map((context) => context.name);
  if (contextName !== undefined) {
    if (!contexts.includes(contextName)) throw new KubeconfigError(`kubeconfig ${source} has no context "${contextName}" (have: ${contexts.join(', ') || 'none'})`);
    kubeconfig.setCurrentContext(contextName);
  }
  const context = kubeconfig.getCurrentContext();
  const cluster = kubeconfig.getCurrentCluster();
  if (!context || !cluster) {
    throw new KubeconfigError(`kubeconfig ${source} has no usable current-context (contexts: ${contexts.join(', ') || 'none'}); pass --context or --kubeconfig`);
  }
  if (!/^https:\/\//.test(cluster.server)) {
    throw new KubeconfigError(`kubeconfig ${source}: cluster "${cluster.name}" server must be an https:// URL (found ${JSON.stringify(cluster.server)})`);
  }
  const server = cluster.server.replace(/\/+$/, '');
  const client = new KubernetesClient({ apiServer: server, authenticate: (options) => kubeconfig.applyToHTTPSOptions(options) });
  return { kubeconfig, server, context, client };
}

