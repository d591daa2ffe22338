/**
 * The conformance suite generator, without the tools: the suites it writes refer only to policies
 * and rules the generator really emits, in the mode the clock says, with the trust overlay and
 * nothing else changed. (The real run, with cosign and the Kyverno CLI, is test/conformance/run.sh.)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { CASES, generateSuites } from './generate-suite';
import { makeTempDir } from '../support/synth-helper';

const REGISTRY = '127.0.0.1:5000';
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function fakeInputs() {
  const dir = makeTempDir('scb-gensuite-');
  const keys = new Set(CASES.flatMap((c) => ['ClusterPolicy', 'ImageValidatingPolicy'].flatMap((e) => [c.image(e as never), ...(c.initImage ? [c.initImage(e as never)] : [])])));
  const lines = [`REGISTRY=${REGISTRY}`, ...[...keys].map((key, i) => `${key}=${REGISTRY}/${key.startsWith('allowed') ? 'other/allowed' : key.startsWith('outside') ? 'other/thing' : 'acme/services'}@${digest(i + 1)}`)];
  writeFileSync(join(dir, 'images.env'), `${lines.join('\n')}\n`);
  return {
    out: join(dir, 'out'),
    images: new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    caPem: 'CA PEM\n',
    tufUrl: 'http://127.0.0.1:9',
    tufRootBase64: 'cm9vdA==',
    today: new Date(),
  };
}

describe('generate-suite: the conformance suites come from the generator', () => {
  const inputs = fakeInputs();
  const suites = generateSuites(inputs);

  const ALL = ['enforce', 'audit', 'live-flip', 'controller'].flatMap((suite) => [`clusterpolicy-${suite}`]).concat(['enforce', 'audit', 'live-flip', 'controller'].map((suite) => `ivp-${suite}`));

  it('writes the eight suites and both deploy gates', () => {
    assert.deepEqual(suites, ALL);
    for (const engine of ['clusterpolicy', 'ivp']) assert.match(readFileSync(join(inputs.out, 'deploy-gate', engine, 'verify.sh'), 'utf8'), /--certificate-github-workflow-trigger/);
  });

  for (const suite of ALL) {
    it(`${suite}: every expected row names a generated policy twin (and rule), with the generated identity and the test trust material`, () => {
      const dir = join(inputs.out, suite);
      const policies = parseAllDocuments(readFileSync(join(dir, 'policy.yaml'), 'utf8')).map((d) => d.toJS());
      const test = parse(readFileSync(join(dir, 'kyverno-test.yaml'), 'utf8'));
      const names = new Map(policies.map((p) => [p.metadata.name, p]));
      assert.equal(names.size, suite.startsWith('ivp') ? 6 : 4, 'both twins of every policy');
      for (const row of test.results) {
        const policy = names.get(row.policy);
        assert.ok(policy, `row for unknown policy ${row.policy}`);
        if (row.rule) assert.ok(policy.spec.rules.some((r: { name: string }) => r.name === row.rule.replace(/^autogen-/, '')), `unknown rule ${row.rule}`);
      }
      assert.equal(test.userinfo, 'userinfo.yaml');
      const user = parse(readFileSync(join(dir, 'userinfo.yaml'), 'utf8')).userInfo.username;
      assert.equal(user, suite.endsWith('controller') ? 'system:serviceaccount:kube-system:replicaset-controller' : 'deployer@acme.example');
      const text = readFileSync(join(dir, 'policy.yaml'), 'utf8');
      if (suite.startsWith('ivp')) {
        const cosign = policies.find((p) => p.kind === 'ImageValidatingPolicy').spec.attestors[0].cosign;
        assert.deepEqual(Object.keys(cosign).sort(), ['ctlog', 'keyless', 'tuf']);
        assert.equal(cosign.keyless.identities[0].subjectRegExp, '^https:\\/\\/github\\.com\\/acme\\/services\\/\\.github\\/workflows\\/release\\.yml@refs\\/heads\\/main$');
      } else {
        assert.match(text, /roots: \|\n\s+CA PEM/);
        assert.match(text, /githubWorkflowTrigger: push/);
      }
      assert.ok(text.includes(inputs.images.get('allowed_REF')!.split('@')[1]), 'the allowlisted digest is in the policies');
    });
  }

  it('dates the suites relative to today: the live-flip suite is rendered in the soft period, its flip is past', () => {
    const live = JSON.parse(readFileSync(join(inputs.out, 'ivp-live-flip', 'cases.json'), 'utf8'));
    assert.equal(live.enforcing, true);
    assert.match(live.description, /\(audit\)/);
    const flip = /flip (\d{4}-\d{2}-\d{2})/.exec(live.description)![1];
    assert.ok(Date.parse(`${flip}T00:00:00Z`) < Date.now());
    const audit = JSON.parse(readFileSync(join(inputs.out, 'clusterpolicy-audit', 'cases.json'), 'utf8'));
    assert.equal(audit.enforcing, false);
    assert.ok(audit.cases.every((c: { expected: string }) => c.expected !== 'refuse'));
  });

  it("expects a controller's reschedule of a stale or old-CRITICAL image to be admitted, and a new Deployment of it refused", () => {
    const controller = JSON.parse(readFileSync(join(inputs.out, 'ivp-controller', 'cases.json'), 'utf8'));
    const byName = new Map(controller.cases.map((c: { name: string; expected: string }) => [c.name, c.expected]));
    assert.equal(byName.get('stale-scan'), 'admit');
    assert.equal(byName.get('old-critical'), 'admit');
    assert.equal(byName.get('unsigned'), 'refuse');
    const enforce = JSON.parse(readFileSync(join(inputs.out, 'clusterpolicy-enforce', 'cases.json'), 'utf8'));
    assert.equal(enforce.cases.find((c: { name: string }) => c.name === 'deployment-stale-scan').expected, 'refuse');
    const resources = parseAllDocuments(readFileSync(join(inputs.out, 'clusterpolicy-controller', 'resources.yaml'), 'utf8')).map((d) => d.toJS());
    for (const pod of resources) assert.equal(pod.metadata.ownerReferences[0].controller, true);
  });

  it('names the known gap and what the CLI cannot show, never as a plain expectation', () => {
    const ivp = JSON.parse(readFileSync(join(inputs.out, 'ivp-enforce', 'cases.json'), 'utf8'));
    const byName = new Map(ivp.cases.map((c: { name: string }) => [c.name, c]));
    assert.equal((byName.get('pull-request') as { expected: string; knownGap: { actual: string } }).knownGap.actual, 'admit');
    assert.equal((byName.get('pull-request') as { expected: string }).expected, 'refuse');
    assert.ok((byName.get('tag-good') as { offline: unknown }).offline);
    const cpol = JSON.parse(readFileSync(join(inputs.out, 'clusterpolicy-enforce', 'cases.json'), 'utf8'));
    assert.equal(cpol.cases.find((c: { name: string }) => c.name === 'pull-request').knownGap, null);
  });
});
