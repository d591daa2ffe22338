/**
 * The live suite's customers: the conformance customer (acme/services on the loopback registry,
 * release.yml on main, namespaces production-*, one allowlisted digest), with its dates SHIFTED
 * relative to now, because the controllers run on the real clock. Each is written as a stack
 * file and synthesized with the real `scb synth`, as a customer would; then its admission
 * policies get the conformance suite's test trust roots (`withTestTrustRoots`: the test CA for
 * ClusterPolicy, the local TUF repository + timestamp authority for ImageValidatingPolicy) and
 * nothing else changes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { withTestTrustRoots, type TestTrustRoots } from '../../src/admission/test-overlay';

export type Engine = 'ClusterPolicy' | 'ImageValidatingPolicy';

export interface TrustInputs {
  readonly caPem: string;
  readonly tufUrl: string;
  readonly tufRootBase64: string;
}

export interface LiveCustomerOptions {
  readonly name: string;
  readonly engine: Engine;
  readonly registry: string;
  readonly allowlisted: string;
  /** Days before now the customer was onboarded (a date: the flip is at 00:00 UTC of onboardedAt + softDays). */
  readonly onboardedDaysAgo: number;
  /** An explicit onboarding date (YYYY-MM-DD), instead of onboardedDaysAgo. */
  readonly onboardedAt?: string;
  readonly softDays: number;
  /** Days before now the allowlist entry was last reviewed. @default 0 */
  readonly reviewedDaysAgo?: number;
  /**
   * The conformance cases' accepted risks (`conformanceAcceptedRisks`), so the accepted-risk cases mean the same live.
   * @default []
   */
  readonly acceptedRisks?: ReadonlyArray<Record<string, string>>;
}

export interface LiveBundle {
  readonly name: string;
  readonly dir: string;
  /** The overlaid admission policies, as parsed objects. */
  readonly policies: Record<string, any>[];
  /** The enforcement mode the generator chose for now. */
  readonly mode: string;
}

const DAY = 24 * 3600 * 1000;
export const isoDate = (at: Date) => at.toISOString().slice(0, 10);

export function liveStackFile(options: LiveCustomerOptions, now: Date): string {
  const description = {
    name: options.name,
    github: { owner: 'acme', repository: 'services', workflow: 'release.yml', branch: 'main' },
    image: `${options.registry}/acme/services`,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine: options.engine, namespaces: ['production-*'] },
    enforcement: { onboardedAt: options.onboardedAt ?? isoDate(new Date(now.getTime() - options.onboardedDaysAgo * DAY)), softDays: options.softDays },
    // Scan freshness is opt-in (docs/admission.md); the conformance customer opts in too.
    scan: { maxAge: '168h' },
    // The e2e runs the rescanner from this checkout, not from an image: the placeholder digest is never pulled.
    monitoring: { allowPlaceholderImages: true },
    allowlist: [
      {
        image: options.allowlisted,
        reason: 'e2e: a third-party image kept by digest',
        owner: 'platform@acme.example',
        lastReviewed: isoDate(new Date(now.getTime() - (options.reviewedDaysAgo ?? 0) * DAY)),
      },
      // As the conformance customer (test/conformance/generate-suite.ts): an injected sidecar by tag, allowlisted by repository.
      {
        repository: `${options.registry}/other/sidecar`,
        reason: 'e2e: a sidecar a mesh injects by tag',
        owner: 'platform@acme.example',
        lastReviewed: isoDate(new Date(now.getTime() - 10 * DAY)),
      },
    ],
    ...(options.acceptedRisks && options.acceptedRisks.length > 0 ? { vulnerabilities: { acceptedRisks: options.acceptedRisks } } : {}),
  };
  return stringify({ config: { 'supply-chain:customer': description } });
}

/** Synthesizes the customer with the real CLI at `now`, and overlays the test trust roots. */
export function synthLiveCustomer(repoRoot: string, work: string, options: LiveCustomerOptions, trust: TrustInputs, now: Date): LiveBundle {
  const stacks = join(work, 'stacks');
  mkdirSync(stacks, { recursive: true });
  const stackFile = join(stacks, `Pulumi.${options.name}.yaml`);
  writeFileSync(stackFile, liveStackFile(options, now));
  const out = join(work, 'dist');
  const synth = spawnSync(process.execPath, [join(repoRoot, 'bin/scb.js'), 'synth', stackFile, '--out', out, '--at', now.toISOString()], { encoding: 'utf8' });
  if (synth.status !== 0) throw new Error(`scb synth ${stackFile} failed: ${synth.stderr}`);
  const dir = join(out, options.name);
  const text = readFileSync(join(dir, 'kubernetes/admission-policies.yaml'), 'utf8');
  const roots: TestTrustRoots =
    options.engine === 'ClusterPolicy' ? { rootsPem: trust.caPem } : { tufMirror: trust.tufUrl, tufRootBase64: trust.tufRootBase64 };
  const policies = parseAllDocuments(text).map((doc) => withTestTrustRoots(doc.toJS() as Record<string, any>, roots));
  // Both twins are rendered whatever the clock (src/admission/flip-gate.ts): the mode in force now
  // is the flip date's side of now.
  const flip = policies[0]?.metadata?.annotations?.['supply-chain-bundle.io/enforce-from'];
  const mode = typeof flip === 'string' ? (Date.parse(`${flip}T00:00:00Z`) <= now.getTime() ? 'enforce' : 'audit') : 'unknown';
  return { name: options.name, dir, policies, mode };
}
