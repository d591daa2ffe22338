/**
 * Writes the conformance suites from the policies the GENERATOR emits (not hand-made samples).
 *
 *   node lib/test/conformance/generate-suite.js --out DIR --images images.env --ca ca.pem \
 *        --tuf-url http://127.0.0.1:PORT --tuf-root-b64 root.json.b64
 *
 * For the conformance customer (acme/services, release.yml on main, image REGISTRY/acme/services,
 * a generic registry login, namespaces production-*, scan.maxAge 168h, one allowlisted digest) it
 * renders the real bundle for both engines, per SUITES (dates relative to today, since the flip
 * gate runs on Kyverno's clock: soft period, after the flip, rendered in the soft period but
 * evaluated after it, and a controller's requests), applies `withTestTrustRoots` (ClusterPolicy: the test CA as keyless.roots; ImageValidatingPolicy:
 * a local TUF repository naming the test CA and TSA; identities untouched), and writes per suite:
 *   policy.yaml        the customer's two generated policies, overlaid
 *   resources.yaml     one Pod (or Deployment) per case, in production-x or in staging
 *   userinfo.yaml      the requesting user of the suite (a deployer, or the ReplicaSet controller)
 *   kyverno-test.yaml  what `kyverno test` must report (judged by helpers/kyverno-check.py)
 *   cases.json         the matrix rows: case, expected admission verdict, known gaps, notes
 * and deploy-gate/<engine>/ with the generated verify.sh and vuln-policy.rego.
 *
 * Expectations are written here once, per case, in admission terms (which of rules 1-4 the case
 * breaks); the per-engine Test-file rows are derived from them. Where the engine or the CLI is
 * known to deviate, the deviation is named (knownGap / offline) and never counted as a pass.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { type PolicyRole, twinName } from '../../src/admission/flip-gate';
import { CLUSTER_POLICY_RULES, policyNames } from '../../src/admission/policy-metadata';
import { withTestTrustRoots, type TestTrustRoots } from '../../src/admission/test-overlay';
import type { Customer } from '../../src/model/customer';
import { customerFromDescription } from '../../src/model/load';
import { signatureFormat } from '../../src/contract';
import { renderBundle } from '../../src/synth/bundle';
import { BUNDLE_CONTRIBUTORS } from '../../src/synth/contributors';
import { readEnvFile } from '../support/env-file';

type Engine = 'ClusterPolicy' | 'ImageValidatingPolicy';
type Mode = 'audit' | 'enforce';
/**
 * `scanTime`: rule 3's time-dependent part (CRITICAL age, opt-in scan age), judged on changes only.
 * `allowlistTime`: an allowlist entry past its expiry, judged on changes only (ClusterPolicy rule
 * `allowlist-expiry`; on the CEL engine part of rule 4's ValidatingPolicy).
 */
type Rule = 'signature' | 'sbom' | 'scan' | 'scanTime' | 'allowed' | 'allowlistTime';
type Verdict = 'admit' | 'refuse';
type RowResult = 'pass' | 'fail' | 'skip';

export const PRODUCTION_NAMESPACE = 'production-x';
export const OTHER_NAMESPACE = 'staging';
const DAY_MS = 86_400_000;

/** The user of every request in a suite (`kyverno test`'s `userinfo`). */
export const USERS = {
  deployer: { username: 'deployer@acme.example', groups: ['system:authenticated'] },
  controller: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
} as const;

/**
 * One suite: the customer onboarded `onboardedDaysAgo` days before today with 30 soft days,
 * rendered at `renderedDaysAgo` days before today (noon UTC), evaluated by the real Kyverno CLI
 * with its real clock. Dates are relative to today, so the enforce twin's flip gate (evaluated by
 * Kyverno's clock, not the synth clock) is really open or closed.
 */
interface SuiteDefinition {
  readonly name: string;
  readonly onboardedDaysAgo: number;
  readonly renderedDaysAgo: number;
  /** The mode the synth clock gives (checked). */
  readonly renderedMode: Mode;
  /** Whether the flip instant has passed on today's clock, i.e. the enforce twin is open. */
  readonly enforcing: boolean;
  readonly user: keyof typeof USERS;
  /** Cases of this suite (default: all). */
  readonly cases?: readonly string[];
  readonly description: string;
}

