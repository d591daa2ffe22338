/**
 * Pushgateway access. The rescanner owns one group per cluster and customer and REPLACES it
 * (HTTP PUT, prom-client's `Pushgateway.push`) every run: Pushgateway never forgets series, so a
 * merge would keep images that stopped running alerting forever.
 *
 * The same group is also the rescanner's memory between CronJob runs: {@link readGroup} reads the
 * previous push back (`GET /api/v1/metrics`), so a digest whose scan fails keeps its last known
 * findings, its failure streak and its first-seen time (see previous-state.ts for why the
 * gateway rather than a separate store).
 */
import { Pushgateway, type Registry } from 'prom-client';

export const PUSH_JOB = 'supply_chain_rescanner';

/** Grouping key: cluster and customer (job is fixed). */
export interface GroupingKey {
  readonly cluster: string;
  readonly customer: string;
}

function assertSegment(name: string, value: string): void {
  // prom-client puts grouping values into the path percent-encoded; "/" or an empty value would
  // need the gateway's base64 form. The model only allows DNS labels here, so refuse the rest.
  if (value === '' || value.includes('/')) throw new Error(`grouping label ${name}="${value}" cannot be a Pushgateway path segment`);
}

/** `/metrics/job/supply_chain_rescanner/cluster/<c>/customer/<cu>` under `base`. */
export function groupUrl(base: string, key: GroupingKey): string {
  assertSegment('cluster', key.cluster);
  assertSegment('customer', key.customer);
  return `${base.replace(/\/+$/, '')}/metrics/job/${PUSH_JOB}/cluster/${encodeURIComponent(key.cluster)}/customer/${encodeURIComponent(key.customer)}`;
}

export interface PushOptions {
  /** Milliseconds the push may take. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * `PUT` replaces the whole group (normal run); `POST` replaces only the metric names in the
   * body (used when the run cannot replace the group without losing state).
   * @default "PUT"
   */
  readonly method?: 'PUT' | 'POST';
}

/** Pushes a registry's metrics to the group; throws with the gateway's answer on an error status. */
export async function pushGroup(base: string, key: GroupingKey, registry: Registry, options: PushOptions = {}): Promise<void> {
  groupUrl(base, key);
  const gateway = new Pushgateway(base.replace(/\/+$/, ''), { timeout: options.timeoutMs ?? 30_000, headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } }, registry);
  const params = { jobName: PUSH_JOB, groupings: { cluster: key.cluster, customer: key.customer } };
  const method = options.method ?? 'PUT';
  try {
    await (method === 'PUT' ? gateway.push(params) : gateway.pushAdd(params));
  } catch (err) {
    throw new Error(`${method} ${groupUrl(base, key)}: ${(err as Error).message.slice(0, 500)}`);
  }
}

/** One series as the gateway's JSON API returns it. */
export interface GroupSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Series of the group by metric name. */
export type GroupMetrics = ReadonlyMap<string, readonly GroupSeries[]>;

interface ApiMetricsResponse {
  readonly data?: ReadonlyArray<{
    readonly labels?: Record<string, string>;
    readonly [metric: string]: unknown;
  }>;
}

/**
 * Reads our group back through `/api/v1/metrics`. Undefined when the gateway has no such group
 * (first run, or a gateway restarted without persistence); throws when the gateway cannot be
 * read, so the caller can tell "nothing known" from "unknown".
 */
export async function readGroup(base: string, key: GroupingKey, timeoutMs = 10_000): Promise<GroupMetrics | undefined> {
  const url = `${base.replace(/\/+$/, '')}/api/v1/metrics`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  const json = (await res.json()) as ApiMetricsResponse;
  for (const group of json.data ?? []) {
    const labels = group.labels ?? {};
    if (labels.job !== PUSH_JOB || labels.cluster !== key.cluster || labels.customer !== key.customer) continue;
    const out = new Map<string, GroupSeries[]>();
    for (const [name, family] of Object.entries(group)) {
      if (name === 'labels' || typeof family !== 'object' || family === null) continue;
      const metrics = (family as { metrics?: ReadonlyArray<{ labels?: Record<string, string>; value?: string }> }).metrics ?? [];
      const series: GroupSeries[] = [];
      for (const m of metrics) {
        const value = Number(m.value);
        if (Number.isFinite(value)) series.push({ labels: m.labels ?? {}, value });
      }
      out.set(name, series);
    }
    return out;
  }
  return undefined;
}
