/**
 * The generated policies run through the real Kyverno CLI (v1.19.0): everything that needs no
 * registry — rule 4, namespace globs, the allowlist exclusion, autogen for controllers, and the
 * rule-3 conditions against real Trivy reports. Signature verification against a registry is the
 * conformance harness's job (test/conformance); here a customer image on a closed loopback port
 * shows only that the image was selected for verification (result "error", never "pass"/"skip").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { vulnerabilityScanConditions } from '../../src/admission/cluster-policy';
import { celScanFresh } from '../../src/admission/image-validating-policy';
import { type VulnerabilityRule, celVulnerabilityRule, jmespathViolationCount } from '../../src/vulnerability-rule';
import { withTestTrustRoots } from '../../src/admission/test-overlay';
import { customerFrom, renderAdmission } from '../support/admission-helper';
import { KYVERNO_CRDS_DIR } from '../support/crd-schema';
import { type KyvernoResult, kyvernoApply, kyvernoBinary, pod, resultFor } from '../support/kyverno-cli';
import { makeTempDir } from '../support/synth-helper';

const REDIS = 'docker.io/library/redis@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c';
/** YYYY-MM-DD `days` before today: allowlist expiry is judged by Kyverno's real clock. */
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const allowlist = [{ image: REDIS, reason: 'vendor cache', owner: 'platform', lastReviewed: daysAgo(10) }];
// Port 1 on loopback is closed: the CLI gets "connection refused" at once instead of reaching a registry.
const LOCAL_IMAGE = '127.0.0.1:1/example-org/shop';
const CUSTOMER_DIGEST = `${LOCAL_IMAGE}@sha256:${'a'.repeat(64)}`;
const ENFORCING = '2027-01-01T00:00:00Z';

function customer(engine: 'ImageValidatingPolicy' | 'ClusterPolicy') {
  return customerFrom({
    name: engine === 'ClusterPolicy' ? 'legacy' : 'shop',
    image: LOCAL_IMAGE,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine, namespaces: ['prod', 'prod-*', 'team-?'] },
    allowlist,
  });
}

/** The default rule (CRITICAL, not fixable-only, no accepted risks) with the given grace. */
const ruleWithGrace = (graceDays: number): VulnerabilityRule => ({ severity: 'CRITICAL', graceDays, fixableOnly: false, acceptedRisks: [] });

const fixtures = () => join(KYVERNO_CRDS_DIR, '..', '..', 'fixtures', 'trivy');

