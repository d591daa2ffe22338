import { readFile } from 'node:fs/promises';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { getTrustedRoot } from '@sigstore/tuf';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';

/**
 * Which Sigstore instance signatures must chain to, and which transparency checks apply.
 * Default: the public Sigstore instance, its trusted root fetched through TUF (sigstore-js).
 */
export interface TrustOptions {
  /**
   * A `trusted_root.json` (`cosign trusted-root create`, or a private Sigstore instance's) instead
   * of the public instance's. Legacy-format checks pass it to cosign as `--trusted-root`.
   * @default - the public Sigstore trusted root, through TUF
   */
  readonly trustedRootPath?: string;
  /** TUF mirror of the trusted root. @default https://tuf-repo-cdn.sigstore.dev */
  readonly tufMirrorUrl?: string;
  /** Where the TUF client caches metadata. @default sigstore-js's default (~/.sigstore) */
  readonly tufCachePath?: string;
  /**
   * Accept artifacts without a transparency-log entry (bundles then need an RFC 3161 timestamp).
   * For private instances without Rekor and offline tests only, like cosign's `--insecure-ignore-tlog`.
   * @default false
   */
  readonly insecureIgnoreTlog?: boolean;
  /**
   * Accept certificates without a CT log SCT, like cosign's `--insecure-ignore-sct`.
   * @default false
   */
  readonly insecureIgnoreSct?: boolean;
}

const cache = new Map<string, Promise<TrustMaterial>>();

/** The sigstore-js trust material for the options, loaded once per process. */
export function trustMaterial(options: TrustOptions = {}): Promise<TrustMaterial> {
  const key = JSON.stringify([options.trustedRootPath, options.tufMirrorUrl, options.tufCachePath]);
  let material = cache.get(key);
  if (!material) {
    material = (async () => {
      const root = options.trustedRootPath
        ? TrustedRoot.fromJSON(JSON.parse(await readFile(options.trustedRootPath, 'utf8')))
        : await getTrustedRoot({ mirrorURL: options.tufMirrorUrl, cachePath: options.tufCachePath });
      return toTrustMaterial(root);
    })();
    material.catch(() => cache.delete(key));
    cache.set(key, material);
  }
  return material;
}
