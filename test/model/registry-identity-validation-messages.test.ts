/**
 * `registry.admissionIdentity`: Kyverno's registry identity, the same spelling and the same
 * validation as the rescanner's `monitoring.registryIdentity` (src/model/registry-identity.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { validCustomer } from '../support/customer-files';

function parsed(description: unknown) {
  return parseStackFile('stacks/Pulumi.example.yaml', stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } }));
}
const errorsFor = (description: unknown) => parsed(description).errors.map(formatFieldError);
const ghcr = (admissionIdentity: unknown) => validCustomer({ registry: { type: 'ghcr', admissionIdentity } });

describe('registry.admissionIdentity: validation messages', () => {
  it('given a Secret in Kyverno\'s namespace, when parsed, then the model carries it', () => {
    const { customer, errors } = parsed(ghcr({ secret: { name: 'ghcr-pull' } }));
    assert.deepEqual(errors, []);
    assert.deepEqual(customer?.registry?.admissionIdentity, { secret: { name: 'ghcr-pull' } });
  });

  it('refuses two cloud identities', () => {
    assert.deepEqual(errorsFor(ghcr({ aws: { roleArn: 'arn:aws:iam::123456789012:role/kyverno' }, gcp: { serviceAccount: 'kyverno-reader@acme.iam.gserviceaccount.com' } })), [
      'stacks/Pulumi.example.yaml:12:7: registry.admissionIdentity: a mapping names more than one cloud identity; a pod has one: keep aws, gcp or azure.',
    ]);
  });

  it('refuses an empty identity', () => {
    assert.deepEqual(errorsFor(ghcr({})), ['stacks/Pulumi.example.yaml:12:7: registry.admissionIdentity: a mapping is empty; give aws.roleArn, gcp.serviceAccount, azure.clientId or secret.name.']);
  });

  it('refuses a Secret name that is not a Kubernetes name', () => {
    assert.deepEqual(errorsFor(ghcr({ secret: { name: 'GHCR_PULL' } })), [
      'stacks/Pulumi.example.yaml:14:11: registry.admissionIdentity.secret.name: "GHCR_PULL" is not a Secret name (lower-case letters, digits, "-" and ".").',
    ]);
  });
});
