/**
 * When was a running image built? Reproducible builds (distroless, ko, Jib, apko,
 * `SOURCE_DATE_EPOCH`) write 1970 into the image config, which would make them look fresh for
 * ever. The rescanner therefore falls back, in order, to: the signature's time (Rekor integrated
 * time), the vulnerability attestation's `scanFinishedOn`, the SBOM's timestamp, the OCI
 * `org.opencontainers.image.created` label, and finally the time it first saw the digest running
 * (a lower bound of the age: "age unknown", which has its own alert). The source is exported.
 */

export const BUILD_TIME_SOURCES = ['image_config', 'signature', 'attestation', 'sbom', 'oci_created', 'first_seen'] as const;
export type BuildTimeSource = (typeof BUILD_TIME_SOURCES)[number];

/**
 * Before this instant a time is a placeholder, not a build time: reproducible builds write
 * 1970-01-01T00:00:00Z (Jib 1970-01-01T00:00:01Z), and no OCI image predates registries.
 */
export const EARLIEST_PLAUSIBLE_BUILD_SECONDS = Date.UTC(2000, 0, 1) / 1000;

/** Candidate times, seconds since the epoch; any may be missing. */
export interface BuildTimeEvidence {
  /** `created` of the image config (Trivy's `Metadata.ImageConfig.created`). */
  readonly imageConfig?: number;
  /** Time of the verified signature (Rekor integrated time or the bundle's signed timestamp). */
  readonly signature?: number;
  /** `scanFinishedOn` of the verified vulnerability attestation. */
  readonly attestation?: number;
  /** `metadata.timestamp` of the verified SBOM attestation. */
  readonly sbom?: number;
  /** The image config label `org.opencontainers.image.created`. */
  readonly ociCreated?: number;
  /** When the rescanner first saw the digest running. */
  readonly firstSeen: number;
}

export interface BuildTime {
  readonly seconds: number;
  readonly source: BuildTimeSource;
}

function plausible(seconds: number | undefined, now: number): seconds is number {
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= EARLIEST_PLAUSIBLE_BUILD_SECONDS && seconds <= now + 86_400;
}

/** The first plausible candidate in the documented order; first seen when none is. */
export function resolveBuildTime(evidence: BuildTimeEvidence, nowSeconds: number): BuildTime {
  for (const source of ['image_config', 'signature', 'attestation', 'sbom', 'oci_created'] as const) {
    const key = source === 'image_config' ? 'imageConfig' : source === 'oci_created' ? 'ociCreated' : source;
    const seconds = evidence[key];
    if (plausible(seconds, nowSeconds)) return { seconds: Math.floor(seconds), source };
  }
  return { seconds: Math.floor(evidence.firstSeen), source: 'first_seen' };
}

/** Parses an RFC 3339 time into seconds, undefined when absent or invalid. */
export function isoSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
