import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { GITHUB_ACTIONS_ATTESTOR } from '../../src/admission/image-validating-policy';
import { kyvernoHelmValues } from '../../src/admission/kyverno-values';
import { loadCustomers } from '../../src/model/load';
import { POLICY_ANNOTATIONS, policyNames } from '../../src/admission/policy-metadata';
import { ALLOWLIST_OVERDUE_ANNOTATION } from '../../src/admission/allowlist';
import { signingIdentity } from '../../src/model/supply-chain-contract';
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
  it('renders an ImageValidatingPolicy (rules 1-3) and a ValidatingPolicy (rule 4) for the default engine', () => {
    const { policies } = renderAdmission(ivpCustomer(), DAY_OF);
    assert.deepEqual(
      policies.map((doc) => [doc.apiVersion, doc.kind, doc.metadata.name]),
      [
        ['policies.kyverno.io/v1', 'ImageValidatingPolicy', 'scb-shop-verify-images'],
        ['policies.kyverno.io/v1', 'ValidatingPolicy', 'scb-shop-allowed-images'],
      ],
    );
  });

  it('renders two ClusterPolicies (verifyImages rules 1-3, validate rule 4) for the legacy engine', () => {
    const { policies } = renderAdmission(legacyCustomer(), DAY_OF);
    assert.deepEqual(
      policies.map((doc) => [doc.apiVersion, doc.kind, doc.metadata.name, doc.spec.rules.map((rule: Doc) => rule.name)]),
      [
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-verify-images', ['verify-signature', 'verify-sbom', 'verify-vulnerability-scan']],
        ['kyverno.io/v1', 'ClusterPolicy', 'scb-legacy-allowed-images', ['allowed-images']],
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
    const policy = renderAdmission(customer, DAY_OF).byName('scb-legacy-verify-images');
    const keyless = verifyEntries(policy).flatMap((entry) => [
      ...(entry.attestors ?? []),
      ...(entry.attestations ?? []).flatMap((attestation: Doc) => attestation.attestors),
    ]);
    assert.equal(keyless.length, 3, 'one attestor per rule (signature, SBOM, scan)');
    for (const set of keyless) {
      assert.deepEqual(set.entries[0].keyless, {
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/main',
        rekor: { url: 'https://rekor.sigstore.dev' },
        additionalExtensions: { githubWorkflowTrigger: 'push', githubWorkflowRepository: 'example-org/shop' },
      });
    }
    assert.equal(identity.subject, keyless[0].entries[0].keyless.subject);
  });

  it('refers every IVP validation to the one attestor, and checks both attestation types from the contract', () => {
    const policy = renderAdmission(ivpCustomer(), DAY_OF).byName('scb-shop-verify-images');
    assert.deepEqual(policy.spec.attestors.map((attestor: Doc) => attestor.name), [GITHUB_ACTIONS_ATTESTOR]);
    assert.deepEqual(policy.spec.attestations, [
      { name: 'sbom', intoto: { type: 'https://cyclonedx.org/bom' } },
      { name: 'vuln', intoto: { type: 'https://cosign.sigstore.dev/attestation/vuln/v1' } },
    ]);
    const verifying = policy.spec.validations.filter((validation: Doc) => /verify(Image|Attestation)Signatures/.test(validation.expression));
    assert.equal(verifying.length, 3);
    for (const validation of verifying) assert.match(validation.expression, /\[attestors\["github-actions"\]\]/);
  });

  it('puts the scan limits of the customer file into rule 3', () => {
    const customer = ivpCustomer({ scan: { maxAge: '72h' }, vulnerabilities: { graceDays: 3 } });
    const validations = renderAdmission(customer, DAY_OF).byName('scb-shop-verify-images').spec.validations.map((v: Doc) => v.expression).join('\n');
    assert.match(validations, /duration\('72h'\)/);
    assert.match(validations, /v\.\?Severity\.orValue\(''\) in \['CRITICAL'\] && .* < time\.now\(\) - duration\('72h'\)/);
    const legacy = renderAdmission(legacyCustomer({ scan: { maxAge: '48h' }, vulnerabilities: { graceDays: 2 } }), DAY_OF).byName('scb-legacy-verify-images');
    const conditions = legacy.spec.rules[2].verifyImages[0].attestations[0].conditions[0].all;
    assert.equal(conditions[0].value, '48h');
    assert.match(conditions[1].key, /time_add\(time_now_utc\(\), '-48h'\)/);
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
    for (const doc of renderAdmission(ivpCustomer(), DAY_OF).policies) {
      assert.deepEqual([...doc.spec.autogen.podControllers.controllers].sort(), ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'statefulsets']);
    }
    for (const doc of renderAdmission(legacyCustomer(), DAY_OF).policies) {
      assert.equal(doc.metadata.annotations['pod-policies.kyverno.io/autogen-controllers'], 'DaemonSet,Deployment,StatefulSet,Job,CronJob');
      for (const rule of doc.spec.rules) assert.deepEqual(rule.match.any[0].resources.kinds, ['Pod']);
    }
  });
});

