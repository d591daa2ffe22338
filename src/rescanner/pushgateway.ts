/**
 * Pushgateway client. The rescanner owns one group per cluster and customer and REPLACES it
 * (HTTP PUT) every run: Pushgateway never forgets series, so a merge (POST) would keep images
 * that stopped running alerting forever.
 */

export const PUSH_JOB = 'supply_chain_rescanner';

/** Grouping key: cluster and customer (job is fixed). */
export interface GroupingKey {
  readonly cluster: string;
  readonly customer: string;
}

function encodeSegment(name: string, value: string): string {
  // Values with "/" (or empty) cannot be a path segment; Pushgateway accepts base64url then.
  if (value === '' || value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/** `/metrics/job/supply_chain_rescanner/cluster/<c>/customer/<cu>` under `base`. */
export function groupUrl(base: string, key: GroupingKey): string {
  const root = base.replace(/\/+$/, '');
  return `${root}/metrics/${encodeSegment('job', PUSH_JOB)}/${encodeSegment('cluster', key.cluster)}/${encodeSegment('customer', key.customer)}`;
}

export interface PushOptions {
  /** Milliseconds the push may take. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * `PUT` replaces the whole group (normal run); `POST` replaces only the metric names in the
   * body (used after a failed listing, to record the attempt without dropping last good data).
   * @default "PUT"
   */
  readonly method?: 'PUT' | 'POST';
}

/** Pushes an exposition body; throws with the gateway's answer on a non-2xx status. */
export async function pushGroup(base: string, key: GroupingKey, body: string, options: PushOptions = {}): Promise<void> {
  const url = groupUrl(base, key);
  const method = options.method ?? 'PUT';
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  if (!res.ok) {
    const text = (await res.text()).slice(0, 500).trim();
    throw new Error(`${method} ${url}: HTTP ${res.status}: ${text}`);
  }
  await res.body?.cancel();
}

interface ApiMetricsResponse {
  readonly data?: ReadonlyArray<{
    readonly labels?: Record<string, string>;
    readonly [metric: string]: unknown;
  }>;
}

/**
 * Reads one gauge's current value in our group through `/api/v1/metrics`, e.g. the previous
 * `scb_rescan_last_success_timestamp_seconds`, which a failed run re-pushes unchanged.
 * Undefined when the gateway, the group or the metric is absent.
 */
export async function readGroupGauge(base: string, key: GroupingKey, metric: string, timeoutMs = 10_000): Promise<number | undefined> {
  const res = await fetch(`${base.replace(/\/+$/, '')}/api/v1/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  const json = (await res.json()) as ApiMetricsResponse;
  for (const group of json.data ?? []) {
    const labels = group.labels ?? {};
    if (labels.job !== PUSH_JOB || labels.cluster !== key.cluster || labels.customer !== key.customer) continue;
    const family = group[metric] as { metrics?: ReadonlyArray<{ value?: string }> } | undefined;
    const value = Number(family?.metrics?.[0]?.value);
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}