for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy'] as const) {
  describe(`kyverno apply, ${engine} engine`, () => {
    const rendered = renderAdmission(customer(engine), ENFORCING);
    const name = engine === 'ClusterPolicy' ? 'legacy' : 'shop';
    const allowed = `scb-${name}-allowed-images`;
    const verify = `scb-${name}-verify-images`;
    const results: KyvernoResult[] = kyvernoApply(rendered.policies, [
      pod('allowlisted', 'prod-a', [REDIS]),
      pod('side-door', 'prod-a', ['docker.io/library/redis:7']),
      pod('side-door-init', 'prod', ['init:docker.io/library/busybox:1', REDIS]),
      pod('side-door-single-char', 'team-a', ['docker.io/library/redis:7']),
      pod('other-team', 'team-ab', ['docker.io/library/redis:7']),
      pod('preprod', 'preprod', ['docker.io/library/redis:7']),
      pod('mixed', 'prod-a', [REDIS, CUSTOMER_DIGEST]),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'side-door-deployment', namespace: 'prod-b' },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'docker.io/library/redis:7' }] } },
        },
      },
    ]);
    const outcome = (policy: string, resource: string) => resultFor(results, policy, resource)?.result;

    it("passes Kyverno's own policy validation in both modes (e.g. no mutateDigest with Audit)", () => {
      for (const at of ['2026-09-02T00:00:00Z', ENFORCING]) {
        const modeResults = kyvernoApply(renderAdmission(customer(engine), at).policies, [pod('probe', 'prod', ['docker.io/library/redis:7'])]);
        assert.equal(resultFor(modeResults, allowed, 'probe')?.result, 'fail', at);
      }
      const broken = structuredClone(renderAdmission(customer(engine), '2026-09-02T00:00:00Z').policies);
      if (engine === 'ClusterPolicy') broken[0].spec.rules[0].verifyImages[0].mutateDigest = true;
      else broken[0].spec.validations[0].expression = 'images.containers.all(image, image > 1)';
      assert.throws(() => {
        const brokenResults = kyvernoApply(broken, [pod('probe', 'prod', [REDIS])]);
        // In the soft period the report twin (`-audit`) is the one that acts (flip-gate.ts).
        const verdict = resultFor(brokenResults, `${verify}-audit`, 'probe');
        if (verdict?.result === 'error') throw new Error(`kyverno reported: ${verdict.message}`);
      }, /kyverno rejected a policy|kyverno reported/);
    });

    it("keeps the test-trust-roots overlay valid for Kyverno's policy validation (a rekor block needs its URL)", () => {
      const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEuX8bF1G3b5o8Vt0b2m0y1Vb7bS3f\nq6nq1Yw3m2J7Kj8f3b9Q1cJ6dN0C2H6l7i8Y4Q2x0V1m5r0yZ7p9c3h8Jg==\n-----END PUBLIC KEY-----\n';
      const variants = engine === 'ClusterPolicy' ? [{ rootsPem: pem }, { publicKeyPem: pem }] : [{ publicKeyPem: pem }];
      for (const at of ['2026-09-02T00:00:00Z', ENFORCING]) {
        for (const roots of variants) {
          const overlaid = renderAdmission(customer(engine), at).policies.map((policy) => withTestTrustRoots(policy, roots));
          assert.doesNotThrow(() => kyvernoApply(overlaid, [pod('probe', 'prod', [REDIS])]), `${at} ${Object.keys(roots)[0]}`);
        }
      }
    });

    it('loads the policies without errors (CEL compiles, patterns parse)', () => {
      const errors = results.filter((result) => result.result === 'error' && !result.resources.some((resource) => resource.name === 'mixed'));
      assert.deepEqual(errors, []);
      assert.ok(results.length > 0);
    });

    it('rule 4: admits an allowlisted image, refuses images from elsewhere, init containers included', () => {
      assert.equal(outcome(allowed, 'allowlisted'), 'pass');
      assert.equal(outcome(allowed, 'side-door'), 'fail');
      assert.equal(outcome(allowed, 'side-door-init'), 'fail');
      assert.match(resultFor(results, allowed, 'side-door')?.message ?? '', /rule 4 \(no side door\)/);
    });

    it('namespace globs: prod, prod-* and team-? match; team-ab and preprod do not', () => {
      assert.equal(outcome(allowed, 'side-door-single-char'), 'fail');
      for (const resource of ['other-team', 'preprod']) assert.ok([undefined, 'skip'].includes(outcome(allowed, resource)), `${resource}: ${outcome(allowed, resource)}`);
    });

    it('autogen: the same rule 4 applies to a Deployment', () => {
      assert.equal(outcome(allowed, 'side-door-deployment'), 'fail');
    });

    it('allowlist is per image: a pod with an allowlisted image still has its customer image verified', () => {
      assert.equal(outcome(allowed, 'mixed'), 'pass');
      const verdicts = results.filter((result) => result.policy === verify && result.resources.some((resource) => resource.name === 'mixed'));
      assert.ok(verdicts.length > 0, 'no verification result for the mixed pod: its customer image was not selected');
      for (const verdict of verdicts) assert.ok(['error', 'fail'].includes(verdict.result), `${verdict.rule}: ${verdict.result} ${verdict.message}`);
      // The allowlisted-only pod is not verified at all (no registry call was needed to pass it).
      for (const verdict of results.filter((result) => result.policy === verify && result.resources.some((resource) => resource.name === 'allowlisted'))) {
        assert.ok(['pass', 'skip'].includes(verdict.result), `${verdict.rule}: ${verdict.result}`);
      }
    });
  });
}

