/**
 * A Docker Hub customer's pods name the image the way people type it (`acme/app:1.2`), not as
 * the customer file spells it (`docker.io/acme/app`). Given such a customer, when the policies
 * are rendered, then every policy selects and rule 4 admits every spelling, checked with the
 * real Kyverno CLI. Only rule 4 is applied: the verify policies would reach out to Docker Hub.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customerFrom, renderAdmission, type Doc } from '../support/admission-helper';
import { kyvernoApply, pod, resultFor } from '../support/kyverno-cli';

const ENFORCING = '2027-01-01T00:00:00Z';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const SPELLINGS = ['docker.io/acme/app:1.2', 'index.docker.io/acme/app:1.2', 'acme/app:1.2', `acme/app@${DIGEST}`, `docker.io/acme/app:1.2@${DIGEST}`];
const SHORT_FORMS = ['acme/app:*', 'acme/app@*', 'index.docker.io/acme/app:*', 'index.docker.io/acme/app@*'];

function customer(engine: 'ImageValidatingPolicy' | 'ClusterPolicy') {
  return customerFrom({
    name: 'hub',
    image: 'docker.io/acme/app',
    registry: { type: 'dockerhub', username: 'acme' },
    admission: { engine, namespaces: ['prod'] },
  });
}

for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy'] as const) {
  describe(`Docker Hub spellings, ${engine} engine`, () => {
    const rendered = renderAdmission(customer(engine), ENFORCING);
    const verify = rendered.byName('scb-hub-verify-images');
    const allowed = rendered.byName('scb-hub-allowed-images');

    it('selects the short forms for verification', () => {
      const selected: string[] =
        engine === 'ClusterPolicy'
          ? verify.spec.rules.flatMap((rule: Doc) => (rule.verifyImages ?? []).flatMap((entry: Doc) => entry.imageReferences))
          : verify.spec.matchImageReferences.map((reference: Doc) => reference.glob);
      for (const glob of SHORT_FORMS) assert.ok(selected.includes(glob), `${glob} in ${selected.join(', ')}`);
    });

    it('admits every spelling of the image under rule 4 and still refuses others', () => {
      const results = kyvernoApply(
        [allowed],
        [
          ...SPELLINGS.map((image, index) => pod(`spelling-${index}`, 'prod', [image])),
          pod('other-repository', 'prod', ['acme/other:1.2']),
          pod('other-registry', 'prod', ['quay.io/acme/app:1.2']),
        ],
      );
      SPELLINGS.forEach((image, index) => assert.equal(resultFor(results, 'scb-hub-allowed-images', `spelling-${index}`)?.result, 'pass', image));
      for (const name of ['other-repository', 'other-registry']) assert.equal(resultFor(results, 'scb-hub-allowed-images', name)?.result, 'fail', name);
    });
  });
}
