/**
 * Every third-party action and tool version the generated workflows use, in one typed table.
 * Actions are pinned by full commit SHA (tags can be force-pushed, as tj-actions/changed-files
 * and aquasecurity/trivy-action showed in 2025 and 2026); tools by exact version.
 * A test checks every entry's form; bump them here and nowhere else.
 */

export interface ActionPin {
  /** `owner/repo` of the action. */
  readonly repository: string;
  /** Full 40-hex commit SHA the `uses:` line points at. */
  readonly sha: string;
  /** The release tag that commit carries, written as a `# vX.Y.Z` comment for reviewers. */
  readonly version: string;
}

/*
 * Where each SHA was read (`git rev-parse <tag>^{commit}` in a snapshot of the action's own
 * repository, fetched 2026-11-25): the first seven were checked against REFERENCE.md §3 and all
 * matched; the rest are the newest release tag of each snapshot, commit date in brackets.
 *   docker/setup-qemu-action v4.2.0 [2026-07-01], aws-actions/configure-aws-credentials v6.2.3
 *   [2026-07-22], aws-actions/amazon-ecr-login v2.1.7 [2026-08-19], google-github-actions/auth
 *   v3.0.0 [2025-08-28], Azure/login v3.0.1 [2026-08-04], actions/attest-build-provenance v4.1.0
 *   [2026-02-26].
 * actions/upload-artifact v7.0.0 [2026-02-25] and actions/download-artifact v8.0.1 [2026-03-11]:
 * `git rev-parse <tag>^{commit}` in snapshots of those repositories read 2026-12-05 (the newest
 * vX.Y.Z tag of each), for the build-to-sign handover of the release workflow.
 */
export const ACTION_PINS = {
  checkout: { repository: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupBuildx: { repository: 'docker/setup-buildx-action', sha: '37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0' },
  login: { repository: 'docker/login-action', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0' },
  buildPush: { repository: 'docker/build-push-action', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0' },
  cosignInstaller: { repository: 'sigstore/cosign-installer', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', version: 'v4.1.2' },
  sbomAction: { repository: 'anchore/sbom-action', sha: 'e22c389904149dbc22b58101806040fa8d37a610', version: 'v0.24.0' },
  setupTrivy: { repository: 'aquasecurity/setup-trivy', sha: '81e514348e19b6112ce2a7e3ecbafe19c1e1f567', version: 'v0.3.1' },
  setupQemu: { repository: 'docker/setup-qemu-action', sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8', version: 'v4.2.0' },
  configureAwsCredentials: { repository: 'aws-actions/configure-aws-credentials', sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', version: 'v6.2.3' },
  amazonEcrLogin: { repository: 'aws-actions/amazon-ecr-login', sha: '03f1aad4c6c7ffd436567f42f9384779290529bd', version: 'v2.1.7' },
  googleAuth: { repository: 'google-github-actions/auth', sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', version: 'v3.0.0' },
  azureLogin: { repository: 'Azure/login', sha: 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca', version: 'v3.0.1' },
  attestBuildProvenance: { repository: 'actions/attest-build-provenance', sha: 'a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32', version: 'v4.1.0' },
  uploadArtifact: { repository: 'actions/upload-artifact', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  downloadArtifact: { repository: 'actions/download-artifact', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
} as const satisfies Record<string, ActionPin>;

export type ActionName = keyof typeof ACTION_PINS;

/** Exact versions of the tools the actions install. */
export const TOOL_VERSIONS: { readonly cosign: string; readonly syft: string; readonly trivy: string } = {
  /** cosign v3.0.6 fixed GHSA-w6c6-c85g-mmv6 (predicate type unchecked for new bundles); never go below. */
  cosign: 'v3.0.6',
  syft: 'v1.42.3',
  /** Released before the March 2026 compromise; see COMPROMISED_TRIVY_VERSIONS. */
  trivy: 'v0.69.3',
};

/** Oldest cosign a verifier may run: older ones skip the predicate-type check of new bundles (GHSA-w6c6-c85g-mmv6). */
export const MIN_VERIFIER_COSIGN_VERSION = '3.0.6';

/**
 * Trivy versions known to be malicious (GHSA-69fq-xp46-6x23 / CVE-2026-33634): a poisoned
 * v0.69.4 binary, and v0.69.5/v0.69.6 images. The generator refuses them outright.
 */
export const COMPROMISED_TRIVY_VERSIONS: readonly string[] = ['v0.69.4', 'v0.69.5', 'v0.69.6'];

/** `owner/repo@sha # vX.Y.Z`, the form every `uses:` line takes. */
export function usesLine(name: ActionName): string {
  const pin = ACTION_PINS[name];
  return `${pin.repository}@${pin.sha}`;
}

/** Throws if a Trivy version is a known-compromised release. */
export function assertTrivyVersionTrusted(version: string): void {
  const normalized = version.startsWith('v') ? version : `v${version}`;
  if (COMPROMISED_TRIVY_VERSIONS.includes(normalized)) {
    throw new Error(
      `Trivy ${normalized} is a known-compromised release (GHSA-69fq-xp46-6x23); pin a version outside ${COMPROMISED_TRIVY_VERSIONS.join(', ')}.`,
    );
  }
}
