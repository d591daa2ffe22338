import { TOOL_VERSIONS, assertTrivyVersionTrusted } from '../workflow/pins';

/**
 * The container images the monitoring bundle runs, in one typed table. Every image is pinned by
 * digest. A digest marked `placeholder` has NOT been verified against its registry (this
 * machine cannot reach ghcr.io): replace it before the first deployment. Synth prints a warning
 * and every object running a placeholder carries the annotation
 * `supply-chain-bundle.io/image-digest-placeholder: "true"`.
 */
export interface PinnedImage {
  /** Registry and repository, without tag or digest. */
  readonly repository: string;
  /** The tag the digest was taken from, kept for reviewers; the digest is what is pulled. */
  readonly tag: string;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** True while the digest is a placeholder that was never resolved from the registry. */
  readonly placeholder: boolean;
}

/** A digest that can never exist: all-zero, so a forgotten placeholder fails to pull instead of pulling something else. */
const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

export const MONITORING_IMAGES = {
  /**
   * This repository's own rescanner image, built from the root Dockerfile by the release
   * workflow. PLACEHOLDER until that workflow's first release: then pin the digest it prints.
   */
  rescanner: {
    repository: 'ghcr.io/supply-chain-bundle/supply-chain-bundle/rescanner',
    tag: 'v0.1.0',
    digest: PLACEHOLDER_DIGEST,
    placeholder: true,
  },
  /**
   * Trivy server, same version as the workflow's Trivy (published before the March 2026
   * compromise; never 0.69.4–0.69.6). The multi-platform index digest of aquasec/trivy:0.69.3,
   * as pinned by several public projects (read through a code index on 2026-11-25, not from the
   * registry): confirm with `crane digest docker.io/aquasec/trivy:0.69.3` before deploying.
   */
  trivy: {
    repository: 'docker.io/aquasec/trivy',
    tag: TOOL_VERSIONS.trivy.replace(/^v/, ''),
    digest: 'sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c',
    placeholder: false,
  },
} as const satisfies Record<string, PinnedImage>;

/** The annotation that marks an object running an image whose digest is a placeholder. */
export const PLACEHOLDER_ANNOTATION = 'supply-chain-bundle.io/image-digest-placeholder';

/** `repository:tag@digest`: the tag is informative, the digest is what the kubelet pulls. */
export function imageReference(image: PinnedImage): string {
  return `${image.repository}:${image.tag}@${image.digest}`;
}

/** Refuses a Trivy image whose tag is a known-compromised release. */
export function assertTrustedTrivyImage(image: PinnedImage): void {
  assertTrivyVersionTrusted(image.tag);
}

/** Metadata of a workload running `image`: flagged with PLACEHOLDER_ANNOTATION while its digest is a placeholder. */
export function workloadMetadata(name: string, labels: Record<string, string>, image: { readonly placeholder: boolean }) {
  return { name, labels, annotations: image.placeholder ? { [PLACEHOLDER_ANNOTATION]: 'true' } : undefined };
}
