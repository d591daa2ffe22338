/**
 * What a pass reports: metric families (pushed to the Pushgateway as one group per node, as the
 * rescanner pushes its own) and one structured log line per container that drifted or could not
 * be compared, naming the packages. Pure.
 */
import { DRIFT_METRICS } from '../monitoring/metrics';
import type { MetricFamily, Sample } from '../rescanner/metrics';
import type { ContainerResult, PassResult } from './agent';
import { DRIFT_KINDS } from './diff';

const containerLabels = (result: ContainerResult) => {
  const c = result.container;
  return { namespace: c.namespace, workload: c.workload, pod: c.pod, container: c.container, image: c.image, digest: c.digest };
};

/** The pass as metric families; `now` is the pass's end (seconds). */
export function passMetrics(pass: PassResult, now: number): MetricFamily[] {
  const packages: Sample[] = [];
  const unverifiable: Sample[] = [];
  const failed: Sample[] = [];
  const lastInventory: Sample[] = [];
  const duration: Sample[] = [];
  const memory: Sample[] = [];
  for (const result of pass.results) {
    const labels = containerLabels(result);
    const outcome = result.outcome;
    if (outcome.status === 'compared') {
      for (const kind of DRIFT_KINDS) packages.push({ labels: { ...labels, change: kind }, value: outcome.drift.counts[kind] });
      lastInventory.push({ labels, value: outcome.inventoriedAt });
      if (outcome.seconds !== undefined) duration.push({ labels, value: outcome.seconds });
      if (outcome.peakRssBytes) memory.push({ labels, value: outcome.peakRssBytes });
    } else if (outcome.status === 'unverifiable') unverifiable.push({ labels: { ...labels, reason: outcome.reason }, value: 1 });
    else failed.push({ labels: { ...labels, reason: outcome.reason }, value: 1 });
  }
  const family = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
  return [
    family(DRIFT_METRICS.packages, 'Packages of the running container that differ from its verified SBOM attestation, by change (added, removed, changed).', packages),
    family(DRIFT_METRICS.unverifiable, 'The container digest has no verified CycloneDX SBOM attestation of the customer identity (not compared).', unverifiable),
    family(DRIFT_METRICS.inventoryFailed, 'The container could not be inventoried.', failed),
    family(DRIFT_METRICS.lastInventory, 'When the container was last inventoried.', lastInventory),
    family(DRIFT_METRICS.inventoryDuration, 'Wall time of the container\'s last syft inventory.', duration),
    family(DRIFT_METRICS.inventoryPeakMemory, 'Peak resident memory of the container\'s last syft inventory.', memory),
    family(DRIFT_METRICS.lastPass, 'Unix time of the last completed pass on this node.', [{ labels: {}, value: now }]),
    family(DRIFT_METRICS.containers, 'Production containers on this node.', [{ labels: {}, value: pass.results.length }]),
    family(DRIFT_METRICS.inventories, 'syft inventories run in the last pass.', [{ labels: {}, value: pass.inventories }]),
    family(DRIFT_METRICS.passDuration, 'Wall time of the last pass.', [{ labels: {}, value: pass.seconds }]),
  ];
}

/** A structured log event (the agent's logger writes it as one JSON line). */
export interface DriftLogEvent {
  readonly level: 'info' | 'warn' | 'error';
  readonly event: 'package_drift' | 'drift_unverifiable' | 'inventory_failed';
  readonly fields: Readonly<Record<string, unknown>>;
}

/** One event per container that drifted, could not be verified or could not be inventoried; none for "compared, equal". */
export function passEvents(pass: PassResult): DriftLogEvent[] {
  const events: DriftLogEvent[] = [];
  for (const result of pass.results) {
    const labels = containerLabels(result);
    const outcome = result.outcome;
    if (outcome.status === 'compared') {
      if (outcome.drift.changes.length === 0) continue;
      const named = (kind: string) => outcome.drift.changes.filter((change) => change.kind === kind);
      events.push({
        level: 'warn',
        event: 'package_drift',
        fields: {
          ...labels,
          counts: outcome.drift.counts,
          added: named('added').map((change) => ({ package: change.package, versions: change.running })),
          removed: named('removed').map((change) => ({ package: change.package, versions: change.attested })),
          changed: named('changed').map((change) => ({ package: change.package, attested: change.attested, running: change.running })),
        },
      });
    } else if (outcome.status === 'unverifiable') events.push({ level: 'warn', event: 'drift_unverifiable', fields: { ...labels, reason: outcome.reason, detail: outcome.detail } });
    else events.push({ level: 'error', event: 'inventory_failed', fields: { ...labels, reason: outcome.reason, detail: outcome.detail } });
  }
  return events;
}
