/**
 * Reports and flip-check, live: in the soft period, pods of every kind are admitted (with
 * warnings); Kyverno's reports controller turns the Audit results into PolicyReports; then the
 * real `scb flip-check` reads them from the live API and must list exactly the workloads the
 * matrix expects to be refused after the flip, `error` results included (an image the
 * controllers cannot fetch, standing for a private image without credentials).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthLiveCustomer, type Engine } from '../live-customer';
import { ensureNamespaces, image, installPolicies, podObject, removeLivePolicies, type AdmissionContext } from './admission';

const short = (engine: Engine) => (engine === 'ClusterPolicy' ? 'cp' : 'ivp');
const key = (engine: Engine, name: string) => (engine === 'ClusterPolicy' ? name : `t_${name}`);

export async function runFlipCheck(context: AdmissionContext, engine: Engine): Promise<void> {
  const { kube, matrix } = context;
  const group = `flip-check ${short(engine)}`;
  const ns = `production-flip-${short(engine)}`;
  await ensureNamespaces(kube, [ns]);
  const registry = image(context, 'REGISTRY');
  const customer = `live-${short(engine)}-soft`;
  const bundle = synthLiveCustomer(
    context.repoRoot,
    join(context.work, `flip-${short(engine)}`),
    { name: customer, engine, registry, allowlisted: image(context, 'allowed_REF'), onboardedDaysAgo: 2, softDays: 30 },
    context.trust,
    new Date(),
  );
  removeLivePolicies(kube);
  await installPolicies(context, bundle, engine, 'audit');
  // name → [image, refused after the flip?]
  const missing = `${registry}/acme/services@sha256:${'0'.repeat(64)}`;
  const pods: Record<string, [string, boolean]> = {
    good: [image(context, key(engine, 'good_REF')), false],
    unsigned: [image(context, key(engine, 'unsigned_REF')), true],
    'missing-sbom': [image(context, key(engine, 'nosbom_REF')), true],
    'old-critical': [image(context, key(engine, 'critold_REF')), true],
    outside: [image(context, 'outside_REF'), true],
    allowlisted: [image(context, 'allowed_REF'), false],
  };
  for (const [name, [img]] of Object.entries(pods)) {
    const result = kube.create(podObject(name, ns, img));
    matrix.check(group, `soft period: ${name} pod created`, 'admit', result.code === 0 ? 'admit' : 'refuse');
  }
  const privateResult = kube.create(podObject('private', ns, missing));
  matrix.check(group, 'soft period: private pod (image not fetchable) created', 'admit', privateResult.code === 0 ? 'admit' : 'refuse');

  // Kyverno's reports are eventual. A pod's PolicyReport first holds the admission's results,
  // then the background scan's, which replace them (Kyverno keeps the newest result per CEL
  // policy and resource, per rule on the ClusterPolicy engine); and one policy's background
  // results can come tens of seconds after another's (seen live: the ValidatingPolicy's ~30 s
  // after the ImageValidatingPolicy's, on a freshly applied bundle). flip-check is judged once,
  // when every pod's report holds a background-scan result from every report-twin policy that
  // judges it; not by polling until the list looks right, which would hide a report that
  // changes its answer (docs/e2e.md, "Reports and flip-check").
  const names = [...Object.keys(pods), 'private'];
  const verifyImages = `scb-${customer}-verify-images-audit`;
  const allowedImages = `scb-${customer}-allowed-images-audit`;
  for (const policy of [verifyImages, allowedImages]) {
    if (!bundle.policies.some((p) => p.metadata?.name === policy)) throw new Error(`flip-check step: the bundle has no policy ${policy} (renamed in the generator?)`);
  }
  const imageOf = (name: string) => (name === 'private' ? missing : pods[name][0]);
  // The ClusterPolicy engine reports verifyImages only for images it verifies (the customer's
  // repository); the ImageValidatingPolicy reports every pod it matches (pass for other images).
  const judgedBy = (name: string) =>
    engine === 'ClusterPolicy' && !imageOf(name).startsWith(`${registry}/acme/services`) ? [allowedImages] : [allowedImages, verifyImages];
  const settledPods = () => {
    const reports = kube.getJson<{ items: any[] }>(['policyreports.wgpolicyk8s.io', '-n', ns])?.items ?? [];
    const settled = new Set<string>();
    for (const report of reports) {
      const name = report.scope?.name as string;
      if (!names.includes(name)) continue;
      const scanned = new Set((report.results ?? []).filter((result: any) => result.properties?.process === 'background scan').map((result: any) => result.policy));
      if (judgedBy(name).every((policy) => scanned.has(policy))) settled.add(name);
    }
    return settled;
  };
  const settled = await kube.waitFor(() => {
    const seen = settledPods();
    return names.every((n) => seen.has(n)) ? seen : undefined;
  }, 180_000, 3000);
  const unsettled = names.filter((n) => !(settled ?? settledPods()).has(n));
  matrix.check(group, 'PolicyReports settled: a background-scan result from each report twin on every pod', `${names.length} pods`, unsettled.length === 0 ? `${names.length} pods` : `not ${unsettled.join(',')}`);

  const run = spawnSync(process.execPath, [join(context.repoRoot, 'bin/scb.js'), 'flip-check', '--customer', customer, '--kubeconfig', kube.kubeconfig], { encoding: 'utf8' });
  const listed = new Set(
    run.stdout
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cells) => cells[0] === ns)
      .map((cells) => cells[2]),
  );
  const expected = Object.entries(pods).filter(([, [, refused]]) => refused).map(([name]) => name).sort();
  // What flip-check read, kept in the work folder (run.sh --keep) for diagnosis.
  const dump = (args: string[]) => kube.run(['get', ...args, '-o', 'yaml']).stdout;
  const policies = ['clusterpolicies.kyverno.io', 'imagevalidatingpolicies.policies.kyverno.io', 'validatingpolicies.policies.kyverno.io'].join(',');
  writeFileSync(
    join(context.work, `flip-check-${short(engine)}-reports.yaml`),
    [dump(['policyreports.wgpolicyk8s.io', '-n', ns]), dump(['ephemeralreports.reports.kyverno.io', '-A']), dump([policies, '-l', 'app.kubernetes.io/managed-by=supply-chain-bundle']), run.stdout].join('\n---\n'),
  );
  matrix.check(group, 'scb flip-check exit code', '1', String(run.status), { note: run.status === 1 ? undefined : run.stderr.trim().slice(0, 200) });
  matrix.check(group, 'scb flip-check lists the fail results', expected.join(','), [...listed].filter((n) => n !== 'private').sort().join(','));
  matrix.check(group, 'scb flip-check lists the error result (private image)', 'listed', listed.has('private') ? 'listed' : 'not listed');
  // SCB_E2E_HOLD_SECONDS: on a mismatch, keep the cluster as it is that long before cleaning up (inspect it with nsenter -t PID -n kubectl ...).
  const hold = Number(process.env.SCB_E2E_HOLD_SECONDS ?? 0);
  if (hold > 0 && matrix.mismatches > 0) {
    process.stderr.write(`[e2e] flip-check ${short(engine)}: holding ${hold} s (pid ${process.pid}, namespace ${ns})\n`);
    await new Promise((resolve) => setTimeout(resolve, hold * 1000));
  }
  kube.run(['delete', 'namespace', ns, '--wait=false']);
  removeLivePolicies(kube);
}
