import { execFile } from 'node:child_process';
import { COSIGN_ATTESTATION_TYPES } from '../contract/identity';
import type { ExpectedIdentity } from './certificate-identity';
import type { TrustOptions } from './trust';

/**
 * Verification of the legacy `sha256-<hex>.sig` / `.att` tags through the cosign CLI, with the
 * same flags as the deploy gate (identity, issuer, GitHub trigger and repository extensions,
 * `--new-bundle-format=false`).
 *
 * Why the CLI and not sigstore-js for this format: sigstore-js verifies Sigstore bundles, and
 * checks a certificate chain only at the times of verified timestamps (Rekor SET or RFC 3161);
 * a legacy signature carries its Rekor entry in an annotation of its own shape, and one made
 * without a transparency log (private instances, the offline tests) has no timestamp at all, so
 * sigstore-js would check no chain. cosign is the reference verifier of its own legacy format,
 * and checks the chain at the Rekor time or, with `--insecure-ignore-tlog`, now. Measured on the
 * loopback registry: ~50–100 ms per call, three calls per image.
 */

export interface CosignOptions {
  /** cosign binary. @default $COSIGN, else `cosign` on PATH */
  readonly cosign?: string;
  /** Environment for cosign (DOCKER_CONFIG, HOME for its TUF cache). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Per-call timeout in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
}

export type LegacyCheck = 'signature' | keyof typeof COSIGN_ATTESTATION_TYPES;

export interface CosignResult {
  /** cosign accepted at least one artifact of this kind for the identity. */
  readonly ok: boolean;
  /** cosign's stdout lines of JSON: signature payloads, or DSSE envelopes of verified attestations. */
  readonly verified: readonly Record<string, unknown>[];
  /** cosign's reason, when not ok (first `Error:` line). */
  readonly error?: string;
  /** cosign could not be run at all (not installed): the caller cannot say anything about the format. */
  readonly unavailable?: boolean;
}

export function cosignArgs(check: LegacyCheck, digestReference: string, identity: ExpectedIdentity, trust: TrustOptions): string[] {
  const args = [check === 'signature' ? 'verify' : 'verify-attestation', '--new-bundle-format=false', '--output', 'json'];
  if (check !== 'signature') args.push('--type', COSIGN_ATTESTATION_TYPES[check]);
  args.push(
    '--certificate-identity', identity.subject,
    '--certificate-oidc-issuer', identity.issuer,
    '--certificate-github-workflow-trigger', identity.trigger,
    '--certificate-github-workflow-repository', identity.repository,
  );
  if (trust.trustedRootPath) args.push('--trusted-root', trust.trustedRootPath);
  if (trust.insecureIgnoreTlog) args.push('--insecure-ignore-tlog=true');
  if (trust.insecureIgnoreSct) args.push('--insecure-ignore-sct=true');
  args.push(digestReference);
  return args;
}

function parseJsonLines(stdout: string): Record<string, unknown>[] {
  const values: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) continue;
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      for (const value of Array.isArray(parsed) ? parsed : [parsed]) if (value && typeof value === 'object') values.push(value as Record<string, unknown>);
    } catch {
      // cosign prints only JSON on stdout with --output json; anything else is ignored.
    }
  }
  return values;
}

export function runCosign(check: LegacyCheck, digestReference: string, identity: ExpectedIdentity, trust: TrustOptions, options: CosignOptions = {}): Promise<CosignResult> {
  const env = options.env ?? process.env;
  const cosign = options.cosign ?? env.COSIGN ?? 'cosign';
  return new Promise((resolve) => {
    execFile(cosign, cosignArgs(check, digestReference, identity, trust), { env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ ok: false, verified: [], unavailable: true, error: `cosign not found (${cosign}); install cosign v3.0.6 or later to verify legacy .sig/.att artifacts` });
        return;
      }
      if (error) {
        const reason = String(stderr).split('\n').find((line) => line.startsWith('Error:'))?.replace(/^Error:\s*/, '') ?? error.message.split('\n')[0];
        resolve({ ok: false, verified: [], error: reason });
        return;
      }
      resolve({ ok: true, verified: parseJsonLines(String(stdout)) });
    });
  });
}
