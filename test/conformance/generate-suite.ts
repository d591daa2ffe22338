/**
 * Writes the conformance suites from the policies the GENERATOR emits (not hand-made samples).
 *
 *   node lib/test/conformance/generate-suite.js --out DIR --images images.env --ca ca.pem \
 *        --tuf-url http://127.0.0.1:PORT --tuf-root-b64 root.json.b64
 *
 * For the conformance customer (acme/services, release.yml on main, image REGISTRY/acme/services,
 * a generic registry login, namespaces production-*, one allowlisted digest) it renders the real
 * bundle for both engines at a clock inside the soft period (audit) and after the flip (enforce),
 * applies `withTestTrustRoots` (ClusterPolicy: the test CA as keyless.roots; ImageValidatingPolicy:
 * a local TUF repository naming the test CA and TSA; identities untouched), and writes per suite:
 *   policy.yaml        the customer's two generated policies, overlaid
 *   resources.yaml     one Pod per case, in production-x or in staging
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
import { CLUSTER_POLICY_RULES, policyNames } from '../../src/admission/policy-metadata';
import { withTestTrustRoots, type TestTrustRoots } from '../../src/admission/test-overlay';
import type { Customer } from '../../src/model/customer';
import { customerFromDescription } from '../../src/model/load';
import { signatureFormat } from '../../src/model/supply-chain-contract';
import { renderBundle } from '../../src/synth/bundle';
import { BUNDLE_CONTRIBUTORS } from '../../src/synth/contributors';

type Engine = 'ClusterPolicy' | 'ImageValidatingPolicy';
type Mode = 'audit' | 'enforce';
type Rule = 'signature' | 'sbom' | 'scan' | 'allowed';
type Verdict = 'admit' | 'refuse';
type RowResult = 'pass' | 'fail' | 'skip';

/** Synth clocks: onboarded 2026-01-01 with 30 soft days, so audit on 01-15 and enforce from 01-31. */
export const CLOCKS: Record<Mode, string> = { audit: '2026-01-15T12:00:00Z', enforce: '2026-03-01T12:00:00Z' };
export const PRODUCTION_NAMESPACE = 'production-x';
export const OTHER_NAMESPACE = 'staging';

interface CaseDefinition {
  readonly name: string;
  readonly description: string;
  /** images.env key of the image, without the engine prefix (`good` → `good_REF` or `t_good_REF`). */
  readonly image: (engine: Engine) => string;
  readonly initImage?: (engine: Engine) => string;
  readonly namespace: string;
  /** The admission rules this case breaks (empty: nothing to refuse). */
  readonly breaks: readonly Rule[];
  /** Whether the verify-images policy selects its images (customer references, not allowlisted). */
  readonly selected: boolean;
  /** Engines this case is not run on, with the reason (printed as a note). */
  readonly notOn?: Partial<Record<Engine, string>>;
  /** What the engine really does where it deviates from the policy's intent: a known gap. */
  readonly knownGap?: Partial<Record<Engine, { actual: Verdict; note: string }>>;
  /** Where the CLI cannot show the cluster's behaviour: what it reports instead, and why. */
  readonly offline?: Partial<Record<`${Engine}/${Mode}`, { cli: Verdict; note: string }>>;
}

