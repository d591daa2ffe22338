import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { GITHUB_ACTIONS_ATTESTOR } from '../../src/admission/image-validating-policy';
import { kyvernoHelmValues } from '../../src/admission/kyverno-values';
import { loadCustomers } from '../../src/model/load';
import { POLICY_ANNOTATIONS, allPolicyNames, policyNames } from '../../src/admission/policy-metadata';
import { ALLOWLIST_OVERDUE_ANNOTATION } from '../../src/admission/allowlist';
import { signingIdentity } from '../../src/contract';
import { type Doc, customerFrom, exampleCustomer, renderAdmission } from '../support/admission-helper';
import { TEMPLATE_CLOCK, exampleStackFiles, synthToTree } from '../support/synth-helper';

const ivpCustomer = (overrides: Record<string, unknown> = {}) => customerFrom({ name: 'shop', ...overrides });
const legacyCustomer = (overrides: Record<string, unknown> = {}) =>
  customerFrom({ name: 'legacy', admission: { engine: 'ClusterPolicy' }, ...overrides });

/** Every verifyImages entry of a ClusterPolicy. */
const verifyEntries = (policy: Doc): Doc[] => policy.spec.rules.flatMap((rule: Doc) => rule.verifyImages ?? []);

// validCustomer() onboards on 2026-09-01 with the default 30 soft days: the flip is 2026-10-01.
const DAY_BEFORE = '2026-09-30T23:59:59Z';
const DAY_OF = '2026-10-01T00:00:00Z';
const DAY_AFTER = '2026-10-02T12:00:00Z';

