import { requireTool } from './tools';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTempDir } from './synth-helper';


/** A real tool, located like every other (test/support/tools.ts); missing, an error says how to install it. */
export function toolBinary(name: 'cosign' | 'crane'): string {
  return requireTool(name);
}

/**
 * The real Kyverno CLI: $KYVERNO_BIN, else the tools cache, else `kyverno` on PATH. Missing, it
 * throws with the way to build it (no fake stands in for Kyverno).
 */
export function kyvernoBinary(): string {
  return requireTool('kyverno');
}

export interface KyvernoResult {
  readonly policy: string;
  readonly rule?: string;
  readonly result: 'pass' | 'fail' | 'warn' | 'error' | 'skip';
  readonly message?: string;
  readonly resources: { kind: string; namespace?: string; name: string }[];
}

/**
 * The requesting user `kyvernoApply` sends by default: a person deploying, so the time-dependent
 * rules judge the request (a controller's or a background request would not be; see
 * src/admission/request-paths.ts).
 */
export const DEPLOYER = 'deployer@example.test';

/**
 * `kyverno apply <policies> --resource <resources> --userinfo <user> --policy-report` and the results, one per
 * policy/rule and resource. Documents are written as YAML to a temp dir first. A policy Kyverno's
 * own validation rejects (it prints "Policies Skipped") throws, so an invalid policy cannot pass.
 *
 * Each ImageValidatingPolicy is applied in a run of its own, the other policies together: the
 * CLI evaluates every IVP of a run in one engine call, which deadlocks Kyverno 1.19.0 when two
 * of them verify one pod (src/admission/flip-gate.ts), while the admission webhook evaluates
 * each of the bundle's IVPs alone (a fine-grained webhook per policy, as each sets its timeout).
 */
export function kyvernoApply(policies: readonly unknown[], resources: readonly unknown[], username: string = DEPLOYER): KyvernoResult[] {
  const isIvp = (doc: unknown) => (doc as { kind?: string }).kind === 'ImageValidatingPolicy';
  const others = policies.filter((doc) => !isIvp(doc));
  const runs = [...policies.filter(isIvp).map((doc) => [doc]), ...(others.length > 0 ? [others] : [])];
  return runs.flatMap((batch) => kyvernoApplyOnce(batch, resources, username));
}

function kyvernoApplyOnce(policies: readonly unknown[], resources: readonly unknown[], username: string): KyvernoResult[] {
  const dir = makeTempDir('scb-kyverno-');
  const policyFile = join(dir, 'policies.yaml');
  const resourceFile = join(dir, 'resources.yaml');
  const userFile = join(dir, 'userinfo.yaml');
  writeFileSync(policyFile, policies.map((doc) => stringify(doc)).join('---\n'));
  writeFileSync(resourceFile, resources.map((doc) => stringify(doc)).join('---\n'));
  writeFileSync(userFile, stringify({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'UserInfo', metadata: { name: 'requester' }, userInfo: { username, groups: ['system:authenticated'] } }));
  const run = spawnSync(kyvernoBinary(), ['apply', policyFile, '--resource', resourceFile, '--userinfo', userFile, '--policy-report', '--output-format', 'json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  // A run whose policies match nothing (a twin that does not act now, the ephemeral-containers
  // policy on plain pods) prints no report at all and exits 0.
  if (run.status === 0 && run.stdout.trim() === '' && policies.length === 1) return [];
  const start = run.stdout.indexOf('{');
  if (start < 0) throw new Error(`kyverno apply printed no report (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
  if (/Policies Skipped/.test(run.stdout.slice(0, start))) throw new Error(`kyverno rejected a policy:\n${run.stdout.slice(0, start)}`);
  const report = JSON.parse(run.stdout.slice(start)) as { results?: KyvernoResult[] };
  return report.results ?? [];
}

/** The result of one policy for one resource name (undefined when Kyverno produced none). */
export function resultFor(results: readonly KyvernoResult[], policy: string, resource: string, rule?: string): KyvernoResult | undefined {
  return results.find(
    (result) => result.policy === policy && (rule === undefined || result.rule === rule) && result.resources.some((entry) => entry.name === resource),
  );
}

/** A pod with the given container images (first is a container, `init:` prefix an init container). */
export function pod(name: string, namespace: string, images: readonly string[]) {
  const containers = images.filter((image) => !image.startsWith('init:'));
  const initContainers = images.filter((image) => image.startsWith('init:')).map((image) => image.slice(5));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      ...(initContainers.length > 0 ? { initContainers: initContainers.map((image, index) => ({ name: `init-${index}`, image })) } : {}),
      containers: containers.map((image, index) => ({ name: `c-${index}`, image })),
    },
  };
}
