/**
 * Time, live. The controllers run on the real clock, so the suite shifts the world instead:
 * onboarding dates, scan times (the `stalescan` image's scan finished 8 days ago) and review
 * dates are picked relative to now.
 *
 *   - flip: a bundle synthesized one minute before its flip instant, applied after it, with no
 *     re-apply: an unsigned pod must be refused (the in-cluster flip of #12);
 *   - a Deployment admitted earlier, its image's scan now 8 days old, scaled out: admitted
 *     (no outage from passing time, #12); a new Deployment of that image: refused;
 *   - an allowlist entry inside its review grace: still exempt, admitted (its warning is the
 *     SupplyChainAllowlistReviewOverdue alert and scb synth's summary, not an admission warning:
 *     docs/admission.md); past review plus grace: refused (#12).
 */
import { LANDED } from '../landed';
import { isoDate, synthLiveCustomer, type Engine } from '../live-customer';
import { refusalReason } from '../kube';
import { createPod, ensureNamespaces, image, installPolicies, podObject, removeLivePolicies, type AdmissionContext } from './admission';
import { join } from 'node:path';

const DAY = 24 * 3600 * 1000;
const short = (engine: Engine) => (engine === 'ClusterPolicy' ? 'cp' : 'ivp');
const key = (engine: Engine, name: string) => (engine === 'ClusterPolicy' ? name : `t_${name}`);

export async function runLifecycle(context: AdmissionContext, engine: Engine): Promise<void> {
  const { kube, matrix } = context;
  const group = `time ${short(engine)}`;
  const registry = image(context, 'REGISTRY');
  const allowed = image(context, 'allowed_REF');
  const ns = 'production-x';
  await ensureNamespaces(kube, [ns]);

  // 1. The flip, with no re-apply: rendered 1 minute before today's 00:00 UTC flip instant.
  const now = new Date();
  const flip = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const before = new Date(flip.getTime() - 60_000);
  const flipBundle = synthLiveCustomer(
    context.repoRoot,
    join(context.work, 'time-flip'),
    { name: `live-${short(engine)}-flip`, engine, registry, allowlisted: allowed, onboardedDaysAgo: 0, onboardedAt: isoDate(new Date(flip.getTime() - 30 * DAY)), softDays: 30 },
    context.trust,
    before,
  );
  matrix.check(group, `bundle synthesized at ${before.toISOString()} (1 min before the flip)`, 'audit', flipBundle.mode);
  removeLivePolicies(kube);
  const ready = await installPolicies(context, flipBundle, engine, 'either');
  const unsigned = createPod(kube, podObject(`after-flip-${Date.now().toString(36)}`, ns, image(context, key(engine, 'unsigned_REF'))));
  matrix.pending(
    12,
    LANDED.lifecycle,
    group,
    `unsigned pod ${Math.round((Date.now() - flip.getTime()) / 60_000)} min after the flip, bundle not re-applied`,
    'refuse',
    ready ? unsigned.verdict : 'policies not ready',
    unsigned.verdict === 'refuse' ? unsigned.reason : 'the mode is rendered at synth time; the cluster keeps auditing until someone re-synthesizes',
  );

  // 2. An enforcing bundle; a Deployment of the stale-scan image admitted "8 days ago".
  const enforce = synthLiveCustomer(
    context.repoRoot,
    join(context.work, 'time-enforce'),
    { name: `live-${short(engine)}-time`, engine, registry, allowlisted: allowed, onboardedDaysAgo: 60, softDays: 30 },
    context.trust,
    new Date(),
  );
  removeLivePolicies(kube);
  // Admitted before the policies judged it (when its scan was fresh): created with no policy installed.
  const name = `stale-${short(engine)}-${Date.now().toString(36)}`;
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: image(context, key(engine, 'stalescan_REF')) }] } },
    },
  };
  const created = kube.create(deployment);
  const podsOf = () => kube.getJson<{ items: any[] }>(['pods', '-n', ns, '-l', `app=${name}`])?.items ?? [];
  await kube.waitFor(() => (podsOf().length >= 1 ? true : undefined), 60_000);
  await installPolicies(context, enforce, engine, 'enforce');
  const scale = kube.run(['scale', `deployment/${name}`, '-n', ns, '--replicas', '2']);
  const scaled = await kube.waitFor(() => (podsOf().length >= 2 ? true : undefined), 30_000);
  const rsFailure = (kube.getJson<{ items: any[] }>(['replicasets', '-n', ns, '-l', `app=${name}`])?.items ?? [])
    .flatMap((rs) => rs.status?.conditions ?? [])
    .find((c: any) => c.type === 'ReplicaFailure');
  matrix.pending(
    12,
    LANDED.lifecycle,
    group,
    'Deployment admitted earlier, scan now 8 days old, scaled out',
    'admit',
    created.code === 0 && scale.code === 0 && scaled ? 'admit' : 'refuse',
    scaled ? 'the ReplicaSet created the new pod' : `time rules judge a controller's re-creation: ${String(rsFailure?.message ?? refusalReason(scale.stderr)).slice(0, 160)}`,
  );
  kube.run(['delete', 'deployment', name, '-n', ns, '--wait=false']);

  const fresh = kube.create({ ...deployment, metadata: { name: `${name}-new`, namespace: ns } });
  matrix.check(group, 'a new Deployment of the same stale image', 'refuse', fresh.code === 0 ? 'admit' : 'refuse', {
    note: fresh.code === 0 ? undefined : refusalReason(fresh.stderr),
  });
  kube.run(['delete', 'deployment', `${name}-new`, '-n', ns, '--ignore-not-found', '--wait=false']);

  // 3. Allowlist review: inside the grace (95 days after review; interval 90 + grace 14) and past it.
  for (const [days, expected, label] of [
    [95, 'admit', 'allowlisted image, review overdue but inside the grace (still exempt)'],
    [105, 'refuse', 'allowlisted image, past review plus grace'],
  ] as const) {
    const bundle = synthLiveCustomer(
      context.repoRoot,
      join(context.work, `time-allowlist-${days}`),
      { name: `live-${short(engine)}-review${days}`, engine, registry, allowlisted: allowed, onboardedDaysAgo: 200, softDays: 30, reviewedDaysAgo: days },
      context.trust,
      new Date(),
    );
    removeLivePolicies(kube);
    await installPolicies(context, bundle, engine, 'enforce');
    const result = createPod(kube, podObject(`allowlisted-${days}-${Date.now().toString(36)}`, ns, allowed));
    const actual = result.verdict === 'refuse' ? 'refuse' : result.warnings.length > 0 ? 'admit+warning' : 'admit';
    matrix.pending(12, LANDED.allowlistExpiry, group, `${label} (reviewed ${days} days ago)`, expected, actual, result.reason || (result.warnings[0] ?? (actual === 'admit' ? 'exempt by the allowlist entry' : '')).slice(0, 160));
  }
  removeLivePolicies(kube);
}
