/**
 * Admission, live: the conformance cases (test/conformance/generate-suite.ts CASES) created as
 * pods through the real webhook, after the flip (enforce) and in the soft period (audit), on
 * both engines; then the paths `kyverno test` cannot show: controller-created pods
 * (Deployment → ReplicaSet → Pod, kube-controller-manager), a label patch (UPDATE), an ephemeral
 * container through `kubectl debug` (the pods/ephemeralcontainers subresource) and a
 * `kubectl rollout restart`.
 */
import { CASES, OTHER_NAMESPACE, conformanceAcceptedRisks } from '../../conformance/generate-suite';
import { Kube, refusalReason } from '../kube';
import { synthLiveCustomer, type Engine, type LiveBundle, type TrustInputs } from '../live-customer';
import { LANDED } from '../landed';
import type { Matrix } from '../matrix';

export interface AdmissionContext {
  readonly kube: Kube;
  readonly matrix: Matrix;
  readonly repoRoot: string;
  readonly work: string;
  readonly images: Map<string, string>;
  readonly trust: TrustInputs;
}

type Verdict = 'admit' | 'refuse';

const ENGINE_SHORT: Record<Engine, string> = { ClusterPolicy: 'cp', ImageValidatingPolicy: 'ivp' };
const imageKey = (engine: Engine, key: string) => (engine === 'ClusterPolicy' ? key : `t_${key}`);

export function image(context: AdmissionContext, key: string): string {
  const value = context.images.get(key);
  if (!value) throw new Error(`images.env has no ${key}`);
  return value;
}

export function podObject(name: string, namespace: string, image: string, extra: { initImage?: string; labels?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      automountServiceAccountToken: false,
      ...(extra.initImage ? { initContainers: [{ name: 'init', image: extra.initImage }] } : {}),
      containers: [{ name: 'app', image }],
    },
  };
}

