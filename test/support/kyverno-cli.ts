import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTempDir } from './synth-helper';

const TOOLS_BIN = '/root/.cache/scb-tools/bin';
const DEFAULT_KYVERNO = `${TOOLS_BIN}/kyverno`;

/** How to build the other supply-chain tools the tests run, at the versions used here. */
const TOOL_INSTALL: Record<string, string> = {
  cosign: 'GOBIN=/root/.cache/scb-tools/bin go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.2',
  crane: 'GOBIN=/root/.cache/scb-tools/bin go install github.com/google/go-containerregistry/cmd/crane@v0.22.1',
};

/** A real tool: $<NAME>_BIN, else the tools cache, else PATH; missing, an error says how to build it. */
export function toolBinary(name: 'cosign' | 'crane', env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[`${name.toUpperCase()}_BIN`];
  if (fromEnv) return fromEnv;
  if (existsSync(`${TOOLS_BIN}/${name}`)) return `${TOOLS_BIN}/${name}`;
  if (spawnSync(name, ['version'], { encoding: 'utf8' }).status === 0) return name;
  throw new Error(`${name} is needed for this test and was not found; install it with \`${TOOL_INSTALL[name]}\` or set ${name.toUpperCase()}_BIN.`);
}

/**
 * The real Kyverno CLI: $KYVERNO_BIN, else the tools cache, else `kyverno` on PATH. Missing, it
 * throws with the way to build it (no fake stands in for Kyverno).
 */
export function kyvernoBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KYVERNO_BIN) {
    if (!existsSync(env.KYVERNO_BIN)) throw new Error(`KYVERNO_BIN=${env.KYVERNO_BIN} does not exist`);
    return env.KYVERNO_BIN;
  }
  if (existsSync(DEFAULT_KYVERNO)) return DEFAULT_KYVERNO;
  const onPath = spawnSync('kyverno', ['version'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'kyverno';
  throw new Error(
    'the Kyverno CLI is needed for this test and was not found. Build it from the tools module: ' +
      '`cd tools/kyverno && GOBIN=/root/.cache/scb-tools/bin go install github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno && ' +
      'mv /root/.cache/scb-tools/bin/kubectl-kyverno /root/.cache/scb-tools/bin/kyverno`, or set KYVERNO_BIN.',
  );
}

export interface KyvernoResult {
  readonly policy: string;
  readonly rule?: string;
  readonly result: 'pass' | 'fail' | 'warn' | 'error' | 'skip';
  readonly message?: string;
  readonly resources: { kind: string; namespace?: string; name: string }[];
}

/**
 * `kyverno apply <policies> --resource <resources> --policy-report` and the results, one per
 * policy/rule and resource. Documents are written as YAML to a temp dir first. A policy Kyverno's
 * own validation rejects (it prints "Policies Skipped") throws, so an invalid policy cannot pass.
 */
export function kyvernoApply(policies: readonly unknown[], resources: readonly unknown[]): KyvernoResult[] {
  const dir = makeTempDir('scb-kyverno-');
  const policyFile = join(dir, 'policies.yaml');
  const resourceFile = join(dir, 'resources.yaml');
  writeFileSync(policyFile, policies.map((doc) => stringify(doc)).join('---\n'));
  writeFileSync(resourceFile, resources.map((doc) => stringify(doc)).join('---\n'));
  const run = spawnSync(kyvernoBinary(), ['apply', policyFile, '--resource', resourceFile, '--policy-report', '--output-format', 'json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
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
