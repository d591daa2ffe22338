import { stringify } from 'yaml';
import { YAML_OPTIONS } from '../contract';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import { renderManifest, type Artifact, type BundleFacts, type BundleFeature, type BundleManifest } from '../manifest';

export { WORKFLOW_YAML_OPTIONS, YAML_OPTIONS } from '../contract';
export type { BundleContext, BundleParts, ChartOptions } from '../manifest';

/** One area adding to a customer's bundle; see src/manifest/feature.ts. */
export type BundleContributor = BundleFeature;

export interface RenderedBundle {
  readonly customer: Customer;
  readonly enforcement: EnforcementState;
  /** The typed manifest the files were serialised from. */
  readonly manifest: BundleManifest;
  readonly facts: BundleFacts;
  /** Relative path → content, in a stable order. */
  readonly files: ReadonlyMap<string, string>;
  readonly summary: readonly string[];
}

/** Serializes documents as a YAML stream with the package's fixed options. */
export function toYamlStream(documents: readonly unknown[]): string {
  return documents.map((document) => stringify(document, YAML_OPTIONS)).join('---\n');
}

/** The bytes of one artifact as synth writes them. */
export function serialiseArtifact(artifact: Artifact): string {
  if ('objects' in artifact && artifact.objects !== undefined) return toYamlStream(artifact.objects);
  if ('text' in artifact && artifact.text !== undefined) return artifact.text;
  throw new Error(`artifact ${artifact.path} has neither objects nor text`);
}

/** Relative path → content of every artifact of the manifest, sorted by path. */
export function serialiseManifest(manifest: BundleManifest): ReadonlyMap<string, string> {
  return new Map(manifest.artifacts.map((artifact) => [artifact.path, serialiseArtifact(artifact)]));
}

/** Renders one customer's bundle in memory and serialises it. Pure: the same customer and clock give the same bytes. */
export function renderBundle(customer: Customer, at: Date, contributors: readonly BundleContributor[]): RenderedBundle {
  const manifest = renderManifest(customer, at, contributors);
  return {
    customer,
    enforcement: manifest.enforcement,
    manifest,
    facts: manifest.facts,
    files: serialiseManifest(manifest),
    summary: manifest.summary,
  };
}
