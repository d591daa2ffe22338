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
import { LANDED } from '../landed';
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

  // The reports controller aggregates admission results into PolicyReports (about 20 s).
  const names = [...Object.keys(pods), 'private'];
  const reported = await kube.waitFor(
    () => {
      const reports = kube.getJson<{ items: any[] }>(['policyreports.wgpolicyk8s.io', '-n', ns])?.items ?? [];
      const seen = new Set(reports.filter((r) => (r.results ?? []).some((x: any) => String(x.policy).startsWith(`scb-${customer}-`))).map((r) => r.scope?.name));
      return names.every((n) => seen.has(n)) ? seen : undefined;
    },
    180_000,
    3000,
  );
  matrix.check(group, 'PolicyReports for every pod (reports controller)', `${names.length} pods`, `${reported?.size ?? 'not all'} pods`);

  // Reports are eventually consistent (each policy's results are aggregated on their own): run
  // flip-check until it lists what the matrix expects, or 120 s pass; the last run is judged.
  const expectedAll = Object.entries(pods).filter(([, [, refused]]) => refused).map(([name]) => name).sort().join(',');
  const flipCheck = () => {
    const run = spawnSync(process.execPath, [join(context.repoRoot, 'bin/scb.js'), 'flip-check', '--customer', customer, '--kubeconfig', kube.kubeconfig], { encoding: 'utf8' });
    const listed = new Set(
      run.stdout
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((cells) => cells[0] === ns)
        .map((cells) => cells[2]),
    );
    return { run, listed };
  };
  let { run, listed } = flipCheck();
  for (let deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    if ([...listed].filter((n) => n !== 'private').sort().join(',') === expectedAll && listed.has('private')) break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    ({ run, listed } = flipCheck());
  }
  const expected = Object.entries(pods).filter(([, [, refused]]) => refused).map(([name]) => name).sort();
  // What flip-check read, kept in the work folder (run.sh --keep) for diagnosis.
  const dump = (args: string[]) => kube.run(['get', ...args, '-o', 'yaml']).stdout;
  writeFileSync(join(context.work, `flip-check-${short(engine)}-reports.yaml`), [dump(['policyreports.wgpolicyk8s.io', '-n', ns]), dump(['ephemeralreports.reports.kyverno.io', '-A']), run.stdout].join('\n---\n'));
  matrix.check(group, 'scb flip-check exit code', '1', String(run.status), { note: run.status === 1 ? undefined : run.stderr.trim().slice(0, 200) });
  matrix.check(group, 'scb flip-check lists the fail results', expected.join(','), [...listed].filter((n) => n !== 'private').sort().join(','));
  matrix.pending(12, LANDED.lifecycle, group, 'scb flip-check lists the error result (private image)', 'listed', listed.has('private') ? 'listed' : 'not listed', 'flip-check counts only fail results; a private image gives error');
  kube.run(['delete', 'namespace', ns, '--wait=false']);
  removeLivePolicies(kube);
}