const prefixed = (key: string) => (engine: Engine) => (engine === 'ClusterPolicy' ? `${key}_REF` : `t_${key}_REF`);
const tagOf = (key: string) => (engine: Engine) => (engine === 'ClusterPolicy' ? `${key}_TAG` : `t_${key}_TAG`);
const fixed = (key: string) => () => key;
const ALL_VERIFY: Rule[] = ['signature', 'sbom', 'scan'];

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
  { name: 'foreign-attestations', description: 'signed by the release workflow, SBOM and scan attested by evil/services', image: prefixed('evilatt'), namespace: PRODUCTION_NAMESPACE, breaks: ['sbom', 'scan'], selected: true },
  { name: 'missing-sbom', description: 'signed, scan attested, no SBOM', image: prefixed('nosbom'), namespace: PRODUCTION_NAMESPACE, breaks: ['sbom'], selected: true },
  { name: 'stale-scan', description: 'scan finished 8 days ago (maxAge 168h)', image: prefixed('stalescan'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  { name: 'old-critical', description: 'CRITICAL published 30 days ago (grace 7 days)', image: prefixed('critold'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  { name: 'fresh-critical', description: 'CRITICAL published 2 days ago, inside the grace period', image: prefixed('critnew'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  { name: 'unfixed-old-critical', description: 'CRITICAL CVE-2019-18224 published 2019, no fixed version (debian-buster)', image: prefixed('unfixed'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  { name: 'fixable-old-critical', description: 'CRITICAL CVE-2019-14697 published 2019, fixed in 1.1.20-r5 (alpine 3.9)', image: prefixed('fixable'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  { name: 'accepted-risk', description: 'the unfixed old CRITICAL, accepted for this digest until 2099-12-31', image: prefixed('accvalid'), namespace: PRODUCTION_NAMESPACE, breaks: [], selected: true },
  { name: 'accepted-risk-expired', description: 'the unfixed old CRITICAL, accepted for this digest until 2026-01-01 (expired)', image: prefixed('accexpired'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  { name: 'accepted-risk-other-image', description: 'the unfixed old CRITICAL, accepted until 2099 but only for other/thing', image: prefixed('accother'), namespace: PRODUCTION_NAMESPACE, breaks: ['scan'], selected: true },
  {
    name: 'rescanned',
    description: 'an 8-day-old scan attestation next to a fresh one',
    image: prefixed('twoscans'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ['scan'],
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
    offline: {
      'ImageValidatingPolicy/enforce': {
        cli: 'refuse',
        note: 'not verifiable offline: the CLI does not run the IVP mutateDigest step, so verifyDigest refuses the tag ("does not have a digest")',
      },
    },
  },
  {
    name: 'other-format',
    description: "good image, signed in the OTHER engine's format (ClusterPolicy: v3 bundle; IVP: legacy .sig/.att)",
    image: (engine) => (engine === 'ClusterPolicy' ? 't_good_REF' : 'good_REF'),
    namespace: PRODUCTION_NAMESPACE,
    breaks: ALL_VERIFY,
    selected: true,
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
  { name: 'staging-unsigned', description: 'unsigned customer image outside the production namespaces', image: prefixed('unsigned'), namespace: OTHER_NAMESPACE, breaks: [], selected: true },
  { name: 'staging-outside', description: 'image outside the customer references, outside production', image: fixed('outside_REF'), namespace: OTHER_NAMESPACE, breaks: [], selected: false },
];

function readEnv(file: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return values;
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

/** Dates of the conformance customer; the live suite (test/e2e) shifts them relative to now. */
export interface ConformanceDates {
  /** @default '2026-01-01' */
  readonly onboardedAt?: string;
  /** @default 30 */
  readonly softDays?: number;
  /** The allowlist entry's last review. @default '2026-01-01' */
  readonly lastReviewed?: string;
}

/**
 * The conformance customer's description (the value of `supply-chain:customer`); `mode` writes
 * the `enforcement.mode` override (for `scb inspect`'s stack file, helpers/inspect.sh).
 */
export function conformanceDescription(registry: string, engine: Engine, allowlisted: string, mode?: Mode, dates: ConformanceDates = {}, acceptedRisks: ReadonlyArray<Record<string, string>> = []): Record<string, unknown> {
  return {
    name: 'acme',
    github: { owner: 'acme', repository: 'services', workflow: 'release.yml', branch: 'main' },
    image: `${registry}/acme/services`,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine, namespaces: ['production-*'] },
    enforcement: { onboardedAt: dates.onboardedAt ?? '2026-01-01', softDays: dates.softDays ?? 30, ...(mode ? { mode } : {}) },
    allowlist: [
      { image: allowlisted, reason: 'conformance: a third-party image kept by digest', owner: 'platform@acme.example', lastReviewed: dates.lastReviewed ?? '2026-01-01' },
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

function pod(name: string, namespace: string, image: string, initImage?: string): Doc {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      ...(initImage ? { initContainers: [{ name: 'init', image: initImage }] } : {}),
      containers: [{ name: 'app', image }],
    },
  };
}

/** Test-file rows of one case on one engine (none for a pod no policy matches on the IVP engine). */
function testRows(engine: Engine, mode: Mode, c: CaseDefinition, customerName: string): Doc[] {
  const names = policyNames(customerName);
  const production = c.namespace !== OTHER_NAMESPACE;
  const resource = `${c.namespace}/${c.name}`;
  const offline = c.offline?.[`${engine}/${mode}`];
  const gap = c.knownGap?.[engine];
  const verifyBroken = c.breaks.some((rule) => rule !== 'allowed');
  if (engine === 'ClusterPolicy') {
    const rules: [string, Rule][] = [
      [CLUSTER_POLICY_RULES.signature, 'signature'],
      [CLUSTER_POLICY_RULES.sbom, 'sbom'],
      [CLUSTER_POLICY_RULES.vulnerabilityScan, 'scan'],
    ];
    const rows: Doc[] = rules.map(([rule, key]) => ({
      policy: names.verifyImages,
      rule,
      kind: 'Pod',
      resources: [resource],
      result: !production || !c.selected ? 'skip' : c.breaks.includes(key) ? 'fail' : 'pass',
    }));
    rows.push({
      policy: names.allowedImages,
      rule: CLUSTER_POLICY_RULES.allowedImages,
      kind: 'Pod',
      resources: [resource],
      result: production ? (c.breaks.includes('allowed') ? 'fail' : 'pass') : 'skip',
    });
    return rows;
  }
  // Not in a production namespace: matchConditions false, the CLI reports no row at all.
  if (!production) return [];
  let verify: RowResult = c.selected && verifyBroken ? 'fail' : 'pass';
  if (gap) verify = gap.actual === 'admit' ? 'pass' : 'fail';
  if (offline) verify = offline.cli === 'admit' ? 'pass' : 'fail';
  return [
    { policy: names.verifyImages, isImageValidatingPolicy: true, kind: 'Pod', resources: [resource], result: verify },
    { policy: names.allowedImages, isValidatingPolicy: true, kind: 'Pod', resources: [resource], result: c.breaks.includes('allowed') ? 'fail' : 'pass' },
  ];
}

export interface Inputs {
  readonly out: string;
  readonly images: Map<string, string>;
  readonly caPem: string;
  readonly tufUrl: string;
  readonly tufRootBase64: string;
}

function image(inputs: Inputs, key: string): string {
  const value = inputs.images.get(key);
  if (!value) throw new Error(`images.env has no ${key}`);
  return value;
}

function writeSuite(inputs: Inputs, engine: Engine, mode: Mode): string {
  const registry = image(inputs, 'REGISTRY');
  const customer = conformanceCustomer(registry, engine, image(inputs, 'allowed_REF'), {}, conformanceAcceptedRisks(inputs.images, engine));
  const bundle = renderBundle(customer, new Date(CLOCKS[mode]), BUNDLE_CONTRIBUTORS);
  if (bundle.enforcement.mode !== mode) throw new Error(`clock ${CLOCKS[mode]} gives ${bundle.enforcement.mode}, not ${mode}`);
  const text = bundle.files.get('kubernetes/admission-policies.yaml');
  if (!text) throw new Error('the bundle has no kubernetes/admission-policies.yaml');
  const roots: TestTrustRoots = engine === 'ClusterPolicy' ? { rootsPem: inputs.caPem } : { tufMirror: inputs.tufUrl, tufRootBase64: inputs.tufRootBase64 };
  const policies = parseAllDocuments(text).map((doc) => withTestTrustRoots(doc.toJS() as Doc, roots));
  const suite = `${engine === 'ClusterPolicy' ? 'clusterpolicy' : 'ivp'}-${mode}`;
  const dir = join(inputs.out, suite);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'policy.yaml'), policies.map((policy) => stringify(policy, { lineWidth: 0 })).join('---\n'));
  // The same customer as a stack file for `scb inspect` (helpers/inspect.sh). Kyverno judges scan
  // ages at the live clock while the policies were rendered at CLOCKS[mode]; inspect uses one
  // clock, so the suite's mode is written as the enforcement.mode override and inspect runs now.
  mkdirSync(join(dir, 'stacks'), { recursive: true });
  writeFileSync(
    join(dir, 'stacks', 'Pulumi.acme.yaml'),
    stringify({ config: { 'supply-chain:customer': conformanceDescription(registry, engine, image(inputs, 'allowed_REF'), mode, {}, conformanceAcceptedRisks(inputs.images, engine)) } }, { lineWidth: 0 }),
  );

  const cases = CASES.filter((c) => !c.notOn?.[engine]);
  const pods = cases.map((c) => pod(c.name, c.namespace, image(inputs, c.image(engine)), c.initImage ? image(inputs, c.initImage(engine)) : undefined));
  writeFileSync(join(dir, 'resources.yaml'), pods.map((doc) => stringify(doc)).join('---\n'));
  writeFileSync(
    join(dir, 'kyverno-test.yaml'),
    stringify(
      {
        apiVersion: 'cli.kyverno.io/v1alpha1',
        kind: 'Test',
        metadata: { name: `scb-conformance-${suite}` },
        policies: ['policy.yaml'],
        resources: ['resources.yaml'],
        results: cases.flatMap((c) => testRows(engine, mode, c, customer.name)),
      },
      { lineWidth: 0 },
    ),
  );
  const format = signatureFormat(customer) === 'legacy' ? 'legacy .sig/.att' : 'v3 bundle + TSA';
  const trust = engine === 'ClusterPolicy' ? 'keyless.roots = test CA' : 'local TUF root (test CA + TSA)';
  writeFileSync(
    join(dir, 'cases.json'),
    JSON.stringify(
      {
        suite,
        engine,
        mode,
        format,
        trust,
        policies: policies.map((policy) => ({ kind: policy.kind, name: policy.metadata.name })),
        cases: CASES.map((c) => ({
          name: c.name,
          description: c.description,
          resource: `${c.namespace}/${c.name}`,
          production: c.namespace !== OTHER_NAMESPACE,
          expected: c.namespace !== OTHER_NAMESPACE && c.breaks.length > 0 ? 'refuse' : 'admit',
          notRun: c.notOn?.[engine] ?? null,
          knownGap: c.knownGap?.[engine] ?? null,
          offline: c.offline?.[`${engine}/${mode}`] ?? null,
        })),
      },
      null,
      2,
    ),
  );
  return suite;
}

/** The generated deploy gate of the conformance customer, per engine (its signature format). */
function writeDeployGate(inputs: Inputs, engine: Engine): void {
  const customer = conformanceCustomer(image(inputs, 'REGISTRY'), engine, image(inputs, 'allowed_REF'), {}, conformanceAcceptedRisks(inputs.images, engine));
  const bundle = renderBundle(customer, new Date(CLOCKS.enforce), BUNDLE_CONTRIBUTORS);
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
    images: readEnv(need('images')),
    caPem: readFileSync(need('ca'), 'utf8'),
    tufUrl: need('tuf-url'),
    tufRootBase64: readFileSync(need('tuf-root-b64'), 'utf8').trim(),
  };
  process.stdout.write(`${generateSuites(inputs).join(' ')}\n`);
}

/** Writes every suite and both deploy gates into `inputs.out`; returns the suite names. */
export function generateSuites(inputs: Inputs): string[] {
  const suites: string[] = [];
  for (const engine of ['ClusterPolicy', 'ImageValidatingPolicy'] as const) {
    for (const mode of ['enforce', 'audit'] as const) suites.push(writeSuite(inputs, engine, mode));
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
