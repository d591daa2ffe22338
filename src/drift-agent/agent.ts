/**
 * One pass of the drift agent over this node's production containers:
 *   list containers → attested SBOM of each digest (verified, cached per digest) → process root
 *   → package fingerprint → syft inventory when new or changed → diff by package identity.
 * A digest without a verified CycloneDX SBOM is "unverifiable" and is never inventoried or
 * reported as "no drift". Each container's result is independent: one failure never hides another.
 */
import { readdir } from 'node:fs/promises';
import type { AttestedSbom, UnverifiableReason } from '../verification/attested-sbom';
import { diffPackages, type PackageDrift } from './diff';
import { packageFingerprint } from './fingerprint';
import type { ContainerSource, RunningContainer } from './node-containers';
import { packagesOf, type PackageSet } from './packages';
import { pidsOfContainers, rootOf } from './process-roots';
import type { PackageInventory } from './syft-inventory';

/** Where the attested SBOM of a digest comes from (the shared verification module in production). */
export interface AttestedSbomSource {
  /** `ref` is `repository@sha256:…`. */
  attestedSbom(ref: string): Promise<AttestedSbom>;
}

export type ContainerOutcome =
  | { readonly status: 'compared'; readonly drift: PackageDrift; readonly inventoriedAt: number; readonly inventoried: boolean; readonly seconds?: number; readonly peakRssBytes?: number }
  | { readonly status: 'unverifiable'; readonly reason: UnverifiableReason; readonly detail: string }
  | { readonly status: 'failed'; readonly reason: 'no_process' | 'root_unreadable' | 'inventory'; readonly detail: string };

export interface ContainerResult {
  readonly container: RunningContainer;
  readonly outcome: ContainerOutcome;
}

export interface PassResult {
  /** Production containers of this node, sorted. */
  readonly results: readonly ContainerResult[];
  /** Containers of this node outside the production namespaces (not compared). */
  readonly skipped: number;
  /** syft runs this pass. */
  readonly inventories: number;
  readonly seconds: number;
}

export interface DriftAgentOptions {
  readonly containers: ContainerSource;
  readonly sboms: AttestedSbomSource;
  readonly inventory: PackageInventory;
  /** Anchored regular expression of the production namespaces. */
  readonly productionNamespaces: RegExp;
  readonly ignorePaths: readonly string[];
  /** Re-inventory after this long even when the fingerprint is unchanged. @default 21600 */
  readonly fullInventorySeconds?: number;
  /** Re-verify an unverifiable digest after this long (a late attestation). @default 900 */
  readonly unverifiableRecheckSeconds?: number;
  /** @default "/proc" */
  readonly procRoot?: string;
  /** @default Date.now()/1000 */
  readonly now?: () => number;
}

interface Inventoried {
  readonly fingerprint: string;
  readonly at: number;
  readonly running: PackageSet;
  readonly seconds: number;
  readonly peakRssBytes: number;
}

export class DriftAgent {
  /** By container ID: what the last inventory found. Dropped when the container stops running. */
  private readonly inventories = new Map<string, Inventoried>();
  /** By digest: verified SBOMs are immutable facts; unverifiable ones are checked again later. */
  private readonly sboms = new Map<string, { readonly result: AttestedSbom; readonly attested?: PackageSet; readonly at: number }>();

  constructor(private readonly options: DriftAgentOptions) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now() / 1000;
  }

  private async attested(container: RunningContainer): Promise<{ result: AttestedSbom; attested?: PackageSet }> {
    const cached = this.sboms.get(container.digest);
    const recheck = this.options.unverifiableRecheckSeconds ?? 900;
    if (cached && (cached.result.status === 'verified' || this.now() - cached.at < recheck)) return cached;
    const result = await this.options.sboms.attestedSbom(`${container.image}@${container.digest}`);
    let entry: { result: AttestedSbom; attested?: PackageSet; at: number };
    if (result.status === 'verified') {
      try {
        entry = { result, attested: packagesOf(result.bom, this.options.ignorePaths), at: this.now() };
      } catch (error) {
        entry = { result: { status: 'unverifiable', reason: 'not_cyclonedx', detail: (error as Error).message }, at: this.now() };
      }
    } else entry = { result, at: this.now() };
    this.sboms.set(container.digest, entry);
    return entry;
  }

  /** One pass. Throws only when the node's containers cannot be listed. */
  async pass(): Promise<PassResult> {
    const started = process.hrtime.bigint();
    const all = await this.options.containers.list();
    const production = all.filter((container) => this.options.productionNamespaces.test(container.namespace));
    const pids = await pidsOfContainers(production.map((container) => container.containerId), this.options.procRoot);
    const results: ContainerResult[] = [];
    let inventories = 0;
    for (const container of production) {
      const { result, attested } = await this.attested(container);
      if (result.status !== 'verified' || !attested) {
        const reason = result.status === 'unverifiable' ? result.reason : 'not_cyclonedx';
        results.push({ container, outcome: { status: 'unverifiable', reason, detail: result.status === 'unverifiable' ? result.detail : 'unreadable SBOM' } });
        continue;
      }
      const pid = pids.get(container.containerId);
      if (pid === undefined) {
        results.push({ container, outcome: { status: 'failed', reason: 'no_process', detail: `no process of container ${container.containerId.slice(0, 12)} in ${this.options.procRoot ?? '/proc'}` } });
        continue;
      }
      const root = rootOf(pid, this.options.procRoot);
      try {
        await readdir(root);
      } catch (error) {
        // EACCES: the kernel refuses another process's root without CAP_SYS_PTRACE (or the same user and capabilities).
        results.push({ container, outcome: { status: 'failed', reason: 'root_unreadable', detail: `${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (the agent needs SYS_PTRACE)` } });
        continue;
      }
      // The container's own volumes are expected to change: left out on both sides.
      const ignorePaths = [...this.options.ignorePaths, ...container.mountPaths];
      const fingerprint = await packageFingerprint(root);
      const previous = this.inventories.get(container.containerId);
      const fresh = previous && previous.fingerprint === fingerprint && this.now() - previous.at < (this.options.fullInventorySeconds ?? 21_600);
      let current = previous;
      if (!fresh) {
        try {
          const found = await this.options.inventory.inventory(root, ignorePaths);
          inventories += 1;
          current = { fingerprint, at: this.now(), running: packagesOf(found.bom, ignorePaths), seconds: found.seconds, peakRssBytes: found.peakRssBytes };
          this.inventories.set(container.containerId, current);
        } catch (error) {
          results.push({ container, outcome: { status: 'failed', reason: 'inventory', detail: (error as Error).message.slice(0, 300) } });
          continue;
        }
      }
      if (!current) continue;
      results.push({
        container,
        outcome: { status: 'compared', drift: diffPackages(container.mountPaths.length > 0 && result.status === 'verified' ? packagesOf(result.bom, ignorePaths) : attested, current.running), inventoriedAt: current.at, inventoried: !fresh, seconds: current.seconds, peakRssBytes: current.peakRssBytes },
      });
    }
    // Forget containers that stopped: their IDs never come back.
    const running = new Set(all.map((container) => container.containerId));
    for (const id of this.inventories.keys()) if (!running.has(id)) this.inventories.delete(id);
    const digests = new Set(all.map((container) => container.digest));
    for (const digest of this.sboms.keys()) if (!digests.has(digest)) this.sboms.delete(digest);
    return { results, skipped: all.length - production.length, inventories, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }
}
