/**
 * Registry credentials for private registries (issue #12): `registry.admissionIdentity` reaches
 * both engines' policies (IVP `spec.credentials`, ClusterPolicy `imageRegistryCredentials`) and
 * Kyverno's service accounts (kyverno-values.yaml), validated against the Kyverno 1.19 CRDs and
 * loaded by the real Kyverno CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kyvernoHelmValues } from '../../src/admission/kyverno-values';
import { type Doc, customerFrom, renderAdmission } from '../support/admission-helper';
import { CrdValidator } from '../support/crd-schema';
import { kyvernoApply, pod } from '../support/kyverno-cli';

const validator = new CrdValidator();
const ROLE = 'arn:aws:iam::123456789012:role/kyverno-ecr-read';
const GCP_SA = 'kyverno-reader@acme-prod.iam.gserviceaccount.com';
const AZURE_ID = '11111111-2222-3333-4444-555555555555';

function customer(engine: 'ImageValidatingPolicy' | 'ClusterPolicy', admissionIdentity?: Record<string, unknown>) {
  return customerFrom({
    name: engine === 'ClusterPolicy' ? 'legacy' : 'shop',
    image: '127.0.0.1:1/example-org/shop',
    registry: { type: 'generic', username: 'ci', passwordSecret: 'REGISTRY_PASSWORD', ...(admissionIdentity ? { admissionIdentity } : {}) },
    admission: { engine, namespaces: ['prod'] },
  });
}

/** Every registry-reading place of the rendered policies: IVP specs, ClusterPolicy verifyImages entries. */
function credentialSites(policies: readonly Doc[]): { where: string; credentials: unknown }[] {
  return policies.flatMap((policy) => {
    if (policy.kind === 'ImageValidatingPolicy') return [{ where: policy.metadata.name, credentials: policy.spec.credentials }];
    if (policy.kind === 'ClusterPolicy') {
      return policy.spec.rules.flatMap((rule: Doc) => (rule.verifyImages ?? []).map((entry: Doc) => ({ where: `${policy.metadata.name}/${rule.name}`, credentials: entry.imageRegistryCredentials })));
    }
    return [];
  });
}

const AT = '2027-01-01T00:00:00Z';

describe('registry credentials reach both engines', () => {
  it('given IRSA and a Secret, when rendered for the ImageValidatingPolicy engine, then every IVP twin names the amazon provider and the Secret', () => {
    const { policies } = renderAdmission(customer('ImageValidatingPolicy', { aws: { roleArn: ROLE }, secret: { name: 'ecr-pull' } }), AT);
    const sites = credentialSites(policies);
    assert.ok(sites.length >= 4, `verify-images and ephemeral-containers, both twins: ${sites.map((site) => site.where).join(', ')}`);
    for (const site of sites) assert.deepEqual(site.credentials, { providers: ['amazon'], secrets: ['ecr-pull'] }, site.where);
    // Rule 4's ValidatingPolicy reads no registry.
    for (const policy of policies.filter((doc) => doc.kind === 'ValidatingPolicy')) assert.equal(policy.spec.credentials, undefined);
  });

  it('given GKE Workload Identity, when rendered for the ClusterPolicy engine, then every verifyImages entry names the google provider', () => {
    const { policies } = renderAdmission(customer('ClusterPolicy', { gcp: { serviceAccount: GCP_SA } }), AT);
    const sites = credentialSites(policies);
    assert.ok(sites.length >= 8, `four verifyImages rules, both twins: ${sites.length}`);
    for (const site of sites) assert.deepEqual(site.credentials, { providers: ['google'] }, site.where);
  });

  it('given no admission identity, when rendered, then no policy carries credentials (anonymous pulls, a public registry)', () => {
    for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy'] as const) {
      for (const site of credentialSites(renderAdmission(customer(engine), AT).policies)) assert.equal(site.credentials, undefined, site.where);
    }
  });

  it('validates against the Kyverno 1.19.0 CRD schemas, and the CLI loads the policies', () => {
    for (const [engine, identity] of [
      ['ImageValidatingPolicy', { azure: { clientId: AZURE_ID }, secret: { name: 'acr-pull' } }],
      ['ClusterPolicy', { aws: { roleArn: ROLE }, secret: { name: 'ecr-pull' } }],
    ] as const) {
      const { policies } = renderAdmission(customer(engine, identity), AT);
      for (const policy of policies) assert.deepEqual(validator.problems(policy), [], `${engine} ${policy.metadata.name}`);
      // Kyverno's own policy validation: a policy it rejects makes kyvernoApply throw.
      assert.doesNotThrow(() => kyvernoApply(policies, [pod('probe', 'prod', ['docker.io/library/redis:7'])]), engine);
    }
  });

  it('can fail: a provider Kyverno does not know is reported by the CRD schema', () => {
    const { policies } = renderAdmission(customer('ImageValidatingPolicy', { aws: { roleArn: ROLE } }), AT);
    const broken = structuredClone(policies.find((policy) => policy.kind === 'ImageValidatingPolicy')!);
    broken.spec.credentials.providers = ['ecr'];
    assert.match(validator.problems(broken).join('\n'), /credentials\/providers\/0: must be equal to one of the allowed values/);
  });

  it("annotates the service accounts of Kyverno's admission and reports controllers with the cloud identity", () => {
    const aws = kyvernoHelmValues(customer('ImageValidatingPolicy', { aws: { roleArn: ROLE } }));
    for (const controller of [aws.admissionController, aws.reportsController]) {
      assert.deepEqual(controller.rbac, { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': ROLE } } });
      assert.equal(controller.podLabels, undefined);
    }
    for (const controller of [aws.backgroundController, aws.cleanupController]) assert.equal(controller.rbac, undefined);
    const gcp = kyvernoHelmValues(customer('ClusterPolicy', { gcp: { serviceAccount: GCP_SA } }));
    assert.deepEqual(gcp.admissionController.rbac?.serviceAccount.annotations, { 'iam.gke.io/gcp-service-account': GCP_SA });
    const azure = kyvernoHelmValues(customer('ImageValidatingPolicy', { azure: { clientId: AZURE_ID } }));
    assert.deepEqual(azure.reportsController.rbac?.serviceAccount.annotations, { 'azure.workload.identity/client-id': AZURE_ID });
    assert.deepEqual(azure.admissionController.podLabels, { 'azure.workload.identity/use': 'true' });
    // A Secret alone needs no service-account change (Kyverno reads Secrets in its own namespace).
    const secret = kyvernoHelmValues(customer('ImageValidatingPolicy', { secret: { name: 'regcred' } }));
    assert.equal(secret.admissionController.rbac, undefined);
  });
});