const EXPIRED = `docker.io/library/memcached@sha256:${'c'.repeat(64)}`;
const IN_GRACE = `docker.io/library/nginx@sha256:${'d'.repeat(64)}`;
const SIDECAR = 'docker.io/istio/proxyv2';
const OLD_AGENT = 'docker.io/hashicorp/vault';
const CONTROLLER = 'system:serviceaccount:kube-system:replicaset-controller';

/** Allowlist entries on both sides of their expiry (default interval 90 days, grace 14), by digest and by repository. */
function expiryCustomer(engine: 'ImageValidatingPolicy' | 'ClusterPolicy') {
  const entry = { reason: 'conformance of the allowlist expiry', owner: 'platform' };
  return customerFrom({
    name: engine === 'ClusterPolicy' ? 'legacy' : 'shop',
    image: LOCAL_IMAGE,
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD' },
    admission: { engine, namespaces: ['prod'] },
    allowlist: [
      { ...entry, image: EXPIRED, lastReviewed: daysAgo(120) }, // due 30 days ago, expired 16 days ago
      { ...entry, image: IN_GRACE, lastReviewed: daysAgo(95) }, // due 5 days ago: overdue, still exempt for 9 days
      { ...entry, repository: SIDECAR, lastReviewed: daysAgo(10) },
      { ...entry, repository: OLD_AGENT, lastReviewed: daysAgo(200) },
    ],
  });
}

/** A pod a ReplicaSet's controller created (the ClusterPolicy engine tells it by its controlling owner). */
function controllerPod(name: string, images: readonly string[]) {
  const base = pod(name, 'prod', images);
  return { ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '0b9d5a4e-2f7c-4c1e-9a3b-6e2d1f0c8b7a', controller: true }] } };
}

for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy'] as const) {
  describe(`allowlist expiry and repository entries on Kyverno's clock, ${engine} engine`, () => {
    const name = engine === 'ClusterPolicy' ? 'legacy' : 'shop';
    const allowed = `scb-${name}-allowed-images`;
    const policies = renderAdmission(expiryCustomer(engine), new Date()).policies;
    const resources = [
      pod('expired', 'prod', [EXPIRED]),
      pod('in-grace', 'prod', [IN_GRACE]),
      pod('sidecar', 'prod', [CUSTOMER_DIGEST, `${SIDECAR}:1.24.2`]),
      pod('sidecar-digest', 'prod', [`${SIDECAR}@sha256:${'e'.repeat(64)}`]),
      pod('lookalike', 'prod', [`${SIDECAR}-debug:1.24.2`]),
      pod('expired-repository', 'prod', [`${OLD_AGENT}:1.15`]),
    ];
    const byDeployer = kyvernoApply(policies, resources);
    const byController = kyvernoApply(policies, [controllerPod('expired', [EXPIRED]), controllerPod('expired-repository', [`${OLD_AGENT}:1.15`])], CONTROLLER);
    /** The worst result of rule 4's policy (both of its rules on the ClusterPolicy engine) for a pod. */
    const verdict = (results: readonly KyvernoResult[], resource: string) => {
      const mine = results.filter((result) => result.policy === allowed && result.resources.some((entry) => entry.name === resource)).map((result) => result.result);
      return mine.includes('error') ? 'error' : mine.includes('fail') ? 'fail' : mine.includes('pass') ? 'pass' : 'skip';
    };

    it('refuses an image whose entry expired, naming the entry and what to do', () => {
      assert.equal(verdict(byDeployer, 'expired'), 'fail');
      const messages = byDeployer.filter((result) => result.policy === allowed && result.result === 'fail' && result.resources.some((entry) => entry.name === 'expired')).map((result) => result.message ?? '');
      assert.ok(messages.some((message) => /expired/.test(message) && /lastReviewed/.test(message)), messages.join(' | '));
      assert.equal(verdict(byDeployer, 'expired-repository'), 'fail');
    });

    it('keeps exempting an overdue entry within its grace period (the warning comes first)', () => {
      assert.equal(verdict(byDeployer, 'in-grace'), 'pass');
    });

    it('admits a sidecar by tag or digest from an allowlisted repository, and nothing from a look-alike repository', () => {
      // The customer image beside the sidecar is verified elsewhere (rules 1-3); rule 4 admits both.
      assert.equal(verdict(byDeployer, 'sidecar'), 'pass');
      assert.equal(verdict(byDeployer, 'sidecar-digest'), 'pass');
      assert.equal(verdict(byDeployer, 'lookalike'), 'fail');
    });

    it("never refuses a controller's reschedule because an entry expired", () => {
      assert.equal(verdict(byController, 'expired'), 'pass');
      assert.equal(verdict(byController, 'expired-repository'), 'pass');
    });
  });
}

