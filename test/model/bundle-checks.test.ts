import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { BUNDLE_CHECKS, bundleProblems } from '../../src/bundle-checks';
import { CUSTOMER_CONFIG_KEY, formatFieldError, parseStackFile } from '../../src/model/load';
import { placeholderImageProblems } from '../../src/monitoring/image-pins';
import { validCustomer } from '../support/customer-files';

const FILE = 'stacks/Pulumi.example.yaml';

/** Given a customer description, when it is loaded with the bundle checks, then these are the formatted errors. */
function errorsFor(description: unknown): string[] {
  const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } });
  return parseStackFile(FILE, text, FILE, { at: new Date('2026-10-01T00:00:00Z'), checks: bundleProblems }).errors.map(formatFieldError);
}

const PLACEHOLDER =
  `monitoring.rescannerImage: is not set, and this release's rescanner image is a placeholder digest (sha256:000…0) that no registry serves. ` +
  `Fix: build the rescanner image from this project's Dockerfile, push it to a registry the cluster pulls from, and set ` +
  `monitoring.rescannerImage to it pinned by digest (e.g. "ghcr.io/supply-chain-bundle/supply-chain-bundle/rescanner@sha256:<64 hex digits>"; docs/monitoring.md); ` +
  `for a dry run only, set monitoring.allowPlaceholderImages: true.`;

describe('bundle checks (run by scb validate, scb synth and the Pulumi program)', () => {
  it('given the placeholder rescanner check, when listed, then it is one of the bundle checks', () => {
    assert.ok(BUNDLE_CHECKS.includes(placeholderImageProblems));
  });

  it('given no rescanner image, when loaded, then the placeholder digest is refused at the customer block with the fix', () => {
    // No monitoring block: the line is the customer's own.
    assert.deepEqual(errorsFor(validCustomer()), [`${FILE}:3:5: ${PLACEHOLDER}`]);
  });

  it('given a monitoring block without a rescanner image, when loaded, then the refusal points at the monitoring block', () => {
    assert.deepEqual(errorsFor(validCustomer({ monitoring: { concurrency: 2 } })), [`${FILE}:10:5: ${PLACEHOLDER}`]);
  });

  it('given a pinned rescanner image or a dry run, when loaded, then nothing is refused', () => {
    assert.deepEqual(errorsFor(validCustomer({ monitoring: { rescannerImage: `registry.example.com/mirror/rescanner@sha256:${'a'.repeat(64)}` } })), []);
    assert.deepEqual(errorsFor(validCustomer({ monitoring: { allowPlaceholderImages: true } })), []);
  });

  it('given another problem the schema accepts, when loaded, then the bundle check is reported with it in the same run', () => {
    const errors = errorsFor(validCustomer({ name: 'other' }));
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0], /: name: found "other", but the file is named for stack "example"/);
    assert.equal(errors[1], `${FILE}:3:5: ${PLACEHOLDER}`);
  });

  it('given a schema error, when loaded, then only the schema errors are reported (the checks need a valid customer)', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: 'ghcr.io/Bad/x' })).length, 1);
  });
});
