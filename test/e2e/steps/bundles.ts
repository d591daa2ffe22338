/**
 * Every example customer's bundle applied as a customer applies it, to a real API server with
 * Kyverno's webhook validating the policies: `scb synth` of stacks/ at now, then
 * `kubectl apply --server-side -k dist/<customer>/kubernetes` (its kustomization.yaml) where the
 * bundle has one, else the files in dependency order (namespaces, then the rest). Every object
 * must be accepted; then the bundle is deleted again, so that the next steps start clean.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Kube } from '../kube';
import type { Matrix } from '../matrix';

/** Files of a bundle's kubernetes/ folder in an order a plain `kubectl apply -f` accepts. */
export function applyOrder(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .sort();
  const hasNamespace = (name: string) => /^kind: Namespace$/m.test(readFileSync(join(dir, name), 'utf8'));
  return [...files.filter(hasNamespace), ...files.filter((name) => !hasNamespace(name))];
}

function objectCount(dir: string, files: readonly string[]): number {
  return files.reduce((sum, file) => sum + parseAllDocuments(readFileSync(join(dir, file), 'utf8')).filter((doc) => doc.contents !== null).length, 0);
}

export function runBundles(kube: Kube, matrix: Matrix, repoRoot: string, work: string): void {
  const out = join(work, 'examples');
  const synth = spawnSync(process.execPath, [join(repoRoot, 'bin/scb.js'), 'synth', '--out', out, '--at', new Date().toISOString()], { cwd: repoRoot, encoding: 'utf8' });
  matrix.check('bundles', 'scb synth of every example customer (stacks/)', 'exit 0', `exit ${synth.status}`, { note: synth.status === 0 ? undefined : synth.stderr.slice(0, 200) });
  if (synth.status !== 0) return;
  const customers = readdirSync(out).filter((name) => existsSync(join(out, name, 'kubernetes')));
  for (const customer of customers.sort()) {
    const dir = join(out, customer, 'kubernetes');
    const engine = /^kind: ClusterPolicy$/m.test(readFileSync(join(dir, 'admission-policies.yaml'), 'utf8')) ? 'ClusterPolicy' : 'ImageValidatingPolicy';
    const files = applyOrder(dir);
    const kustomized = existsSync(join(dir, 'kustomization.yaml'));
    const expectedCount = objectCount(dir, files);
    const apply = kustomized
      ? kube.run(['apply', '--server-side', '-k', dir])
      : kube.run(['apply', '--server-side', ...files.flatMap((file) => ['-f', join(dir, file)])]);
    const accepted = apply.stdout.split('\n').filter((line) => / serverside-applied$/.test(line)).length;
    const how = kustomized ? 'apply -k' : `apply -f × ${files.length} (no kustomization.yaml yet)`;
    matrix.check('bundles', `${customer} (${engine}): ${how}`, `${expectedCount} objects accepted`, apply.code === 0 ? `${accepted} objects accepted` : 'refused', {
      note: apply.code === 0 ? undefined : apply.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 240),
    });
    // Clean up (and wait: the next customer's bundle reuses the monitoring namespace, and the
    // customer's policies would otherwise judge the next steps' pods).
    const removal = kustomized
      ? kube.run(['delete', '-k', dir, '--ignore-not-found', '--wait=true', '--timeout=180s'])
      : kube.run(['delete', '--ignore-not-found', '--wait=true', '--timeout=180s', ...[...files].reverse().flatMap((file) => ['-f', join(dir, file)])]);
    matrix.check('bundles', `${customer}: delete`, 'exit 0', `exit ${removal.code}`, { note: removal.code === 0 ? undefined : removal.stderr.slice(0, 200) });
  }
}