describe('admission policies: engines', () => {
  it('renders both twins of ImageValidatingPolicies for rule 1 and rules 2-3, a ValidatingPolicy (rule 4) and the ephemeral-containers IVP for the default engine', () => {
    const { policies } = renderAdmission(ivpCustomer(), DAY_OF);
    assert.deepEqual(
      policies.map((doc) => [doc.apiVersion, doc.kind, doc.metadata.name, doc.metadata.labels[POLICY_ANNOTATIONS.role]]),
      [
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-verify-images-audit', 'report'],
        ['policies.kyverno.io/v1', 'ValidatingPolicy', 'scb-shop-allowed-images-audit', 'report'],
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-verify-signature-audit', 'report'],
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-ephemeral-containers-audit', 'report'],
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-verify-images', 'enforce'],
        ['policies.kyverno.io/v1', 'ValidatingPolicy', 'scb-shop-allowed-images', 'enforce'],
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-verify-signature', 'enforce'],
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-ephemeral-containers', 'enforce'],
      ],
    );
  });

  it('puts rule 1 alone in an ImageValidatingPolicy of its own, with a fine-grained webhook (no two IVPs in one Kyverno call)', () => {
    const rendered = renderAdmission(ivpCustomer(), DAY_OF);
    const signature = rendered.byName('scb-shop-verify-signature');
    assert.deepEqual(signature.spec.validations.map((validation: Doc) => validation.message.slice(0, 20)), ['rule 1 (signature): ']);
    assert.equal(signature.spec.attestations, undefined, 'rule 1 fetches no attestation');
    assert.equal(signature.spec.validationConfigurations.mutateDigest, true);
    const attestations = rendered.byName('scb-shop-verify-images');
    assert.ok(attestations.spec.validations.every((validation: Doc) => !/verifyImageSignatures/.test(validation.expression)), 'rules 2-3 do not repeat rule 1');
    // Kyverno 1.19.0 deadlocks when one engine call evaluates two IVPs on one pod; a policy with
    // its own webhook timeout gets a fine-grained webhook, evaluated alone.
    for (const doc of rendered.policies.filter((policy) => policy.kind === 'ImageValidatingPolicy')) {
      assert.equal(doc.spec.webhookConfiguration.timeoutSeconds, 30, doc.metadata.name);
    }
    assert.deepEqual(signature.spec.matchConditions, attestations.spec.matchConditions, 'the same requests, the same gate');
    assert.deepEqual(signature.spec.autogen, attestations.spec.autogen);
  });

  it('renders both twins of two ClusterPolicies (verifyImages rules 1-3, rule 3 split in two; validate rule 4) for the legacy engine', () => {
    const { policies } = renderAdmission(legacyCustomer(), DAY_OF);
    const rules = ['verify-signature', 'verify-sbom', 'verify-vulnerability-scan', 'verify-vulnerability-scan-age'];
    assert.deepEqual(
      policies.map((doc) => [doc.apiVersion, doc.kind, doc.metadata.name, doc.spec.background, doc.spec.rules.map((rule: Doc) => rule.name)]),
      [
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-verify-images-audit', true, rules],
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-allowed-images-audit', true, ['allowed-images']],
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-verify-images', true, rules],
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-allowed-images', true, ['allowed-images']],
      ],
    );
  });

  it('keeps every policy cluster-scoped: no object carries a namespace', () => {
    for (const customer of [ivpCustomer(), legacyCustomer(), exampleCustomer('initech')]) {
      for (const doc of renderAdmission(customer, DAY_OF).policies) {
        assert.equal(doc.metadata.namespace, undefined, `${doc.kind} ${doc.metadata.name} has a namespace`);
      }
    }
  });

  it('demands the workflow identity from the contract: issuer, subject on the branch, trigger and repository', () => {
    const customer = legacyCustomer();
    const identity = signingIdentity(customer);
    const rendered = renderAdmission(customer, DAY_OF);
    for (const name of ['scb-legacy-verify-images', 'scb-legacy-verify-images-audit']) {
      const keyless = verifyEntries(rendered.byName(name)).flatMap((entry) => [
        ...(entry.attestors ?? []),
        ...(entry.attestations ?? []).flatMap((attestation: Doc) => attestation.attestors),
      ]);
      assert.equal(keyless.length, 4, 'one attestor per rule (signature, SBOM, scan, scan age)');
      for (const set of keyless) {
        assert.deepEqual(set.entries[0].keyless, {
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main',
          rekor: { url: 'https://rekor.sigstore.dev' },
          additionalExtensions: { githubWorkflowTrigger: 'push', githubWorkflowRepository: 'example-org/shop' },
        });
      }
      assert.equal(identity.subject, keyless[0].entries[0].keyless.subject);
    }
  });

  it('refers every IVP validation to the one attestor, and checks both attestation types from the contract', () => {
    const policy = renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-verify-images');
    assert.deepEqual(policy.spec.attestors.map((attestor: Doc) => attestor.name), [GITHUB_ACTIONS_ATTESTOR]);
    assert.deepEqual(policy.spec.attestations, [
      { name: 'sbom', intoto: { type: 'https://cyclonedx.org/bom' } },
      { name: 'vuln', intoto: { type: 'https://cosign.sigstore.dev/attestation/vuln/v1' } },
    ]);
    const verifying = [...policy.spec.validations, ...renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-verify-signature').spec.validations].filter((validation: Doc) =>
      /verify(Image|Attestation)Signatures/.test(validation.expression),
    );
    assert.equal(verifying.length, 3);
    for (const validation of verifying) assert.match(validation.expression, /\[attestors\["github-actions"\]\]/);
  });

  it('puts the scan limits of the customer file into rule 3, freshness only when opted in', () => {
    const customer = ivpCustomer({ scan: { maxAge: '72h' }, vulnerabilities: { graceDays: 3 } });
    const validations = renderAdmission(customer, DAY_OF).byName('scb-shop-verify-images').spec.validations.map((v: Doc) => v.expression).join('\n');
    assert.match(validations, /variables\.judgedByTime\.all\(image, timestamp\(.*scanFinishedOn\) >= time\.now\(\) - duration\('72h'\)/);
    assert.match(validations, /variables\.judgedByTime\.all\(image, .*v\.\?Severity\.orValue\(''\) in \['CRITICAL'\] && .* < time\.now\(\) - duration\('72h'\)/);
    const byDefault = renderAdmission(ivpCustomer({ vulnerabilities: { graceDays: 3 } }), DAY_OF).byName('scb-shop-verify-images').spec.validations.map((v: Doc) => v.expression).join('\n');
    assert.doesNotMatch(byDefault, /scanFinishedOn/, 'no freshness check without scan.maxAge');
    const legacy = renderAdmission(legacyCustomer({ scan: { maxAge: '48h' }, vulnerabilities: { graceDays: 2 } }), DAY_OF).byName('scb-legacy-verify-images');
    const conditions = legacy.spec.rules[3].verifyImages[0].attestations[0].conditions[0].all;
    assert.equal(conditions[0].value, '48h');
    assert.match(conditions[1].key, /time_add\(time_now_utc\(\), '-48h'\)/);
    const legacyDefault = renderAdmission(legacyCustomer(), DAY_OF).byName('scb-legacy-verify-images');
    assert.equal(legacyDefault.spec.rules[3].verifyImages[0].attestations[0].conditions[0].all.length, 1, 'only the CRITICAL age');
    assert.equal(legacyDefault.spec.rules[2].verifyImages[0].attestations[0].conditions, undefined, 'the scan attestation itself, judged on every path');
  });

  it('judges time-dependent rules only on a change by someone: controllers and background scans are not judged by time', () => {
    const ivp = renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-verify-images');
    const variables = Object.fromEntries(ivp.spec.variables.map((v: Doc) => [v.name, v.expression]));
    assert.match(variables.judgedByTime, /system:serviceaccount:kube-system:replicaset-controller/);
    assert.match(variables.judgedByTime, /request\.\?userInfo\.\?username\.orValue\(''\) in \[''/);
    const timeValidations = ivp.spec.validations.filter((v: Doc) => /CRITICAL|scanFinishedOn/.test(v.expression));
    for (const validation of timeValidations) assert.match(validation.expression, /^variables\.judgedByTime\.all/);
    for (const validation of ivp.spec.validations.filter((v: Doc) => !/CRITICAL|scanFinishedOn/.test(v.expression))) assert.match(validation.expression, /^variables\.judged\.all/);
    const legacy = renderAdmission(legacyCustomer(), DAY_OF).byName('scb-legacy-verify-images');
    const judged = legacy.spec.rules[3].preconditions.all.at(-1);
    assert.equal(judged.key, "{{ request.operation == 'UPDATE' || length(request.object.metadata.ownerReferences[?controller] || `[]`) == `0` }}");
    for (const rule of legacy.spec.rules.slice(0, 3)) assert.equal(rule.preconditions.all.length, 1, `${rule.name}: only the flip gate`);
  });

  it('matches kubectl debug: pods/ephemeralcontainers on the CEL engine; not on ClusterPolicy, whose background policies Kyverno refuses with a subresource', () => {
    const ephemeral = renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-ephemeral-containers');
    assert.deepEqual(ephemeral.spec.matchConstraints.resourceRules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'] }]);
    assert.match(ephemeral.spec.validations.at(-1).expression, /ghcr\\\\\.io\/example-org\/shop/);
    for (const doc of renderAdmission(legacyCustomer(), DAY_OF).policies) {
      // Kyverno's policy webhook: "background scan enabled with subresource Pod/ephemeralcontainers".
      for (const rule of doc.spec.rules) {
        if (doc.spec.background) assert.ok(rule.match.any.every((entry: Doc) => entry.resources.kinds.every((kind: string) => !kind.includes('/'))), `${doc.metadata.name}/${rule.name}`);
      }
    }
  });

  it('verifies the signature format the release workflow writes (signatureFormat decides both)', () => {
    const legacy = renderAdmission(legacyCustomer(), DAY_OF);
    const legacyWorkflow = legacy.bundle.files.get('github/.github/workflows/release.yml') ?? '';
    for (const entry of verifyEntries(legacy.byName('scb-legacy-verify-images'))) assert.equal(entry.type, 'Cosign');
    assert.equal((legacyWorkflow.match(/cosign (sign|attest) --yes --new-bundle-format=false --use-signing-config=false /g) ?? []).length, 3);
    const current = renderAdmission(ivpCustomer(), DAY_OF);
    // The signing steps use cosign v3's defaults (bundles, referrers): no legacy-format flags.
    const signing = (current.bundle.files.get('github/.github/workflows/release.yml') ?? '').match(/cosign (sign|attest) --yes[^\n]*/g) ?? [];
    assert.equal(signing.length, 3);
    for (const line of signing) assert.doesNotMatch(line, /new-bundle-format|use-signing-config/);
  });

  it('autogenerates for Deployment, StatefulSet, DaemonSet, Job and CronJob on both engines', () => {
    for (const doc of renderAdmission(ivpCustomer(), DAY_OF).policies.filter((d) => !d.metadata.name.includes('ephemeral'))) {
      assert.deepEqual([...doc.spec.autogen.podControllers.controllers].sort(), ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'statefulsets']);
    }
    for (const doc of renderAdmission(legacyCustomer(), DAY_OF).policies) {
      assert.equal(doc.metadata.annotations['pod-policies.kyverno.io/autogen-controllers'], 'DaemonSet,Deployment,StatefulSet,Job,CronJob');
      for (const rule of doc.spec.rules) assert.deepEqual(rule.match.any[0].resources.kinds, ['Pod']);
    }
  });
});

describe('admission policies: the flip happens in the cluster', () => {
  const FLIP = "timestamp('2026-10-01T00:00:00Z')";
  const twinState = (doc: Doc) =>
    doc.kind === 'ClusterPolicy'
      ? {
          name: doc.metadata.name,
          failureActions: doc.spec.rules.flatMap((rule: Doc) => [...(rule.verifyImages ?? []).map((e: Doc) => e.failureAction), ...(rule.validate ? [rule.validate.failureAction] : [])]),
          mutateDigest: verifyEntries(doc).map((entry) => entry.mutateDigest),
          gate: doc.spec.rules.map((rule: Doc) => rule.preconditions.all[0]).map((c: Doc) => `${c.key} == ${c.value}`),
          failurePolicy: doc.spec.webhookConfiguration.failurePolicy,
          emitWarning: doc.spec.emitWarning,
          mode: doc.metadata.annotations[POLICY_ANNOTATIONS.mode],
        }
      : {
          name: doc.metadata.name,
          actions: doc.spec.validationActions,
          failurePolicy: doc.spec.failurePolicy,
          mutateDigest: doc.spec.validationConfigurations?.mutateDigest,
          gate: doc.spec.matchConditions.filter((c: Doc) => /time\.now/.test(c.expression)).map((c: Doc) => `${c.name}: ${c.expression}`),
          mode: doc.metadata.annotations[POLICY_ANNOTATIONS.mode],
        };

  it('renders byte-identical policies before, on and after the flip date: no re-synth, nothing for GitOps to revert', () => {
    for (const customer of [ivpCustomer(), legacyCustomer()]) {
      const [before, of, after] = [DAY_BEFORE, DAY_OF, DAY_AFTER].map((at) => renderAdmission(customer, at).bundle.files.get('kubernetes/admission-policies.yaml'));
      assert.equal(before, of);
      assert.equal(of, after);
    }
  });

  it('gates the twins on Kyverno clock: the report twin until the flip instant, the enforce twin from it (CEL engine)', () => {
    const rendered = renderAdmission(ivpCustomer(), DAY_BEFORE);
    assert.deepEqual(twinState(rendered.byName('scb-shop-verify-images-audit')), {
      name: 'scb-shop-verify-images-audit',
      actions: ['Audit', 'Warn'],
      failurePolicy: 'Ignore',
      mutateDigest: false,
      gate: [`before-flip: time.now() < ${FLIP}`],
      mode: 'audit',
    });
    assert.deepEqual(twinState(rendered.byName('scb-shop-verify-images')), {
      name: 'scb-shop-verify-images',
      actions: ['Deny'],
      failurePolicy: 'Fail',
      mutateDigest: true,
      gate: [`flip-reached: time.now() >= ${FLIP}`],
      mode: 'enforce from 2026-10-01T00:00:00Z',
    });
    assert.deepEqual(twinState(rendered.byName('scb-shop-allowed-images')).gate, [`flip-reached: time.now() >= ${FLIP}`]);
  });

  it('gates the twins with rule preconditions on the ClusterPolicy engine; only the enforce twin rewrites tags', () => {
    const rendered = renderAdmission(legacyCustomer(), DAY_AFTER);
    assert.deepEqual(twinState(rendered.byName('scb-legacy-verify-images-audit')), {
      name: 'scb-legacy-verify-images-audit',
      failureActions: ['Audit', 'Audit', 'Audit', 'Audit'],
      mutateDigest: [false, false, false, false],
      gate: Array(4).fill("{{ time_before(time_now_utc(), '2026-10-01T00:00:00Z') }} == true"),
      failurePolicy: 'Ignore',
      emitWarning: true,
      mode: 'audit',
    });
    assert.deepEqual(twinState(rendered.byName('scb-legacy-verify-images')), {
      name: 'scb-legacy-verify-images',
      failureActions: ['Enforce', 'Enforce', 'Enforce', 'Enforce'],
      // Every rule rewrites the tag: each rule's "verified" record is keyed by the image it
      // checked, and the validating pass looks it up by the rewritten TAG@DIGEST.
      mutateDigest: [true, true, true, true],
      gate: Array(4).fill("{{ time_before(time_now_utc(), '2026-10-01T00:00:00Z') }} == false"),
      failurePolicy: 'Fail',
      emitWarning: false,
      mode: 'enforce from 2026-10-01T00:00:00Z',
    });
    for (const doc of rendered.policies) assert.equal(doc.spec.validationFailureAction, undefined);
  });

  it('lets an explicit enforcement.mode win: enforce renders only ungated enforce twins, audit only ungated report twins', () => {
    const enforceEarly = renderAdmission(ivpCustomer({ enforcement: { onboardedAt: '2026-09-01', mode: 'enforce' } }), DAY_BEFORE);
    assert.deepEqual(enforceEarly.policies.map((doc) => twinState(doc)).map((state) => [state.name, state.gate]), [
      ['scb-shop-verify-images', []],
      ['scb-shop-allowed-images', []],
      ['scb-shop-verify-signature', []],
      ['scb-shop-ephemeral-containers', []],
    ]);
    const auditLate = renderAdmission(legacyCustomer({ enforcement: { onboardedAt: '2026-09-01', mode: 'audit' } }), DAY_AFTER);
    assert.deepEqual(auditLate.policies.map((doc) => doc.metadata.name), ['scb-legacy-verify-images-audit', 'scb-legacy-allowed-images-audit']);
    assert.equal(auditLate.byName('scb-legacy-verify-images-audit').spec.rules[0].preconditions, undefined);
  });

  it('prints the in-cluster flip and the override in the synth summary', () => {
    assert.ok(renderAdmission(ivpCustomer(), DAY_BEFORE).bundle.summary.includes('admission: audit now; the cluster enforces by itself from 2026-10-01T00:00:00Z (no re-apply needed)'));
    const { bundle } = renderAdmission(ivpCustomer({ enforcement: { onboardedAt: '2026-09-01', mode: 'audit' } }), DAY_AFTER);
    assert.ok(bundle.summary.includes('admission: audit (enforcement.mode override; the soft period ENDED on 2026-10-01)'), bundle.summary.join('\n'));
  });
});

describe('admission policies: the signing identity follows the workflow file', () => {
  it('moves the demanded subject when the workflow file and branch are renamed', () => {
    const renamed = { github: { owner: 'example-org', repository: 'shop', workflow: 'ship-it.yaml', branch: 'release/v2' } };
    const expected = 'https://github.com/example-org/shop/.github/workflows/ship-it.yaml@refs/heads/release/v2';
    const ivp = renderAdmission(ivpCustomer(renamed), DAY_OF);
    const identity = ivp.byName('scb-shop-verify-images').spec.attestors[0].cosign.keyless.identities[0];
    assert.ok(new RegExp(identity.subjectRegExp).test(expected));
    assert.equal(new RegExp(identity.subjectRegExp).test('https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main'), false);
    assert.equal(new RegExp(identity.subjectRegExp).test(`${expected}x`), false, 'the regexp is anchored');
    for (const doc of ivp.policies) assert.equal(doc.metadata.annotations[POLICY_ANNOTATIONS.signingIdentity], expected);
    // The release workflow is written to the same path the subject names.
    assert.ok(ivp.bundle.files.has('github/.github/workflows/ship-it.yaml'));

    const legacy = renderAdmission(legacyCustomer(renamed), DAY_OF).byName('scb-legacy-verify-images');
    for (const entry of verifyEntries(legacy)) {
      const sets = [...(entry.attestors ?? []), ...(entry.attestations ?? []).flatMap((attestation: Doc) => attestation.attestors)];
      for (const set of sets) assert.equal(set.entries[0].keyless.subject, expected);
    }
  });
});

describe('admission policies: production namespace globs', () => {
  it('turns the globs into an anchored CEL condition on every CEL policy', () => {
    const rendered = renderAdmission(ivpCustomer({ admission: { namespaces: ['prod', 'prod-*', 'team-?'] } }), DAY_OF);
    for (const doc of rendered.policies) {
      assert.deepEqual(doc.spec.matchConditions[0], {
        name: 'production-namespaces',
        expression: "request.namespace.matches('^prod$') || request.namespace.matches('^prod-.*$') || request.namespace.matches('^team-.$')",
      });
    }
  });

  it('passes the globs to ClusterPolicy match.namespaces, which takes wildcards natively', () => {
    const rendered = renderAdmission(legacyCustomer({ admission: { engine: 'ClusterPolicy', namespaces: ['prod', 'prod-*'] } }), DAY_OF);
    for (const doc of rendered.policies) for (const rule of doc.spec.rules) for (const entry of rule.match.any) assert.deepEqual(entry.resources.namespaces, ['prod', 'prod-*']);
  });
});

describe('admission policies: the allowlist', () => {
  const initech = exampleCustomer('initech');
  const redis = 'docker.io/library/redis@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c';
  const nodeExporter = 'quay.io/prometheus/node-exporter@sha256:4f1e6c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f';

  it('excludes allowlisted digests from the IVP image selection instead of exempting whole pods', () => {
    const ivp = renderAdmission(initech, TEMPLATE_CLOCK).byName('scb-initech-verify-images');
    assert.equal(ivp.spec.matchImageReferences.length, 1);
    const { expression } = ivp.spec.matchImageReferences[0];
    // The whole allowlist is negated at once: `!(a || b || c)`, never `!a || b || c` (which would
    // select every image the first entry does not cover; found by the conformance suite).
    assert.match(expression, /^\(ref\.matches\('\^ghcr\\\\\.io\/initech\/tps-reports:\.\*\$'\) \|\| .*\) && !\(ref\.endsWith\(/);
    assert.ok(expression.endsWith(`ref.startsWith('docker.io/istio/proxyv2@')))`), expression);
    assert.match(expression, /ref\.endsWith\('@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c'\)/);
    assert.match(expression, /ref\.endsWith\('@sha256:4f1e6c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f'\)/);
    // The sidecar entry covers its repository by tag or digest, and nothing that only starts like it.
    assert.match(expression, /ref\.startsWith\('docker\.io\/istio\/proxyv2:'\) \|\| ref\.startsWith\('docker\.io\/istio\/proxyv2@'\)/);
    // Without an allowlist the plain globs stay.
    assert.deepEqual(renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-verify-images').spec.matchImageReferences, [
      { glob: 'ghcr.io/example-org/shop:*' },
      { glob: 'ghcr.io/example-org/shop@*' },
    ]);
  });

  it('skips allowlisted digests in every ClusterPolicy verifyImages entry and admits them in rule 4', () => {
    const allowlist = [{ image: redis, reason: 'vendor', owner: 'team', lastReviewed: '2026-09-01' }];
    const rendered = renderAdmission(legacyCustomer({ allowlist }), DAY_OF);
    for (const entry of verifyEntries(rendered.byName('scb-legacy-verify-images'))) {
      assert.deepEqual(entry.skipImageReferences, ['*@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c']);
    }
    const pattern = rendered.byName('scb-legacy-allowed-images').spec.rules[0].validate.pattern.spec;
    assert.equal(pattern.containers[0].image, 'ghcr.io/example-org/shop:* | ghcr.io/example-org/shop@* | *@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c');
  });

  it('records owner, reason and review state on every policy, and flags the overdue entry', () => {
    const rendered = renderAdmission(initech, TEMPLATE_CLOCK);
    for (const doc of rendered.policies) {
      const annotations = doc.metadata.annotations;
      assert.deepEqual(JSON.parse(annotations['allowlist.supply-chain-bundle.io/sha256-0b4d4d7b5a3b']), {
        image: redis,
        owner: 'platform-team@initech.example',
        reason: 'Vendor-supported cache, rebuilt by the vendor only.',
        lastReviewed: '2026-09-01',
        reviewDue: '2026-11-30',
        reviewOverdue: false,
        expiresAt: '2026-12-14T00:00:00Z',
      });
      assert.deepEqual(JSON.parse(annotations['allowlist.supply-chain-bundle.io/repo-docker.io-istio-proxyv2']), {
        repository: 'docker.io/istio/proxyv2',
        owner: 'mesh-team@initech.example',
        reason: 'Sidecar injected by istiod; the mesh team upgrades it with the control plane.',
        lastReviewed: '2026-09-20',
        reviewDue: '2026-12-19',
        reviewOverdue: false,
        expiresAt: '2027-01-02T00:00:00Z',
      });
      assert.equal(JSON.parse(annotations['allowlist.supply-chain-bundle.io/sha256-4f1e6c0a9b8d']).reviewOverdue, true);
      assert.equal(annotations[ALLOWLIST_OVERDUE_ANNOTATION], nodeExporter);
    }
    assert.ok(
      rendered.bundle.summary.includes(
        `allowlist: EXPIRED on 2026-08-02: ${nodeExporter} (owner sre@initech.example); the cluster no longer exempts it for new workloads — review it and update lastReviewed`,
      ),
      rendered.bundle.summary.join('\n'),
    );
  });

  it('renders the same exclusion whatever the synth clock: the cluster judges the expiry by its own clock', () => {
    const strip = (doc: Record<string, any>) => ({ ...doc, metadata: { ...doc.metadata, annotations: undefined } });
    for (const name of ['scb-initech-verify-images', 'scb-initech-allowed-images']) {
      const early = renderAdmission(initech, '2026-08-20T00:00:00Z').byName(name);
      const late = renderAdmission(initech, '2027-06-01T00:00:00Z').byName(name);
      assert.deepEqual(strip(late), strip(early), name);
      assert.match(late.metadata.annotations[ALLOWLIST_OVERDUE_ANNOTATION], /redis.*node-exporter/);
    }
    const allowed = renderAdmission(initech, TEMPLATE_CLOCK).byName('scb-initech-allowed-images');
    const expiry = allowed.spec.variables.find((variable: { name: string }) => variable.name === 'allowlistExpired');
    assert.match(expiry.expression, /time\.now\(\) >= timestamp\('2026-08-02T00:00:00Z'\)/, 'node-exporter: due 2026-07-19, + 14 days of grace');
    assert.match(expiry.expression, /^\(request\.operation == 'UPDATE' \|\| !\(request\.\?userInfo/, 'judged on changes only (request-paths.ts)');
  });

  it('refuses expired entries on the ClusterPolicy engine by a deny on time_now_utc(), with the time-dependent precondition', () => {
    const allowlist = [{ image: redis, reason: 'vendor', owner: 'team', lastReviewed: '2026-09-01' }, { repository: 'docker.io/istio/proxyv2', reason: 'mesh', owner: 'mesh', lastReviewed: '2026-09-01', reviewIntervalDays: 30 }];
    const policy = renderAdmission(legacyCustomer({ allowlist, admission: { engine: 'ClusterPolicy', allowlistGraceDays: 7 } }), DAY_OF).byName('scb-legacy-allowed-images');
    const rule = policy.spec.rules.find((candidate: { name: string }) => candidate.name === 'allowlist-expiry');
    assert.ok(rule, 'no allowlist-expiry rule');
    const keys = rule.preconditions.all.map((condition: { key: string }) => condition.key).join('\n');
    assert.match(keys, /ownerReferences\[\?controller\]/);
    const [digest, repository] = rule.validate.deny.conditions.any;
    assert.match(digest.key, /time_after\(time_now_utc\(\), '2026-12-07T00:00:00Z'\)/);
    assert.match(digest.key, /pattern_match\('\*@sha256:0b4d/);
    assert.match(repository.key, /time_after\(time_now_utc\(\), '2026-10-08T00:00:00Z'\)/);
    assert.match(repository.key, /pattern_match\('docker\.io\/istio\/proxyv2:\*', @\) \|\| pattern_match\('docker\.io\/istio\/proxyv2@\*', @\)/);
    // Without an allowlist, no rule.
    assert.deepEqual(renderAdmission(legacyCustomer(), DAY_OF).byName('scb-legacy-allowed-images').spec.rules.map((candidate: { name: string }) => candidate.name), ['allowed-images']);
  });

  it('has no allowlist annotations for a customer without an allowlist', () => {
    for (const doc of renderAdmission(ivpCustomer(), DAY_OF).policies) {
      assert.deepEqual(Object.keys(doc.metadata.annotations).filter((key) => key.includes('allowlist')), []);
    }
  });
});

describe('Kyverno install values', () => {
  it('writes dist/<customer>/kyverno-values.yaml from kyvernoHelmValues()', () => {
    const tree = synthToTree(exampleStackFiles());
    for (const customer of loadCustomers(exampleStackFiles())) {
      const text = tree[`${customer.name}/kyverno-values.yaml`];
      assert.ok(text, `${customer.name}/kyverno-values.yaml missing`);
      assert.match(text, /^# Helm values for chart kyverno 3\.9\.0 \(Kyverno v1\.19\.0\)/);
      assert.deepEqual(parse(text), kyvernoHelmValues(customer));
    }
    const values = kyvernoHelmValues(loadCustomers(exampleStackFiles())[0]);
    assert.equal(values.admissionController.replicas, 3);
    assert.deepEqual(values.features.policyExceptions, { enabled: true, namespace: 'kyverno' });
  });

  it('names policies the same on both engines (an engine renders the ones it needs, each as two twins)', () => {
    assert.deepEqual(policyNames('acme'), {
      verifySignature: 'scb-acme-verify-signature',
      verifyImages: 'scb-acme-verify-images',
      allowedImages: 'scb-acme-allowed-images',
      ephemeralContainers: 'scb-acme-ephemeral-containers',
      readOnlyRootFilesystem: 'scb-acme-readonly-root-filesystem',
    });
    assert.ok(allPolicyNames('acme').includes('scb-acme-verify-images-audit'));
  });
});
