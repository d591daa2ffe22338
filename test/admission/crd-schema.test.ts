import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTestTrustRoots } from '../../src/admission/test-overlay';
import { type Doc, customerFrom, exampleCustomer, renderAdmission } from '../support/admission-helper';
import { CrdValidator } from '../support/crd-schema';

const validator = new CrdValidator();
const TEST_PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtest\n-----END PUBLIC KEY-----\n';

/** Every policy the bundle can generate: both engines, both modes, with and without allowlist. */
function everyPolicy(): Doc[] {
  const customers = [
    exampleCustomer('acme'),
    exampleCustomer('globex'),
    exampleCustomer('initech'),
    customerFrom({ name: 'legacy-allow', admission: { engine: 'ClusterPolicy' }, allowlist: exampleCustomer('initech').allowlist.map((entry) => ({ ...entry })) }),
  ];
  return customers.flatMap((customer) =>
    ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'].flatMap((at) => renderAdmission(customer, at).policies),
  );
}

describe('generated policies against the Kyverno 1.19.0 CRD schemas', () => {
  it('loads the CRDs of the kinds the bundle writes', () => {
    for (const kind of ['policies.kyverno.io/v1/ImageValidatingPolicy', 'policies.kyverno.io/v1/ValidatingPolicy', 'kyverno.io/v1/ClusterPolicy']) {
      assert.ok(validator.kinds.includes(kind), `${kind} missing; have ${validator.kinds.join(', ')}`);
    }
  });

  it('validates every generated policy, with unknown fields counted as errors', () => {
    const policies = everyPolicy();
    assert.ok(policies.length >= 16);
    for (const policy of policies) {
      assert.deepEqual(validator.problems(policy), [], `${policy.kind} ${policy.metadata.name} (${policy.metadata.annotations['supply-chain-bundle.io/enforcement-mode']})`);
    }
  });

  it('validates the test-overlay variants too', () => {
    for (const policy of everyPolicy()) {
      if (policy.kind === 'ClusterPolicy') {
        for (const roots of [{ rootsPem: TEST_PEM }, { publicKeyPem: TEST_PEM }]) {
          assert.deepEqual(validator.problems(withTestTrustRoots(policy, roots)), [], `${policy.metadata.name} with ${Object.keys(roots)[0]}`);
        }
      } else {
        assert.deepEqual(validator.problems(withTestTrustRoots(policy, { publicKeyPem: TEST_PEM })), [], policy.metadata.name);
      }
    }
  });

  it('can fail: a misspelt field, a wrong enum value and a missing required field are reported', () => {
    const [ivp] = renderAdmission(exampleCustomer('acme'), '2027-01-01T00:00:00Z').policies;
    const misspelt = structuredClone(ivp);
    misspelt.spec.validationConfigurations.mutateDigests = true;
    assert.match(validator.problems(misspelt).join('\n'), /validationConfigurations: must NOT have additional properties \(mutateDigests\)/);
    const badEnum = structuredClone(ivp);
    badEnum.spec.validationActions = ['Enforce'];
    assert.match(validator.problems(badEnum).join('\n'), /validationActions\/0: must be equal to one of the allowed values/);
    const missing = structuredClone(ivp);
    delete missing.spec.attestors;
    assert.match(validator.problems(missing).join('\n'), /\/spec: must have required property 'attestors'/);
  });
});
