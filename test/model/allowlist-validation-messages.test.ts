/**
 * The validation messages of allowlist expiry and repository entries (issue #12): one test per
 * message, each naming file, field and fix.
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
const entry = { reason: 'injected by the mesh', owner: 'mesh-team', lastReviewed: '2026-11-01' };
const DIGEST_IMAGE = `docker.io/library/redis@sha256:${'b'.repeat(64)}`;

describe('allowlist expiry and repository entries: validation messages', () => {
  it('given no grace period, when parsed, then entries keep exempting 14 days past their review date', () => {
    const { customer, errors } = parsed(validCustomer());
    assert.deepEqual(errors, []);
    assert.equal(customer?.admission.allowlistGraceDays, 14);
  });

  it('given a repository entry with reason, owner and review date, when parsed, then it is accepted', () => {
    const { customer, errors } = parsed(validCustomer({ allowlist: [{ ...entry, repository: 'docker.io/istio/proxyv2' }] }));
    assert.deepEqual(errors, []);
    assert.equal(customer?.allowlist[0].repository, 'docker.io/istio/proxyv2');
    assert.equal(customer?.allowlist[0].image, undefined);
  });

  it('refuses a fractional grace period', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { allowlistGraceDays: 1.5 } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.allowlistGraceDays: found 1.5; expected a whole number of days.',
    ]);
  });

  it('refuses a negative grace period', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { allowlistGraceDays: -1 } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.allowlistGraceDays: -1 must not be negative.',
    ]);
  });

  it('refuses a grace period over a year', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { allowlistGraceDays: 400 } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.allowlistGraceDays: 400 must be at most 365 days.',
    ]);
  });

  it('refuses an entry with both an image and a repository', () => {
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [{ ...entry, image: DIGEST_IMAGE, repository: 'docker.io/library/redis' }] })), [
      'stacks/Pulumi.example.yaml:15:9: allowlist[0].repository: "docker.io/library/redis" must not be given with image; an entry names either a digest-pinned image or a repository (a sidecar injected by tag): remove one, or split the entry in two.',
    ]);
  });

  it('refuses an entry with neither an image nor a repository', () => {
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [entry] })), [
      'stacks/Pulumi.example.yaml:11:9: allowlist[0].image: is required but missing; expected an image pinned by digest, or a repository instead (for a sidecar a mesh or agent injects by tag).',
    ]);
  });

  it('refuses a repository entry with a tag', () => {
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [{ ...entry, repository: 'docker.io/istio/proxyv2:1.24' }] })), [
      'stacks/Pulumi.example.yaml:14:9: allowlist[0].repository: "docker.io/istio/proxyv2:1.24" is not a repository; write registry/path without a tag or digest, e.g. "docker.io/istio/proxyv2".',
    ]);
  });

  it('refuses a repository entry without its reason and owner, like a digest entry', () => {
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [{ repository: 'docker.io/istio/proxyv2', lastReviewed: '2026-11-01' }] })), [
      'stacks/Pulumi.example.yaml:11:9: allowlist[0].reason: is required but missing; expected a short reason for the exemption.',
      'stacks/Pulumi.example.yaml:11:9: allowlist[0].owner: is required but missing; expected the owning team or person.',
    ]);
  });
});