export const SUITES: readonly SuiteDefinition[] = [
  { name: 'enforce', onboardedDaysAgo: 40, renderedDaysAgo: 0, renderedMode: 'enforce', enforcing: true, user: 'deployer', description: 'after the flip' },
  { name: 'audit', onboardedDaysAgo: 10, renderedDaysAgo: 0, renderedMode: 'audit', enforcing: false, user: 'deployer', description: 'soft period (flip in 20 days)' },
  {
    name: 'live-flip',
    onboardedDaysAgo: 40,
    renderedDaysAgo: 15,
    renderedMode: 'audit',
    enforcing: true,
    user: 'deployer',
    cases: ['good', 'unsigned', 'stale-scan', 'outside', 'deployment-stale-scan', 'allowlisted', 'allowlist-expired'],
    description: 'rendered in the soft period (15 days ago), flip 10 days ago: enforces with no re-synth',
  },
  {
    name: 'controller',
    onboardedDaysAgo: 40,
    renderedDaysAgo: 0,
    renderedMode: 'enforce',
    enforcing: true,
    user: 'controller',
    cases: ['good', 'unsigned', 'stale-scan', 'old-critical', 'outside', 'wrong-branch', 'missing-sbom', 'allowlist-expired', 'sidecar'],
    description: "the ReplicaSet controller's requests (a reschedule): time-dependent rules do not judge",
  },
];

interface CaseDefinition {
  readonly name: string;
  readonly description: string;
  /** images.env key of the image, without the engine prefix (`good` → `good_REF` or `t_good_REF`). */
  readonly image: (engine: Engine) => string;
  readonly initImage?: (engine: Engine) => string;
  readonly namespace: string;
  /** Kind of the resource: a bare Pod (default) or a Deployment (Kyverno's autogen rules). */
  readonly kind?: 'Pod' | 'Deployment';
  /** The admission rules this case breaks (empty: nothing to refuse). */
  readonly breaks: readonly Rule[];
  /** Whether the verify-images policy selects its images (customer references, not allowlisted). */
  readonly selected: boolean;
  /** Engines this case is not run on, with the reason (printed as a note). */
  readonly notOn?: Partial<Record<Engine, string>>;
  /**
   * Rules an engine's verifier accepts although the case breaks them, while the case is still
   * refused by its other rules: those rule rows expect `pass`, and the note says why.
   */
  readonly acceptedBy?: Partial<Record<Engine, { readonly rules: readonly Rule[]; readonly note: string }>>;
  /** What the engine really does where it deviates from the policy's intent: a known gap. */
  readonly knownGap?: Partial<Record<Engine, { actual: Verdict; note: string }>>;
  /** Where the CLI cannot show the cluster's behaviour: what it reports instead, and why. */
  readonly offline?: Partial<Record<`${Engine}/${Mode}`, { cli: Verdict; note: string }>>;
}

const prefixed = (key: string) => (engine: Engine) => (engine === 'ClusterPolicy' ? `${key}_REF` : `t_${key}_REF`);
const tagOf = (key: string) => (engine: Engine) => (engine === 'ClusterPolicy' ? `${key}_TAG` : `t_${key}_TAG`);
const fixed = (key: string) => () => key;
const ALL_VERIFY: Rule[] = ['signature', 'sbom', 'scan', 'scanTime'];
const TAG_OFFLINE = {
  cli: 'refuse' as const,
  note: 'not verifiable offline: the CLI does not run the IVP mutateDigest step, so verifyDigest refuses the tag ("does not have a digest")',
};