/** Creates the namespaces the cases use and waits for their default ServiceAccount (kube-controller-manager). */
export async function ensureNamespaces(kube: Kube, names: readonly string[]): Promise<void> {
  kube.apply(names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  for (const name of names) {
    await kube.waitFor(() => (kube.run(['get', 'serviceaccount', 'default', '-n', name]).code === 0 ? true : undefined), 30_000);
  }
}

/** Removes every policy of the live customers (scb-live-*), whatever the engine. */
export function removeLivePolicies(kube: Kube): void {
  for (const kind of ['clusterpolicies.kyverno.io', 'imagevalidatingpolicies.policies.kyverno.io', 'validatingpolicies.policies.kyverno.io']) {
    kube.run(['delete', kind, '-l', 'app.kubernetes.io/managed-by=supply-chain-bundle', '--ignore-not-found', '--wait=true']);
  }
}

/** Applies the bundle's overlaid policies and waits until the webhook acts on them. */
export async function installPolicies(context: AdmissionContext, bundle: LiveBundle, engine: Engine, probeMode: 'enforce' | 'audit' | 'either'): Promise<boolean> {
  const { kube } = context;
  const applied = kube.apply(bundle.policies);
  if (applied.code !== 0) throw new Error(`applying ${bundle.name}'s policies failed: ${applied.stderr}`);
  // Ready when an unsigned customer image in production is refused (enforce) or warned about
  // (audit): the policy is in the admission controller's cache.
  const probe = podObject('readiness-probe', 'production-x', image(context, imageKey(engine, 'unsigned_REF')));
  const ready = await kube.waitFor(
    () => {
      const result = kube.run(['create', '--dry-run=server', '-f', '-'], JSON.stringify(probe));
      if (probeMode === 'enforce' && result.code !== 0 && result.stderr.includes('denied')) return true;
      if (probeMode === 'audit' && result.code === 0 && result.warnings.length > 0) return true;
      // A bundle whose behaviour is gated on the time (in-cluster flip): either signal shows it acts.
      if (probeMode === 'either' && ((result.code !== 0 && result.stderr.includes('denied')) || (result.code === 0 && result.warnings.length > 0))) return true;
      return undefined;
    },
    90_000,
    1000,
  );
  return ready === true;
}

export function createPod(kube: Kube, pod: ReturnType<typeof podObject>): { verdict: Verdict; warnings: readonly string[]; reason: string; millis: number } {
  const result = kube.create(pod);
  const verdict: Verdict = result.code === 0 ? 'admit' : 'refuse';
  if (verdict === 'admit') kube.run(['delete', 'pod', pod.metadata.name, '-n', pod.metadata.namespace, '--wait=false']);
  return { verdict, warnings: result.warnings, reason: verdict === 'refuse' ? refusalReason(result.stderr) : '', millis: result.millis };
}

/** Cases that cannot be judged live either (nondeterministic in the engine), with the reason. */
const LIVE_SKIP: Record<string, string> = {
  'rescanned/ImageValidatingPolicy': 'IVP keeps one statement per predicate type in run-dependent order',
};

export async function runAdmission(context: AdmissionContext, engine: Engine): Promise<void> {
  const { kube, matrix } = context;
  const registry = image(context, 'REGISTRY');
  const allowed = image(context, 'allowed_REF');
  await ensureNamespaces(kube, ['production-x', OTHER_NAMESPACE]);
  for (const mode of ['enforce', 'audit'] as const) {
    const group = `admission ${ENGINE_SHORT[engine]}/${mode}`;
    // enforce: onboarded 60 days ago with 30 soft days; audit: onboarded 2 days ago.
    const bundle = synthLiveCustomer(
      context.repoRoot,
      context.work,
      {
        name: `live-${ENGINE_SHORT[engine]}-${mode}`,
        engine,
        registry,
        allowlisted: allowed,
        onboardedDaysAgo: mode === 'enforce' ? 60 : 2,
        softDays: 30,
        acceptedRisks: conformanceAcceptedRisks(context.images, engine),
      },
      context.trust,
      new Date(),
    );
    matrix.check(group, 'generator picks the mode for now', mode, bundle.mode);
    removeLivePolicies(kube);
    const ready = await installPolicies(context, bundle, engine, mode);
    matrix.check(group, 'policies applied and acted on by the webhook', 'ready', ready ? 'ready' : 'not ready in 90 s');
    if (!ready) continue;
    for (const c of CASES) {
      const skip = LIVE_SKIP[`${c.name}/${engine}`];
      if (skip) continue;
      const production = c.namespace !== OTHER_NAMESPACE;
      const breaks = production && c.breaks.length > 0;
      const gap = c.knownGap?.[engine];
      const offline = c.offline?.[`${engine}/${mode}`];
      const intended: Verdict = breaks ? 'refuse' : 'admit';
      // What the conformance suite's `kyverno test` says for this case and mode (policy verdict).
      // enforce: the verdict; audit: the rule result the CLI reports (fail = would be refused).
      const cliResult = offline?.cli ?? gap?.actual ?? intended;
      const cliVerdict = c.notOn?.[engine] ? 'not run' : mode === 'enforce' ? cliResult : cliResult === 'refuse' ? 'fail' : 'pass';
      const name = `${c.name}-${Date.now().toString(36)}`;
      const pod = podObject(name, c.namespace, image(context, c.image(engine)), c.initImage ? { initImage: image(context, c.initImage(engine)) } : {});
      const result = createPod(kube, pod);
      const warned = result.warnings.some((w) => w.includes('scb-') || w.includes('policy'));
      const actual = mode === 'enforce' ? result.verdict : result.verdict === 'admit' ? (warned ? 'admit+warning' : 'admit') : 'refuse';
      const expectedLive = gap ? gap.actual : intended;
      const expected = mode === 'enforce' ? expectedLive : expectedLive === 'refuse' ? 'admit+warning' : 'admit';
      const step = `${c.name} (${c.namespace})`;
      const note = result.verdict === 'refuse' ? result.reason : warned ? result.warnings[0].slice(0, 160) : undefined;
      if (gap && actual === expected) matrix.gap(group, step, mode === 'enforce' ? intended : 'admit+warning', actual, gap.note, cliVerdict);
      else matrix.check(group, step, expected, actual, { kyvernoTest: cliVerdict, note });
    }
    if (mode === 'enforce') await runWorkloadPaths(context, engine, group);
  }
  removeLivePolicies(kube);
}

/** Deployment → ReplicaSet → Pod, label patch, kubectl debug, rollout restart (after the flip). */
async function runWorkloadPaths(context: AdmissionContext, engine: Engine, group: string): Promise<void> {
  const { kube, matrix } = context;
  const ns = 'production-x';
  const suffix = `${ENGINE_SHORT[engine]}-${Date.now().toString(36)}`;
  const deployment = (name: string, img: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: img }] } },
    },
  });
  const podsOf = (app: string) => kube.getJson<{ items: any[] }>(['pods', '-n', ns, '-l', `app=${app}`])?.items ?? [];

  // A good Deployment: the ReplicaSet controller creates the pod, through the webhook.
  const good = `web-good-${suffix}`;
  const created = kube.create(deployment(good, image(context, imageKey(engine, 'good_TAG'))));
  matrix.check(group, 'Deployment of the good image, by tag', 'admit', created.code === 0 ? 'admit' : 'refuse', { note: created.code === 0 ? undefined : refusalReason(created.stderr) });
  const pods = await kube.waitFor(() => (podsOf(good).length > 0 ? podsOf(good) : undefined), 60_000);
  matrix.check(group, 'its ReplicaSet creates the pod (kube-controller-manager)', '1 pod', `${pods?.length ?? 0} pod`);
  const digestPinned = pods?.[0]?.spec?.containers?.[0]?.image?.includes('@sha256:') ?? false;
  matrix.check(group, 'controller-created pod pinned to the digest (mutateDigest)', 'digest', digestPinned ? 'digest' : 'tag');

  // An unsigned Deployment: refused, either on the Deployment (autogen rules) or on its pods.
  const bad = `web-unsigned-${suffix}`;
  const badResult = kube.create(deployment(bad, image(context, imageKey(engine, 'unsigned_REF'))));
  let badActual: string;
  if (badResult.code !== 0) badActual = 'refuse (Deployment)';
  else {
    const failed = await kube.waitFor(() => {
      const rs = kube.getJson<{ items: any[] }>(['replicasets', '-n', ns, '-l', `app=${bad}`])?.items ?? [];
      const condition = rs.flatMap((r) => r.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
      return condition ? condition : undefined;
    }, 60_000);
    badActual = failed && podsOf(bad).length === 0 ? 'refuse (pods: ReplicaFailure)' : `admit (${podsOf(bad).length} pods)`;
  }
  matrix.check(group, 'Deployment of the unsigned image', badActual.startsWith('refuse') ? badActual : 'refuse', badActual, {
    note: badResult.code !== 0 ? refusalReason(badResult.stderr) : undefined,
  });

  const first = pods?.[0]?.metadata?.name as string | undefined;
  if (first) {
    // UPDATE: a label patch on the admitted pod.
    const label = kube.run(['label', 'pod', first, '-n', ns, `e2e-patched=${suffix}`]);
    matrix.check(group, 'label patch on the admitted pod (UPDATE)', 'admit', label.code === 0 ? 'admit' : 'refuse', { note: label.code === 0 ? undefined : refusalReason(label.stderr) });
    // An ephemeral container of an unsigned image (pods/ephemeralcontainers subresource).
    const debug = kube.run(['debug', first, '-n', ns, '--image', image(context, imageKey(engine, 'unsigned_REF')), '-c', 'debugger', '--profile', 'general']);
    matrix.pending(
      12,
      LANDED.lifecycle,
      group,
      'kubectl debug with an unsigned image (ephemeral container)',
      'refuse',
      debug.code === 0 ? 'admit' : 'refuse',
      debug.code === 0 ? 'pods/ephemeralcontainers is a subresource no generated policy matches' : refusalReason(debug.stderr),
    );
    const debugGood = kube.run(['debug', first, '-n', ns, '--image', image(context, imageKey(engine, 'good_REF')), '-c', 'debugger-good', '--profile', 'general']);
    matrix.check(group, 'kubectl debug with the good image (ephemeral container)', 'admit', debugGood.code === 0 ? 'admit' : 'refuse', {
      note: debugGood.code === 0 ? undefined : refusalReason(debugGood.stderr),
    });
  }

  // rollout restart: a new ReplicaSet whose pod takes the webhook again.
  const before = new Set(podsOf(good).map((p) => p.metadata.name));
  const restart = kube.run(['rollout', 'restart', `deployment/${good}`, '-n', ns]);
  const fresh = await kube.waitFor(() => {
    const now = podsOf(good).filter((p) => !before.has(p.metadata.name));
    return now.length > 0 ? now : undefined;
  }, 60_000);
  matrix.check(group, 'rollout restart: the new ReplicaSet’s pod is admitted', 'admit', restart.code === 0 && fresh ? 'admit' : 'refuse', {
    note: restart.code !== 0 ? refusalReason(restart.stderr) : undefined,
  });
  kube.run(['delete', 'deployment', good, bad, '-n', ns, '--ignore-not-found', '--wait=false']);
}
