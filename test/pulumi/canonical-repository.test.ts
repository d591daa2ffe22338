import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeCanonicalRepository } from '../../src/pulumi/canonical-repository';
import { onboardCustomer } from '../../src/pulumi/onboard';
import { readStackInputs } from '../../src/pulumi/stack-config';
import { runWithMocks, stackConfig } from '../support/pulumi-mocks';
import { REPO_ROOT } from '../support/synth-helper';

/*
 * Delivery reads the repository through the GitHub provider (github.getRepository) before
 * anything else. Under Pulumi mocks (no Pulumi CLI or GitHub here) the invoke's answer is what
 * GitHub would say; the program itself, its provider and its resources are the real ones.
 */

const TOKEN = 'ghp_TEST0nly0000000000000000000000000000';
const GET_REPOSITORY = 'github:index/getRepository:getRepository';

async function deliverAcme(github: { fullName: string; repoId: number }, overrides: Record<string, unknown> = {}) {
  const config = { ...stackConfig('acme', { 'supply-chain:at': '2026-10-01', ...overrides }), 'supply-chain:githubToken': TOKEN };
  const asked: Record<string, unknown>[] = [];
  const run = await runWithMocks('acme', config, ['supply-chain:githubToken'], () => onboardCustomer(readStackInputs('acme', REPO_ROOT)), {
    [GET_REPOSITORY]: (inputs) => {
      asked.push(inputs);
      return { ...inputs, fullName: github.fullName, name: github.fullName.split('/')[1], repoId: github.repoId };
    },
  });
  return { ...run, asked };
}

describe('canonical repository identity at delivery (Pulumi mocks)', () => {
  it('given GitHub spells the owner "Acme-Corp" and the file "acme-corp", when pulumi up runs, then it refuses before any resource and names the right spelling', async () => {
    const customerFile = stackConfig('acme')['supply-chain:customer'];
    const lowered = JSON.parse(customerFile) as { github: { owner: string } };
    lowered.github.owner = lowered.github.owner.toLowerCase();
    // The program's rejection is caught inside it: Pulumi's stack resource would also hand it to
    // its outputs, which nothing awaits under mocks (the language host reports it once for real).
    let refused: Error | undefined;
    const config = { ...stackConfig('acme', { 'supply-chain:at': '2026-10-01', 'supply-chain:customer': lowered }), 'supply-chain:githubToken': TOKEN };
    const { resources } = await runWithMocks(
      'acme',
      config,
      ['supply-chain:githubToken'],
      () =>
        onboardCustomer(readStackInputs('acme', REPO_ROOT)).catch((error: Error) => {
          refused = error;
          return {};
        }),
      { [GET_REPOSITORY]: (inputs) => ({ ...inputs, fullName: 'Acme-Corp/services', name: 'services', repoId: 4242 }) },
    );
    assert.ok(refused, 'pulumi up went on');
    assert.match(refused.message, /github\.owner \/ github\.repository: found "acme-corp\/services"; GitHub spells the repository "Acme-Corp\/services"/);
    assert.match(refused.message, /Fix: write owner "Acme-Corp" and repository "services" exactly so\./);
    // Nothing of the customer was registered: only the stack and the provider that asked GitHub.
    assert.deepEqual(resources.map((resource) => `${resource.type} ${resource.name}`).sort(), ['pulumi:providers:github github-identity-check', 'pulumi:pulumi:Stack supply-chain-acme']);
  });

  it('given GitHub agrees, when pulumi up runs, then it asks for exactly the file\'s repository and delivers, with GitHub\'s repository ID in the outputs\' identity', async () => {
    const { asked, resources } = await deliverAcme({ fullName: 'acme-corp/services', repoId: 4242 });
    assert.ok(!resources.some((resource) => resource.type === 'github:index/repositoryFile:RepositoryFile' && resource.inputs.content === undefined));
    assert.deepEqual(asked, [{ fullName: 'acme-corp/services' }]);
    assert.ok(resources.some((resource) => resource.type === 'github:index/repositoryFile:RepositoryFile'), 'the workflow is delivered');
    const check = resources.find((resource) => resource.type === 'pulumi:providers:github' && resource.name === 'github-identity-check');
    assert.equal(check?.inputs.owner, 'acme-corp');
    // The file pins no ID: the deploy gate delivered to the repository checks the one GitHub reported.
    const gate = resources.find((resource) => resource.type === 'github:index/repositoryFile:RepositoryFile' && String(resource.inputs.file).endsWith('deploy-gate.yml'));
    assert.match(String(gate?.inputs.content), /REPOSITORY_ID: "4242"/);
  });

  it('refuses a pinned repository ID that GitHub no longer reports (a re-created repository)', () => {
    const customer = { sourceFile: 'stacks/Pulumi.acme.yaml', github: { owner: 'acme-corp', repository: 'services', workflow: 'release.yml', branch: 'main', repositoryId: 1 } };
    assert.throws(() => judgeCanonicalRepository(customer, { fullName: 'acme-corp/services', repoId: 2 }), /github\.repositoryId: found 1; GitHub reports 2/);
    assert.deepEqual(judgeCanonicalRepository(customer, { fullName: 'acme-corp/services', repoId: 1 }), { fullName: 'acme-corp/services', repositoryId: 1 });
    const unpinned = { ...customer, github: { ...customer.github, repositoryId: undefined } };
    assert.deepEqual(judgeCanonicalRepository(unpinned, { fullName: 'acme-corp/services', repoId: 7 }), { fullName: 'acme-corp/services', repositoryId: 7 });
  });
});