export const CASES: readonly CaseDefinition[] = [
  { name: 'good', description: 'release workflow on main (push), SBOM, fresh clean scan', image: prefixed('good'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  { name: 'unsigned', description: 'no signature, no attestation', image: prefixed('unsigned'), namespace: PRODUCTION_NAMESPACE, breaks: ALL_VERIFY, selected: true },
  { name: 'wrong-branch', description: 'signed and attested on refs/heads/feature-x', image: prefixed('branch'), namespace: PRODUCTION_NAMESPACE, breaks: ALL_VERIFY, selected: true },
  { name: 'wrong-repo', description: 'signed and attested by evil/services', image: prefixed('otherrepo'), namespace: PRODUCTION_NAMESPACE, breaks: ALL_VERIFY, selected: true },
  {
    name: 'pull-request',
    description: 'right workflow on main, trigger pull_request',
    image: prefixed('pr'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ALL_VERIFY,
    selected: true,
    knownGap: { ImageValidatingPolicy: { actual: 'admit', note: 'known gap (Kyverno 1.19 IVP ignores additionalExtensions; only subjectRegExp pins)' } },
  },
  {
    name: 'recreated-repository',
    description: 'signed and attested by acme/services on main, but under another repository ID (the repository deleted and re-created)',
    image: prefixed('recreated'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ALL_VERIFY,
    selected: true,
    knownGap: {
      ClusterPolicy: { actual: 'admit', note: 'known gap (Kyverno 1.19 cannot match Fulcio OID .15: keyless.additionalExtensions takes only the issuer and five GitHub workflow keys; the deploy gate and scb inspect refuse it)' },
      ImageValidatingPolicy: { actual: 'admit', note: 'known gap (Kyverno 1.19 IVP checks no certificate extension; the deploy gate and scb inspect refuse it)' },
    },
  },
  { name: 'foreign-attestations', description: 'signed by the release workflow, SBOM and scan attested by evil/services', image: prefixed('evilatt'), namespace: PRODUCTION_NAMESPACE, breaks: ['sbom', 'scan', 'scanTime'], selected: true },
  { name: 'missing-sbom', description: 'signed, scan attested, no SBOM', image: prefixed('nosbom'), namespace: PRODUCTION_NAMESPACE, breaks: ['sbom'], selected: true },
  { name: 'stale-scan', description: 'scan finished 8 days ago (scan.maxAge 168h, opted in)', image: prefixed('stalescan'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  { name: 'old-critical', description: 'CRITICAL published 30 days ago (grace 7 days)', image: prefixed('critold'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  { name: 'fresh-critical', description: 'CRITICAL published 2 days ago, inside the grace period', image: prefixed('critnew'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  { name: 'no-results', description: 'scan of a scratch image: no Results at all (no packages)', image: prefixed('noresults'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  {
    name: 'deployment-stale-scan',
    description: 'the stale-scan image in a new Deployment (autogen rules)',
    image: prefixed('stalescan'),
    namespace: PRODUCTION_NAMESPACE,
    kind: 'Deployment',
    breaks: ['scanTime'],
    selected: true,
  },
  { name: 'deployment-good', description: 'the good image in a new Deployment (autogen rules)', image: prefixed('good'), namespace: PRODUCTION_NAMESPACE, kind: 'Deployment', breaks: [], selected: true },
  { name: 'unfixed-old-critical', description: 'CRITICAL CVE-2019-18224 published 2019, no fixed version (debian-buster)', image: prefixed('unfixed'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  { name: 'fixable-old-critical', description: 'CRITICAL CVE-2019-14697 published 2019, fixed in 1.1.20-r5 (alpine 3.9)', image: prefixed('fixable'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  { name: 'accepted-risk', description: 'the unfixed old CRITICAL, accepted for this digest until 2099-12-31', image: prefixed('accvalid'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  { name: 'accepted-risk-expired', description: 'the unfixed old CRITICAL, accepted for this digest until 2026-01-01 (expired)', image: prefixed('accexpired'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  { name: 'accepted-risk-other-image', description: 'the unfixed old CRITICAL, accepted until 2099 but only for other/thing', image: prefixed('accother'), namespace: PRODUCTION_NAMESPACE, breaks: ['scanTime'], selected: true },
  {
    name: 'rescanned',
    description: 'an 8-day-old scan attestation next to a fresh one',
    image: prefixed('twoscans'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ['scanTime'],
    selected: true,
    notOn: { ImageValidatingPolicy: 'IVP keeps one statement per predicate type in run-dependent order' },
  },
  {
    name: 'tag-good',
    description: 'the good image by tag (services:good)',
    image: tagOf('good'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: [],
    selected: true,
    offline: { 'ImageValidatingPolicy/enforce': TAG_OFFLINE },
  },
  {
    name: 'other-format',
    description: "good image, signed in the OTHER engine's format (ClusterPolicy: v3 bundle; IVP: legacy .sig/.att)",
    image: (engine) => (engine === 'ClusterPolicy' ? 't_good_REF' : 'good_REF'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ALL_VERIFY,
    selected: true,
    acceptedBy: {
      ImageValidatingPolicy: {
        rules: ['signature'],
        note: "Kyverno 1.19 IVP's verifyImageSignatures also accepts a legacy .sig signature by the same identity (cosign verify does too), so rule 1's own policy passes; the bundle-format attestations are missing and rules 2-3 refuse the image. scb inspect counts only the customer's format",
      },
    },
  },
  { name: 'tag-wrong-branch', description: 'the wrong-branch image by tag', image: tagOf('branch'), namespace: PRODUCTION_NAMESPACE, breaks: ALL_VERIFY, selected: true },
  {
    name: 'init-unsigned',
    description: 'good app container, unsigned init container',
    image: prefixed('good'),
    initImage: prefixed('unsigned'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ALL_VERIFY,
    selected: true,
    notOn: { ClusterPolicy: 'kyverno test compares every per-image row with one result; a Pod with mixed images cannot be expressed' },
  },
  { name: 'allowlisted', description: 'unsigned image of another repository, allowlisted by digest', image: fixed('allowed_REF'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: false },
  { name: 'outside', description: 'unsigned image outside the customer references (rule 4)', image: fixed('outside_REF'), namespace: PRODUCTION_NAMESPACE, breaks: ['allowed'], selected: false },
  {
    name: 'allowlist-expired',
    description: 'unsigned image of other/expired, allowlisted by digest, entry reviewed 200 days ago (interval 90 + grace 14: expired)',
    image: fixed('expired_REF'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ['allowlistTime'],
    selected: false,
  },
  {
    name: 'deployment-allowlist-expired',
    description: 'the expired-entry image in a new Deployment (autogen rules)',
    image: fixed('expired_REF'),
    namespace: PRODUCTION_NAMESPACE,
    kind: 'Deployment',
    breaks: ['allowlistTime'],
    selected: false,
  },
  { name: 'sidecar', description: 'unsigned other/sidecar by TAG, allowlisted by repository (an injected sidecar), reviewed 10 days ago', image: fixed('sidecar_REF'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: false },
  { name: 'sidecar-lookalike', description: 'unsigned other/sidecar-debug by tag: same prefix, another repository (rule 4)', image: fixed('lookalike_REF'), namespace: PRODUCTION_NAMESPACE, breaks: ['allowed'], selected: false },
  { name: 'staging-unsigned', description: 'unsigned customer image outside the production namespaces', image: prefixed('unsigned'), namespace: OTHER_NAMESPACE, breaks: [], selected: true },
  { name: 'staging-outside', description: 'image outside the customer references, outside production', image: fixed('outside_REF'), namespace: OTHER_NAMESPACE, breaks: [], selected: false },
];

/** The rules a case breaks as judged by a suite's user: a controller's requests are not judged by time. */
function effectiveBreaks(c: CaseDefinition, suite: SuiteDefinition): Rule[] {
  return c.breaks.filter((rule) => (rule !== 'scanTime' && rule !== 'allowlistTime') || suite.user !== 'controller');
}

/** What admission must do with a case in a suite: refuse (enforcing), report (soft), or admit. */
export function expectedVerdict(c: CaseDefinition, suite: SuiteDefinition): 'admit' | 'refuse' | 'report' {
  if (c.namespace === OTHER_NAMESPACE || effectiveBreaks(c, suite).length === 0) return 'admit';
  return suite.enforcing ? 'refuse' : 'report';
}

/** YYYY-MM-DD of `today` minus `days`. */
function daysBefore(today: Date, days: number): string {
  return new Date(today.getTime() - days * DAY_MS).toISOString().slice(0, 10);
}

/** The CVE every accepted-risk case is about (the unfixed old CRITICAL of debian-buster). */
export const ACCEPTED_CVE = 'CVE-2019-18224';

/**
 * The conformance customer's accepted risks, each scoped to the image of its case (the digest of
 * the engine's signature format), so that no other case is affected: valid, expired, and one
 * scoped to another image.
 */
export function conformanceAcceptedRisks(images: Map<string, string>, engine: Engine): Array<Record<string, string>> {
  const ref = (key: string) => {
    const value = images.get(engine === 'ClusterPolicy' ? `${key}_REF` : `t_${key}_REF`);
    if (!value) throw new Error(`images.env has no ${key}`);
    return value;
  };
  const owner = 'platform@acme.example';
  const registry = images.get('REGISTRY') ?? '';
  return [
    { cve: ACCEPTED_CVE, reason: 'conformance: accepted, valid', owner, expires: '2099-12-31', image: ref('accvalid') },
    { cve: ACCEPTED_CVE, reason: 'conformance: accepted, expired', owner, expires: '2026-01-01', image: ref('accexpired') },
    { cve: ACCEPTED_CVE, reason: 'conformance: accepted for another image only', owner, expires: '2099-12-31', image: `${registry}/other/thing` },
  ];
}

/**
 * GitHub's numeric ID of the conformance repository (`github.repositoryId`); the test CA writes
 * it into Fulcio OID .15 of every standard certificate (helpers/test-ca.sh, SCB_REPOSITORY_ID,
 * same value), and another ID into the `recreated` one.
 */
export const CONFORMANCE_REPOSITORY_ID = 804201;

/** Dates of the conformance customer; the live suite (test/e2e) shifts them relative to now. */
export interface ConformanceDates {
  /** @default '2026-01-01' */
  readonly onboardedAt?: string;
  /** @default 30 */
  readonly softDays?: number;
  /** The allowlist entry's last review. @default '2026-01-01' */
  readonly lastReviewed?: string;
}

/** The allowlist-expiry cases' entries (generate-suite's suites; left out elsewhere). */
export interface ConformanceAllowlistCases {
  /** Digest reference of the unsigned image whose entry has expired. */
  readonly expiredImage: string;
  /** Its last review: long enough ago that lastReviewed + 90 + 14 days has passed. */
  readonly expiredReviewed: string;
  /** The repository of the injected sidecar, allowlisted by repository. */
  readonly sidecarRepository: string;
  readonly sidecarReviewed: string;
}

/**
 * The conformance customer's description (the value of `supply-chain:customer`); `mode` writes
 * the `enforcement.mode` override (for `scb inspect`'s stack file, helpers/inspect.sh).
 */
export function conformanceDescription(
  registry: string,
  engine: Engine,
  allowlisted: string,
  mode?: Mode,
  dates: ConformanceDates = {},
  acceptedRisks: ReadonlyArray<Record<string, string>> = [],
  allowlistCases?: ConformanceAllowlistCases,
): Record<string, unknown> {
  const owner = 'platform@acme.example';
  return {
    name: 'acme',
    github: { owner: 'acme', repository: 'services', repositoryId: CONFORMANCE_REPOSITORY_ID, workflow: 'release.yml', branch: 'main' },
    image: `${registry}/acme/services`,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine, namespaces: ['production-*'] },
    enforcement: { onboardedAt: dates.onboardedAt ?? '2026-01-01', softDays: dates.softDays ?? 30, ...(mode ? { mode } : {}) },
    scan: { maxAge: '168h' },
    allowlist: [
      // Ten years between reviews: this entry's cases are about the exemption, whatever today is;
      // expiry has its own entries below.
      { image: allowlisted, reason: 'conformance: a third-party image kept by digest', owner, lastReviewed: dates.lastReviewed ?? '2026-01-01', reviewIntervalDays: 3650 },
      ...(allowlistCases
        ? [
            { image: allowlistCases.expiredImage, reason: 'conformance: an entry past its review date and grace period', owner, lastReviewed: allowlistCases.expiredReviewed },
            { repository: allowlistCases.sidecarRepository, reason: 'conformance: a sidecar a mesh injects by tag', owner, lastReviewed: allowlistCases.sidecarReviewed },
          ]
        : []),
    ],
    vulnerabilities: { acceptedRisks },
  };
}

/** The conformance customer, validated by the real loader. */
export function conformanceCustomer(registry: string, engine: Engine, allowlisted: string, dates: ConformanceDates = {}, acceptedRisks: ReadonlyArray<Record<string, string>> = []): Customer {
  const loaded = customerFromDescription(conformanceDescription(registry, engine, allowlisted, undefined, dates, acceptedRisks), 'conformance (generated)', 'acme');
  if (!loaded.customer) throw new Error(`conformance customer invalid: ${JSON.stringify(loaded.errors)}`);
  return loaded.customer;
}

type Doc = Record<string, any>;

function podSpec(image: string, initImage?: string): Doc {
  return { ...(initImage ? { initContainers: [{ name: 'init', image: initImage }] } : {}), containers: [{ name: 'app', image }] };
}

/**
 * The resource of a case. A controller's pods carry the controlling ownerReference it writes (the
 * ClusterPolicy engine tells a controller's pod by it; the CEL engines by the user).
 */
function resource(c: CaseDefinition, suite: SuiteDefinition, image: string, initImage?: string): Doc {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${c.name}-5d4f8`, uid: '0b9d5a4e-2f7c-4c1e-9a3b-6e2d1f0c8b7a', controller: true, blockOwnerDeletion: true };
  const metadata = { name: c.name, namespace: c.namespace, ...(suite.user === 'controller' ? { ownerReferences: [owner] } : {}) };
  if (c.kind === 'Deployment') {
    const labels = { app: c.name };
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec(image, initImage) } } };
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec(image, initImage) };
}

/** Test-file rows of one case on one engine in one suite, for both twins (none where a CEL policy does not match). */
function testRows(engine: Engine, suite: SuiteDefinition, c: CaseDefinition, customerName: string): Doc[] {
  const names = policyNames(customerName);
  const production = c.namespace !== OTHER_NAMESPACE;
  const kind = c.kind ?? 'Pod';
  const resourceName = `${c.namespace}/${c.name}`;
  const accepted = c.acceptedBy?.[engine]?.rules ?? [];
  const breaks = effectiveBreaks(c, suite).filter((rule) => !accepted.includes(rule));
  const gap = c.knownGap?.[engine];
  const twins: PolicyRole[] = ['report', 'enforce'];
  if (engine === 'ClusterPolicy') {
    const rules: [string, Rule][] = [
      [CLUSTER_POLICY_RULES.signature, 'signature'],
      [CLUSTER_POLICY_RULES.sbom, 'sbom'],
      [CLUSTER_POLICY_RULES.vulnerabilityScan, 'scan'],
      [CLUSTER_POLICY_RULES.vulnerabilityScanAge, 'scanTime'],
    ];
    const ruleName = (rule: string) => (kind === 'Deployment' ? `autogen-${rule}` : rule);
    // A known gap where the engine admits: every rule passes, whatever the case breaks.
    const admittedByGap = gap?.actual === 'admit';
    return twins.flatMap((role) => {
      // Exactly one twin acts: the report twin before the flip, the enforce twin after it.
      const closed = (role === 'enforce') !== suite.enforcing;
      const verifyRows = rules.map(([rule, key]) => ({
        policy: twinName(names.verifyImages, role),
        rule: ruleName(rule),
        kind,
        resources: [resourceName],
        result: !production || !c.selected || closed || (key === 'scanTime' && suite.user === 'controller') ? 'skip' : breaks.includes(key) && !admittedByGap ? 'fail' : 'pass',
      }));
      return [
        ...verifyRows,
        {
          policy: twinName(names.allowedImages, role),
          rule: ruleName(CLUSTER_POLICY_RULES.allowedImages),
          kind,
          resources: [resourceName],
          result: !production || closed ? 'skip' : breaks.includes('allowed') ? 'fail' : 'pass',
        },
        {
          policy: twinName(names.allowedImages, role),
          rule: ruleName(CLUSTER_POLICY_RULES.allowlistExpiry),
          kind,
          resources: [resourceName],
          result: !production || closed || suite.user === 'controller' ? 'skip' : breaks.includes('allowlistTime') ? 'fail' : 'pass',
        },
      ];
    });
  }
  // Not in a production namespace, or the twin not acting at this instant (flip-gate.ts): a
  // match condition is false, and the CLI reports no row at all.
  if (!production) return [];
  return twins.flatMap((role) => {
    if ((role === 'enforce') !== suite.enforcing) return [];
    const offline = role === 'enforce' ? c.offline?.[`${engine}/enforce`] : undefined;
    // Rule 1 is an ImageValidatingPolicy of its own, rules 2-3 the other (image-validating-policy.ts).
    const result = (rules: readonly Rule[]): RowResult => {
      if (offline) return offline.cli === 'admit' ? 'pass' : 'fail';
      if (gap) return gap.actual === 'admit' ? 'pass' : 'fail';
      return c.selected && breaks.some((rule) => rules.includes(rule)) ? 'fail' : 'pass';
    };
    return [
      { policy: twinName(names.verifySignature, role), isImageValidatingPolicy: true, kind, resources: [resourceName], result: result(['signature']) },
      { policy: twinName(names.verifyImages, role), isImageValidatingPolicy: true, kind, resources: [resourceName], result: result(['sbom', 'scan', 'scanTime']) },
      { policy: twinName(names.allowedImages, role), isValidatingPolicy: true, kind, resources: [resourceName], result: breaks.includes('allowed') || breaks.includes('allowlistTime') ? 'fail' : 'pass' },
    ];
  });
}

export interface Inputs {
  readonly out: string;
  readonly images: Map<string, string>;
  readonly caPem: string;
  readonly tufUrl: string;
  readonly tufRootBase64: string;
  /** Today (the dates of every suite are relative to it, since Kyverno evaluates the flip gate with its own clock). @default now */
  readonly today: Date;
}

function image(inputs: Inputs, key: string): string {
  const value = inputs.images.get(key);
  if (!value) throw new Error(`images.env has no ${key}`);
  return value;
}

function writeSuite(inputs: Inputs, engine: Engine, suite: SuiteDefinition): string {
  const registry = image(inputs, 'REGISTRY');
  const onboardedAt = daysBefore(inputs.today, suite.onboardedDaysAgo);
  const allowlistCases: ConformanceAllowlistCases = {
    expiredImage: image(inputs, 'expired_REF'),
    expiredReviewed: daysBefore(inputs.today, 200),
    sidecarRepository: `${registry}/other/sidecar`,
    sidecarReviewed: daysBefore(inputs.today, 10),
  };
  const description = (mode?: Mode) =>
    conformanceDescription(registry, engine, image(inputs, 'allowed_REF'), mode, { onboardedAt, lastReviewed: onboardedAt }, conformanceAcceptedRisks(inputs.images, engine), allowlistCases);
  const loaded = customerFromDescription(description(), 'conformance (generated)', 'acme');
  if (!loaded.customer) throw new Error(`conformance customer invalid: ${JSON.stringify(loaded.errors)}`);
  const customer = loaded.customer;
  const renderedAt = new Date(Date.parse(`${daysBefore(inputs.today, suite.renderedDaysAgo)}T12:00:00Z`));
  const bundle = renderBundle(customer, renderedAt, BUNDLE_CONTRIBUTORS);
  if (bundle.enforcement.mode !== suite.renderedMode) throw new Error(`clock ${renderedAt.toISOString()} gives ${bundle.enforcement.mode}, not ${suite.renderedMode}`);
  const flip = Date.parse(`${bundle.enforcement.flipDate}T00:00:00Z`);
  if ((Date.now() >= flip) !== suite.enforcing) throw new Error(`suite ${suite.name}: the flip ${bundle.enforcement.flipDate} is not ${suite.enforcing ? 'past' : 'ahead'} on the real clock`);
  const text = bundle.files.get('kubernetes/admission-policies.yaml');
  if (!text) throw new Error('the bundle has no kubernetes/admission-policies.yaml');
  const roots: TestTrustRoots = engine === 'ClusterPolicy' ? { rootsPem: inputs.caPem } : { tufMirror: inputs.tufUrl, tufRootBase64: inputs.tufRootBase64 };
  const policies = parseAllDocuments(text).map((doc) => withTestTrustRoots(doc.toJS() as Doc, roots));
  const name = `${engine === 'ClusterPolicy' ? 'clusterpolicy' : 'ivp'}-${suite.name}`;
  const dir = join(inputs.out, name);
  mkdirSync(dir, { recursive: true });
  // The CLI evaluates every ImageValidatingPolicy of one Test in one engine call, which deadlocks
  // Kyverno 1.19.0 when two of them verify one pod (flip-gate.ts); a cluster evaluates each of
  // the bundle's IVPs alone (a fine-grained webhook per policy). So rule 1's policy gets a Test
  // of its own in `signature/`, which `kyverno test DIR` runs too.
  const signatureNames = new Set((['report', 'enforce'] as const).map((role) => twinName(policyNames(customer.name).verifySignature, role)));
  const isSignature = (doc: Doc) => doc.kind === 'ImageValidatingPolicy' && signatureNames.has((doc.metadata as Doc).name as string);
  const separate = policies.filter(isSignature);
  writeFileSync(join(dir, 'policy.yaml'), policies.filter((policy) => !isSignature(policy)).map((policy) => stringify(policy, { lineWidth: 0 })).join('---\n'));
  // The same customer as a stack file for `scb inspect` (helpers/inspect.sh). Inspect uses one
  // clock, so the mode acting now in the suite is written as the enforcement.mode override.
  mkdirSync(join(dir, 'stacks'), { recursive: true });
  writeFileSync(
    join(dir, 'stacks', 'Pulumi.acme.yaml'),
    stringify({ config: { 'supply-chain:customer': description(suite.enforcing ? 'enforce' : 'audit') } }, { lineWidth: 0 }),
  );

  const cases = CASES.filter((c) => !c.notOn?.[engine] && (suite.cases === undefined || suite.cases.includes(c.name)));
  const docs = cases.map((c) => resource(c, suite, image(inputs, c.image(engine)), c.initImage ? image(inputs, c.initImage(engine)) : undefined));
  writeFileSync(join(dir, 'resources.yaml'), docs.map((doc) => stringify(doc)).join('---\n'));
  writeFileSync(join(dir, 'userinfo.yaml'), stringify({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'UserInfo', metadata: { name: suite.user }, userInfo: USERS[suite.user] }));
  const rows = cases.flatMap((c) => testRows(engine, suite, c, customer.name));
  const writeTest = (where: string, testName: string, results: Doc[]) =>
    writeFileSync(
      join(where, 'kyverno-test.yaml'),
      stringify(
        { apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'Test', metadata: { name: testName }, policies: ['policy.yaml'], resources: ['resources.yaml'], userinfo: 'userinfo.yaml', results },
        { lineWidth: 0 },
      ),
    );
  writeTest(dir, `scb-conformance-${name}`, rows.filter((row) => !signatureNames.has(row.policy as string)));
  if (separate.length > 0) {
    const sub = join(dir, 'signature');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'policy.yaml'), separate.map((policy) => stringify(policy, { lineWidth: 0 })).join('---\n'));
    for (const file of ['resources.yaml', 'userinfo.yaml']) writeFileSync(join(sub, file), readFileSync(join(dir, file)));
    writeTest(sub, `scb-conformance-${name}-signature`, rows.filter((row) => signatureNames.has(row.policy as string)));
  }
  const format = signatureFormat(customer) === 'legacy' ? 'legacy .sig/.att' : 'v3 bundle + TSA';
  const trust = engine === 'ClusterPolicy' ? 'keyless.roots = test CA' : 'local TUF root (test CA + TSA)';
  writeFileSync(
    join(dir, 'cases.json'),
    JSON.stringify(
      {
        suite: name,
        engine,
        mode: suite.name,
        description: `${suite.description}; flip ${bundle.enforcement.flipDate}, rendered ${renderedAt.toISOString().slice(0, 10)} (${bundle.enforcement.mode}), user ${USERS[suite.user].username}`,
        enforcing: suite.enforcing,
        format,
        trust,
        policies: policies.map((policy) => ({ kind: policy.kind, name: policy.metadata.name })),
        cases: cases.map((c) => ({
          name: c.name,
          description: c.description,
          resource: `${c.namespace}/${c.name}`,
          production: c.namespace !== OTHER_NAMESPACE,
          expected: expectedVerdict(c, suite),
          notRun: c.notOn?.[engine] ?? null,
          knownGap: c.knownGap?.[engine] ?? null,
          acceptedBy: c.acceptedBy?.[engine] ?? null,
          offline: suite.enforcing ? (c.offline?.[`${engine}/enforce`] ?? null) : null,
        })),
      },
      null,
      2,
    ),
  );
  return name;
}

/** The generated deploy gate of the conformance customer, per engine (its signature format). */
function writeDeployGate(inputs: Inputs, engine: Engine): void {
  const customer = conformanceCustomer(image(inputs, 'REGISTRY'), engine, image(inputs, 'allowed_REF'), {}, conformanceAcceptedRisks(inputs.images, engine));
  const bundle = renderBundle(customer, inputs.today, BUNDLE_CONTRIBUTORS);
  const dir = join(inputs.out, 'deploy-gate', engine === 'ClusterPolicy' ? 'clusterpolicy' : 'ivp');
  mkdirSync(dir, { recursive: true });
  for (const file of ['deploy-gate/verify.sh', 'deploy-gate/vuln-policy.rego']) {
    const content = bundle.files.get(file);
    if (!content) throw new Error(`the bundle has no ${file}`);
    const target = join(dir, file.split('/')[1]);
    writeFileSync(target, content);
    if (file.endsWith('.sh')) chmodSync(target, 0o755);
  }
  writeFileSync(join(dir, 'format'), `${signatureFormat(customer)}\n`);
}

function main(argv: string[]): void {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`usage: generate-suite --out DIR --images FILE --ca FILE --tuf-url URL --tuf-root-b64 FILE (at ${argv[i]})`);
    args.set(argv[i].slice(2), argv[i + 1]);
  }
  const need = (key: string) => {
    const value = args.get(key);
    if (!value) throw new Error(`generate-suite: --${key} is required`);
    return value;
  };
  const inputs: Inputs = {
    out: need('out'),
    images: readEnvFile(need('images')),
    caPem: readFileSync(need('ca'), 'utf8'),
    tufUrl: need('tuf-url'),
    tufRootBase64: readFileSync(need('tuf-root-b64'), 'utf8').trim(),
    today: new Date(),
  };
  process.stdout.write(`${generateSuites(inputs).join(' ')}\n`);
}

/** Writes every suite and both deploy gates into `inputs.out`; returns the suite names. */
export function generateSuites(inputs: Inputs): string[] {
  const suites: string[] = [];
  for (const engine of ['ClusterPolicy', 'ImageValidatingPolicy'] as const) {
    for (const suite of SUITES) suites.push(writeSuite(inputs, engine, suite));
    writeDeployGate(inputs, engine);
  }
  return suites;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
