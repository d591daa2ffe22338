import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Customer } from '../model/customer';
import { KUSTOMIZATION_HEADING, KUSTOMIZATION_PATH } from '../manifest';
import { AtomicBundleWriter } from './atomic-writer';
import { renderBundle, serialiseArtifact, type BundleContributor } from './bundle';
import { BUNDLE_CONTRIBUTORS } from './contributors';
import { fluxContributor } from '../gitops/contributor';
import { fleetArtifacts } from '../gitops/fleet-files';
import { DEFAULT_GITOPS_SETTINGS, type GitOpsSettings } from '../gitops/settings';

export interface SynthesizeOptions {
  /** The injected clock. */
  readonly at: Date;
  /** Output folder; each customer gets `<outDir>/<name>/`. */
  readonly outDir: string;
  /** @default BUNDLE_CONTRIBUTORS */
  readonly contributors?: readonly BundleContributor[];
  /**
   * GitOps fan-out: each customer's Flux sync and the fleet's Argo CD ApplicationSet. `false`
   * writes customer bundles only.
   * @default DEFAULT_GITOPS_SETTINGS, or false when `contributors` is given
   */
  readonly gitops?: GitOpsSettings | false;
  /** Called before each customer renders, for progress output. */
  readonly onCustomer?: (index: number, customer: Customer) => void;
  /**
   * Remove bundles in `outDir` of customers that are not being synthesized (a customer deleted
   * or renamed in stacks/), so GitOps stops applying them. Only for a synth of the whole fleet.
   * @default false
   */
  readonly pruneStale?: boolean;
}

export interface SynthesizeResult {
  readonly customers: readonly { name: string; fileCount: number; summary: readonly string[] }[];
  /** Fleet-level folders written beside the customers (e.g. `argocd`). */
  readonly fleetFolders: readonly string[];
  /** Bundles of customers no longer in stacks/ that were removed (with `pruneStale`). */
  readonly removed: readonly string[];
}

/** A folder scb generated for a customer: its Kustomize index carries the manifest's own heading. */
function isGeneratedBundle(folder: string): boolean {
  try {
    return readFileSync(join(folder, KUSTOMIZATION_PATH), 'utf8').startsWith(KUSTOMIZATION_HEADING);
  } catch {
    return false;
  }
}

/**
 * Renders every customer and writes them all-or-nothing. Each bundle is staged on disk as soon
 * as it renders and then dropped from memory, so memory does not grow with the fleet.
 */
export function synthesize(customers: readonly Customer[], options: SynthesizeOptions): SynthesizeResult {
  const writer = new AtomicBundleWriter(options.outDir);
  const results: { name: string; fileCount: number; summary: readonly string[] }[] = [];
  const gitops = options.gitops ?? (options.contributors ? false : DEFAULT_GITOPS_SETTINGS);
  const contributors = [...(options.contributors ?? BUNDLE_CONTRIBUTORS), ...(gitops ? [fluxContributor(gitops)] : [])];
  const fleetFolders: string[] = [];
  const removed: string[] = [];
  try {
    customers.forEach((customer, index) => {
      options.onCustomer?.(index, customer);
      const bundle = renderBundle(customer, options.at, contributors);
      writer.stage(customer.name, bundle.files);
      results.push({ name: customer.name, fileCount: bundle.files.size, summary: bundle.summary });
    });
    // Staged with the customers, so fleet files and bundles are swapped in together or not at all.
    if (gitops) {
      for (const [folder, artifacts] of fleetArtifacts(gitops)) {
        writer.stage(folder, new Map(artifacts.map((artifact) => [artifact.path, serialiseArtifact(artifact)])));
        fleetFolders.push(folder);
      }
    }
    if (options.pruneStale && existsSync(options.outDir)) {
      const current = new Set([...customers.map((customer) => customer.name), ...fleetFolders]);
      for (const entry of readdirSync(options.outDir, { withFileTypes: true })) {
        if (entry.isDirectory() && !current.has(entry.name) && isGeneratedBundle(join(options.outDir, entry.name))) {
          writer.retire(entry.name);
          removed.push(entry.name);
        }
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.commit();
  return { customers: results, fleetFolders, removed: removed.sort() };
}
