/**
 * The live suite's own logic, without a cluster: how the matrix judges rows (a pending row is
 * never a pass unless the cluster already behaves), the apply order of a bundle without a
 * kustomization, and the Trivy stand-in's answers. (The live run is test/e2e/run.sh.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '../support/synth-helper';
import { Matrix } from './matrix';
import { applyOrder } from './steps/bundles';

describe('e2e matrix', () => {
  it('given a mismatch, when rendered, then it counts as mismatched', () => {
    const matrix = new Matrix();
    matrix.check('g', 'a', 'refuse', 'refuse');
    matrix.check('g', 'b', 'refuse', 'admit');
    assert.equal(matrix.mismatches, 1);
    assert.match(matrix.render().split('\n').at(-1) ?? '', /^1 1 0$/);
  });

  it('given work another issue delivers, when the cluster does not behave yet, then the row is a gap that names the issue', () => {
    const matrix = new Matrix();
    const row = matrix.pending(12, false, 'g', 'debug', 'refuse', 'admit', 'not matched');
    assert.equal(row.status, 'gap');
    assert.equal(row.expected, 'refuse (after #12)');
    assert.equal(matrix.mismatches, 0);
  });

  it('given the work has landed, when the cluster still misbehaves, then the row is a mismatch', () => {
    const matrix = new Matrix();
    assert.equal(matrix.pending(12, true, 'g', 'debug', 'refuse', 'admit', 'not matched').status, 'MISMATCH');
  });

  it('given a note with line breaks, when added, then the row stays on one line', () => {
    const matrix = new Matrix();
    assert.equal(matrix.check('g', 's', 'x', 'y', { note: 'denied\n\nresource Pod' }).note, 'denied resource Pod');
  });
});

describe('e2e bundle apply order', () => {
  it('given a bundle folder, when ordered, then the files holding Namespaces come first and the kustomization is left out', () => {
    const dir = makeTempDir('scb-e2e-order-');
    writeFileSync(join(dir, 'admission-policies.yaml'), 'kind: ClusterPolicy\n');
    writeFileSync(join(dir, 'monitoring-namespace.yaml'), 'apiVersion: v1\nkind: Namespace\n');
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\n');
    assert.deepEqual(applyOrder(dir), ['monitoring-namespace.yaml', 'admission-policies.yaml']);
  });
});

describe('Trivy stand-in', () => {
  const standin = join(__dirname, 'trivy-standin.js');
  it('given no --server, when asked to scan, then it refuses like a misconfigured client', () => {
    const dir = makeTempDir('scb-e2e-trivy-');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'map.json'), '{}');
    const result = spawnSync(process.execPath, [standin, 'image', 'r@sha256:' + 'a'.repeat(64)], { encoding: 'utf8', env: { ...process.env, SCB_TRIVY_STANDIN_MAP: join(dir, 'map.json') } });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /client\/server mode/);
  });
});