/** Wraps a Trivy JSON report as the cosign-vuln predicate `trivy convert --format cosign-vuln` writes. */
function cosignVuln(report: unknown, scanFinishedOn: Date) {
  return { invocation: {}, scanner: { uri: 'pkg:github/aquasecurity/trivy', version: 'dev', result: report }, metadata: { scanStartedOn: scanFinishedOn.toISOString(), scanFinishedOn: scanFinishedOn.toISOString() } };
}
const trivy = (name: string) => JSON.parse(readFileSync(join(fixtures(), name), 'utf8'));
const HOUR = 3600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR);
/** A report with one CRITICAL finding published `hours` ago (or with no date). */
const criticalPublished = (hours?: number) => ({
  Results: [{ Target: 'x', Vulnerabilities: [{ VulnerabilityID: 'CVE-X', Severity: 'CRITICAL', ...(hours === undefined ? {} : { PublishedDate: ago(hours).toISOString() }) }] }],
});

describe('rule 3 on real Trivy reports: the IVP CEL, run by Kyverno', () => {
  /**
   * `extractPayload(...)` exists only inside an image verification; here the same CEL builders
   * run inside a ValidatingPolicy against the predicate carried in a pod annotation.
   */
  function scanVerdicts(predicate: unknown, maxAge: string, graceDays: number): string[] {
    const p = 'variables.p';
    const harness = {
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'ValidatingPolicy',
      metadata: { name: 'scan-harness' },
      spec: {
        validationActions: ['Deny'],
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] },
        variables: [{ name: 'p', expression: "json.unmarshal(object.metadata.annotations['scan'])" }],
        validations: [
          { expression: celScanFresh(p, maxAge), message: 'stale' },
          { expression: celVulnerabilityRule(ruleWithGrace(graceDays), p, "'x'"), message: 'critical' },
        ],
      },
    };
    const subject = { ...pod('scan', 'prod', ['x']), metadata: { name: 'scan', namespace: 'prod', annotations: { scan: JSON.stringify(predicate) } } };
    const [result] = kyvernoApply([harness], [subject]);
    return result.result === 'pass' ? [] : [result.message ?? result.result];
  }

  it('refuses a CRITICAL published years ago (alpine 3.9 fixture)', () => {
    assert.deepEqual(scanVerdicts(cosignVuln(trivy('alpine-39-high-critical.json'), ago(1)), '168h', 7), ['critical']);
  });
  it('admits a CRITICAL inside the grace period, refuses it after', () => {
    assert.deepEqual(scanVerdicts(cosignVuln(criticalPublished(24), ago(1)), '168h', 7), []);
    assert.deepEqual(scanVerdicts(cosignVuln(criticalPublished(24 * 8), ago(1)), '168h', 7), ['critical']);
  });
  it('refuses a CRITICAL with no publication date (fail closed)', () => {
    assert.deepEqual(scanVerdicts(cosignVuln(criticalPublished(), ago(1)), '168h', 7), ['critical']);
  });
  it('refuses a scan older than maxAge', () => {
    assert.deepEqual(scanVerdicts(cosignVuln({ Results: [] }, ago(73)), '72h', 7), ['stale']);
    assert.deepEqual(scanVerdicts(cosignVuln({ Results: [] }, ago(71)), '72h', 7), []);
  });
});