describe('admission policies: the soft-to-hard flip', () => {
  const ivpState = (at: string, overrides: Record<string, unknown> = {}) => {
    const rendered = renderAdmission(ivpCustomer(overrides), at);
    const ivp = rendered.byName('scb-shop-verify-images');
    const vp = rendered.byName('scb-shop-allowed-images');
    return {
      ivpActions: ivp.spec.validationActions,
      vpActions: vp.spec.validationActions,
      failurePolicies: [ivp.spec.failurePolicy, vp.spec.failurePolicy],
      mutateDigest: ivp.spec.validationConfigurations.mutateDigest,
      verifyDigest: ivp.spec.validationConfigurations.verifyDigest,
      annotations: rendered.policies.map((doc) => [doc.metadata.annotations[POLICY_ANNOTATIONS.flipDate], doc.metadata.annotations[POLICY_ANNOTATIONS.mode]]),
    };
  };
  const legacyState = (at: string, overrides: Record<string, unknown> = {}) => {
    const rendered = renderAdmission(legacyCustomer(overrides), at);
    const verify = rendered.byName('scb-legacy-verify-images');
    const allowed = rendered.byName('scb-legacy-allowed-images');
    return {
      failureActions: [...verifyEntries(verify).map((entry) => entry.failureAction), allowed.spec.rules[0].validate.failureAction],
      mutateDigest: verifyEntries(verify).map((entry) => entry.mutateDigest),
      verifyDigest: verifyEntries(verify).map((entry) => entry.verifyDigest),
      failurePolicies: rendered.policies.map((doc) => doc.spec.webhookConfiguration.failurePolicy),
      emitWarning: rendered.policies.map((doc) => doc.spec.emitWarning),
      deprecatedFields: rendered.policies.map((doc) => [doc.spec.validationFailureAction, doc.spec.failurePolicy]),
      annotations: rendered.policies.map((doc) => [doc.metadata.annotations[POLICY_ANNOTATIONS.flipDate], doc.metadata.annotations[POLICY_ANNOTATIONS.mode]]),
    };
  };
  const SOFT_IVP = {
    ivpActions: ['Audit', 'Warn'],
    vpActions: ['Audit', 'Warn'],
    failurePolicies: ['Ignore', 'Ignore'],
    mutateDigest: false,
    verifyDigest: false,
    annotations: [['2026-10-01', 'audit'], ['2026-10-01', 'audit']],
  };
  const HARD_IVP = {
    ivpActions: ['Deny'],
    vpActions: ['Deny'],
    failurePolicies: ['Fail', 'Fail'],
    mutateDigest: true,
    verifyDigest: true,
    annotations: [['2026-10-01', 'enforce'], ['2026-10-01', 'enforce']],
  };
  const SOFT_LEGACY = {
    failureActions: ['Audit', 'Audit', 'Audit', 'Audit'],
    mutateDigest: [false, false, false],
    verifyDigest: [false, false, false],
    failurePolicies: ['Ignore', 'Ignore'],
    emitWarning: [true, true],
    deprecatedFields: [[undefined, undefined], [undefined, undefined]],
    annotations: [['2026-10-01', 'audit'], ['2026-10-01', 'audit']],
  };
  const HARD_LEGACY = {
    failureActions: ['Enforce', 'Enforce', 'Enforce', 'Enforce'],
    // Every rule rewrites the tag: each rule's "verified" record is keyed by the image it
    // checked, and the validating pass looks it up by the rewritten TAG@DIGEST.
    mutateDigest: [true, true, true],
    verifyDigest: [true, true, true],
    failurePolicies: ['Fail', 'Fail'],
    emitWarning: [false, false],
    deprecatedFields: [[undefined, undefined], [undefined, undefined]],
    annotations: [['2026-10-01', 'enforce'], ['2026-10-01', 'enforce']],
  };

  it('audits and warns on the day before the flip date', () => {
    assert.deepEqual(ivpState(DAY_BEFORE), SOFT_IVP);
    assert.deepEqual(legacyState(DAY_BEFORE), SOFT_LEGACY);
  });

  it('enforces from 00:00 UTC on the flip date', () => {
    assert.deepEqual(ivpState(DAY_OF), HARD_IVP);
    assert.deepEqual(legacyState(DAY_OF), HARD_LEGACY);
  });

  it('enforces on the day after', () => {
    assert.deepEqual(ivpState(DAY_AFTER), HARD_IVP);
    assert.deepEqual(legacyState(DAY_AFTER), HARD_LEGACY);
  });

  it('lets an explicit enforcement.mode win in both directions', () => {
    const enforceEarly = { enforcement: { onboardedAt: '2026-09-01', mode: 'enforce' } };
    const auditLate = { enforcement: { onboardedAt: '2026-09-01', mode: 'audit' } };
    assert.deepEqual(ivpState(DAY_BEFORE, enforceEarly), HARD_IVP);
    assert.deepEqual(legacyState(DAY_BEFORE, enforceEarly), HARD_LEGACY);
    assert.deepEqual(ivpState(DAY_AFTER, auditLate), SOFT_IVP);
    assert.deepEqual(legacyState(DAY_AFTER, auditLate), SOFT_LEGACY);
  });

  it('prints the flip date and the override in the synth summary', () => {
    const { bundle } = renderAdmission(ivpCustomer({ enforcement: { onboardedAt: '2026-09-01', mode: 'audit' } }), DAY_AFTER);
    assert.ok(bundle.summary.includes('admission: audit (enforces from 2026-10-01, mode overridden)'), bundle.summary.join('\n'));
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
  it('turns the globs into an anchored CEL condition on both CEL policies', () => {
    const rendered = renderAdmission(ivpCustomer({ admission: { namespaces: ['prod', 'prod-*', 'team-?'] } }), DAY_OF);
    for (const doc of rendered.policies) {
      assert.deepEqual(doc.spec.matchConditions, [
        { name: 'production-namespaces', expression: "request.namespace.matches('^prod$') || request.namespace.matches('^prod-.*$') || request.namespace.matches('^team-.$')" },
      ]);
    }
  });

  it('passes the globs to ClusterPolicy match.namespaces, which takes wildcards natively', () => {
    const rendered = renderAdmission(legacyCustomer({ admission: { engine: 'ClusterPolicy', namespaces: ['prod', 'prod-*'] } }), DAY_OF);
    for (const doc of rendered.policies) for (const rule of doc.spec.rules) assert.deepEqual(rule.match.any[0].resources.namespaces, ['prod', 'prod-*']);
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
    assert.match(expression, /^\(ref\.matches\('\^ghcr\\\\\.io\/initech\/tps-reports:\.\*\$'\) \|\| .*\) && !\[/);
    assert.match(expression, /'@sha256:0b4d4d7b5a3b1e8f7c6a9d2e1f0a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c'/);
    assert.match(expression, /'@sha256:4f1e6c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f'\]\.exists\(d, ref\.endsWith\(d\)\)/);
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
      });
      assert.equal(JSON.parse(annotations['allowlist.supply-chain-bundle.io/sha256-4f1e6c0a9b8d']).reviewOverdue, true);
      assert.equal(annotations[ALLOWLIST_OVERDUE_ANNOTATION], nodeExporter);
    }
    assert.ok(
      rendered.bundle.summary.includes(
        `allowlist: REVIEW OVERDUE since 2026-07-19: ${nodeExporter} (owner sre@initech.example); still exempt until removed from the customer file`,
      ),
      rendered.bundle.summary.join('\n'),
    );
  });

  it('keeps an overdue entry exempt: the exclusion does not depend on the review date', () => {
    const late = renderAdmission(initech, '2027-06-01T00:00:00Z').byName('scb-initech-verify-images');
    assert.match(late.spec.matchImageReferences[0].expression, /4f1e6c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f/);
    assert.match(late.metadata.annotations[ALLOWLIST_OVERDUE_ANNOTATION], /redis.*node-exporter/);
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

  it('names policies the same on both engines', () => {
    assert.deepEqual(policyNames('acme'), {
      verifyImages: 'scb-acme-verify-images',
      allowedImages: 'scb-acme-allowed-images',
      readOnlyRootFilesystem: 'scb-acme-readonly-root-filesystem',
    });
  });
});