describe('rule 3 on real Trivy reports: the ClusterPolicy conditions, run by Kyverno', () => {
  it('counts CRITICAL findings outside the grace period with kyverno jp', () => {
    const dir = makeTempDir('scb-jp-');
    const count = (predicate: unknown, grace: string) => {
      const file = join(dir, 'predicate.json');
      writeFileSync(file, JSON.stringify(predicate));
      const query = jmespathViolationCount(ruleWithGrace(Number(/^-(\d+)h$/.exec(grace)?.[1]) / 24)).replace(/^\{\{ | \}\}$/g, '');
      const run = spawnSync(kyvernoBinary(), ['jp', 'query', '-i', file, query], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return Number(run.stdout.trim().split('\n').pop());
    };
    assert.equal(count(cosignVuln(trivy('alpine-39-high-critical.json'), ago(1)), '-168h'), 2);
    assert.equal(count(cosignVuln(criticalPublished(24), ago(1)), '-168h'), 0);
    assert.equal(count(cosignVuln(criticalPublished(24 * 8), ago(1)), '-168h'), 1);
    assert.equal(count(cosignVuln(criticalPublished(), ago(1)), '-168h'), 1);
    assert.equal(count(cosignVuln({ Results: [{ Target: 'clean' }] }, ago(1)), '-168h'), 0);
    // A scratch image with one static binary: Trivy writes no Results at all. Counted as 0 like
    // on the CEL engine, not a type error that refuses the image.
    assert.equal(count(cosignVuln({ SchemaVersion: 2, ArtifactName: 'scratch' }, ago(1)), '-168h'), 0);
  });

  it('evaluates the conditions with their operators (durations, counts) in a rule precondition', () => {
    // Attestation conditions see the predicate at the root; here it sits in a context variable `p`.
    const conditions = vulnerabilityScanConditions(customerFrom({ name: 'conditions', scan: { maxAge: '72h' } })).map((condition) => ({
      ...condition,
      key: condition.key.replace('length(scanner.', 'length(p.scanner.').replace("'{{ metadata.", "'{{ p.metadata."),
    }));
    const harness = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'scan-conditions' },
      spec: {
        rules: [
          {
            name: 'conditions-hold',
            match: { any: [{ resources: { kinds: ['Pod'] } }] },
            context: [{ name: 'p', variable: { jmesPath: 'request.object.metadata.annotations.scan | parse_json(@)' } }],
            preconditions: { all: conditions },
            validate: { failureAction: 'Audit', message: 'never', pattern: { metadata: { name: '?*' } } },
          },
        ],
      },
    };
    const scanned = (name: string, predicate: unknown) => ({ ...pod(name, 'prod', ['x']), metadata: { name, namespace: 'prod', annotations: { scan: JSON.stringify(predicate) } } });
    const results = kyvernoApply(
      [harness],
      [
        scanned('fresh-clean', cosignVuln({ Results: [] }, ago(1))),
        scanned('stale', cosignVuln({ Results: [] }, ago(80))),
        scanned('old-critical', cosignVuln(trivy('alpine-39-high-critical.json'), ago(1))),
        scanned('new-critical', cosignVuln(criticalPublished(24), ago(1))),
      ],
    );
    // "pass" = every condition held (the rule applied); "skip" = a condition failed.
    const held = (name: string) => resultFor(results, 'scan-conditions', name)?.result;
    assert.equal(held('fresh-clean'), 'pass');
    assert.equal(held('new-critical'), 'pass');
    assert.ok([undefined, 'skip'].includes(held('stale')), `stale: ${held('stale')}`);
    assert.ok([undefined, 'skip'].includes(held('old-critical')), `old-critical: ${held('old-critical')}`);
  });
});
