import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { argoCdApplicationSet } from '../../src/gitops/argocd-applicationset';
import { cosignVerifyCommands } from '../../src/gitops/customer-readme';
import { fluxSync } from '../../src/gitops/flux-sync';
import { DEFAULT_GITOPS_SETTINGS, normaliseRepoURL } from '../../src/gitops/settings';
import { loadCustomers } from '../../src/model/load';
import { signatureFormat, signingIdentity } from '../../src/contract';
import { synthesize } from '../../src/synth/synthesize';
import { releaseWorkflowContributor } from '../../src/workflow/contributor';
import { validCustomer, writeStackFiles } from '../support/customer-files';
import { requireTool } from '../support/tools';
import { REPO_ROOT, TEMPLATE_CLOCK, exampleStackFiles, makeTempDir, readTree, synthToTree } from '../support/synth-helper';

// The models are ES modules with an `import`-only export map; a real dynamic import loads them from CommonJS.
const esmImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;
const customers = loadCustomers(exampleStackFiles(), REPO_ROOT);

function scb(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scb.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true', ...env } });
}

describe('Argo CD ApplicationSet', () => {
  it('validates against the published Argo CD model, as written to dist/argocd/', async () => {
    const { ApplicationSet } = await esmImport('@kubernetes-models/argo-cd/argoproj.io/v1alpha1');
    const tree = synthToTree(exampleStackFiles());
    const documents = parseAllDocuments(tree['argocd/applicationset.yaml'], { version: '1.1' }).map((document) => document.toJS());
    assert.equal(documents.length, 1);
    new ApplicationSet(documents[0]).validate();
    assert.throws(() => new ApplicationSet({ ...documents[0], spec: { ...documents[0].spec, generators: 'git' } }).validate(), 'the model does reject a broken object');
  });

  it('discovers customers by Git directory, so the file does not change when a customer is added', () => {
    const appSet = argoCdApplicationSet({ repoURL: 'https://git.example/fleet.git', revision: 'v3', path: 'deploy/dist' }) as any;
    assert.deepEqual(appSet.spec.generators[0].git?.directories, [{ path: 'deploy/dist/*/kubernetes' }]);
    assert.equal(appSet.spec.generators[0].git?.revision, 'v3');
    // deploy/dist/<customer>/kubernetes: the customer is path segment 2.
    assert.equal(appSet.spec.template.metadata.name, 'supply-chain-{{ index .path.segments 2 }}');
    assert.deepEqual(appSet.spec.template.spec.destination, { name: '{{ index .path.segments 2 }}' });
    assert.equal(appSet.spec.template.spec.source?.path, '{{ .path.path }}');
    const one = synthToTree(exampleStackFiles().slice(0, 1))['argocd/applicationset.yaml'];
    assert.equal(one, synthToTree(exampleStackFiles())['argocd/applicationset.yaml']);
  });
});

describe('Flux sync per customer', () => {
  it('validates the GitRepository and Kustomization against the published Flux models', async () => {
    const { GitRepository } = await esmImport('@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1');
    const { Kustomization } = await esmImport('@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1');
    const tree = synthToTree(exampleStackFiles());
    for (const customer of customers) {
      const [source, kustomization] = parseAllDocuments(tree[`${customer.name}/flux/sync.yaml`], { version: '1.1' }).map((document) => document.toJS());
      new GitRepository(source).validate();
      new Kustomization(kustomization).validate();
      assert.equal(kustomization.spec.path, `./dist/${customer.name}/kubernetes`);
      assert.deepEqual(kustomization.spec.sourceRef, { kind: 'GitRepository', name: source.metadata.name });
    }
    assert.throws(() => new Kustomization({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'x' }, spec: { path: './x' } }).validate());
  });

  it('picks the Git ref kind from the revision', () => {
    const ref = (revision: string) => (fluxSync(customers[0], { ...DEFAULT_GITOPS_SETTINGS, revision })[0] as any).spec?.ref;
    assert.deepEqual(ref('main'), { branch: 'main' });
    assert.deepEqual(ref('v1.4.0'), { tag: 'v1.4.0' });
    assert.deepEqual(ref('0123456789abcdef0123456789abcdef01234567'), { commit: '0123456789abcdef0123456789abcdef01234567' });
  });

  it('ignores everything but the customer\'s own kubernetes/ folder (checked with real git)', () => {
    const repo = makeTempDir('scb-flux-ignore-');
    const ignore = (fluxSync(customers[0], DEFAULT_GITOPS_SETTINGS)[0] as any).spec?.ignore ?? '';
    assert.equal(spawnSync('git', ['init', '-q'], { cwd: repo }).status, 0);
    const files = ['dist/acme/kubernetes/admission-policies.yaml', 'dist/acme/README.md', 'dist/acme/flux/sync.yaml', 'dist/globex/kubernetes/p.yaml', 'dist/argocd/applicationset.yaml', 'src/x.ts'];
    for (const file of files) {
      mkdirSync(join(repo, file, '..'), { recursive: true });
      writeFileSync(join(repo, file), 'x\n');
    }
    writeFileSync(join(repo, '.flux-ignore'), ignore);
    const ignored = spawnSync('git', ['-c', 'core.excludesFile=.flux-ignore', 'ls-files', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
    assert.equal(ignored.status, 0, ignored.stderr);
    assert.deepEqual(ignored.stdout.trim().split('\n'), ['dist/acme/kubernetes/admission-policies.yaml']);
  });
});

describe('customer README', () => {
  it('states mode, flip date, identity, allowlist with review dates, and the cosign commands from the contract', () => {
    const tree = synthToTree(exampleStackFiles());
    const initech = customers.find((customer) => customer.name === 'initech')!;
    const readme = tree['initech/README.md'];
    const identity = signingIdentity(initech);
    assert.match(readme, /- Mode: \*\*enforce\*\* since 2026-09-15/);
    assert.ok(readme.includes(`Certificate identity: \`${identity.subject}\``));
    assert.match(readme, /\| `quay\.io\/prometheus\/node-exporter@sha256:4f1e[0-9a-f]+` \| sre@initech\.example \| .* \| 2026-05-20 \| \*\*2026-07-19 \(overdue\)\*\* \|/);
    assert.match(readme, /\| 2026-09-01 \| 2026-11-30 \|/);
    const commands = cosignVerifyCommands(initech);
    for (const command of Object.values(commands)) assert.ok(readme.includes(command));
    // The same words the deploy gate runs (one builder), with literal values.
    assert.equal(
      commands.vulnerabilityScan,
      [
        'cosign verify-attestation',
        '--new-bundle-format=true',
        `--certificate-identity ${identity.subject}`,
        '--certificate-oidc-issuer https://token.actions.githubusercontent.com',
        '--certificate-github-workflow-trigger push',
        '--certificate-github-workflow-repository initech/tps-reports',
        '--type vuln',
        '--policy deploy-gate/vuln-policy.rego',
        'ghcr.io/initech/tps-reports@sha256:DIGEST',
      ].join(' \\\n  '),
    );
    assert.match(tree['acme/README.md'], /- Mode: \*\*audit\*\* until 2026-10-15/);
    assert.match(tree['acme/README.md'], /None: every matching image must pass\./);
  });

  it('prints the deploy gate\'s own checks: the same flags, from the same builder, as the generated gate workflow', () => {
    for (const customer of customers) {
      const gate = (tree: string) => tree.split('\n').filter((line) => line.startsWith('cosign ')).map((line) => line.replace(/ > \/dev\/null$/, ''));
      const gateFile = synthToTree(exampleStackFiles())[`${customer.name}/github/.github/workflows/deploy-gate.yml`];
      const gateLines = gate((parse(gateFile) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs.verify.steps.map((step) => step.run ?? '').join('\n'));
      const flagsOf = (command: string) => command.replace(/\\\n\s*/g, ' ').split(/\s+/).filter((word) => word.startsWith('--'));
      const readme = Object.values(cosignVerifyCommands(customer));
      assert.equal(gateLines.length, 3, customer.name);
      readme.forEach((command, index) => assert.deepEqual(flagsOf(command), flagsOf(gateLines[index]), `${customer.name} check ${index + 1}`));
      const legacy = signatureFormat(customer) === 'legacy';
      for (const command of readme) {
        assert.ok(command.includes(legacy ? '--new-bundle-format=false' : '--new-bundle-format=true'), customer.name);
        assert.ok(command.includes('--certificate-github-workflow-trigger push'), customer.name);
        assert.ok(command.includes(`--certificate-github-workflow-repository ${customer.github.owner}/${customer.github.repository}`), customer.name);
      }
    }
  });

  it('given a bundle, when the customer README is read, then it installs the prerequisites first and the bundle in one command', () => {
    const tree = synthToTree(exampleStackFiles());
    const readme = tree['acme/README.md'];
    const install = readme.slice(readme.indexOf('## Install on the cluster'), readme.indexOf('## Verify an image by hand'));
    const steps = [
      'prometheus-operator CRDs',
      'helm install kyverno kyverno/kyverno --version 3.9.0 --namespace kyverno --create-namespace --values kyverno-values.yaml',
      'kubectl apply -f kubernetes/monitoring-namespace.yaml',
      'kubectl create secret generic trivy-server-token --namespace supply-chain-monitoring --from-literal=token=',
      'honorLabels: true',
      'kubectl apply -k kubernetes/',
      'bash deploy-gate/verify.sh ghcr.io/acme-corp/services@sha256:<digest>',
    ];
    const positions = steps.map((step) => install.indexOf(step));
    assert.ok(positions.every((position) => position >= 0), `missing: ${steps.filter((_, index) => positions[index] < 0).join(', ')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'in install order');
    // The files it names are in the bundle.
    for (const file of ['acme/kyverno-values.yaml', 'acme/kubernetes/monitoring-namespace.yaml', 'acme/kubernetes/kustomization.yaml', 'acme/deploy-gate/verify.sh', 'acme/github/.github/workflows/deploy-gate.yml']) {
      assert.ok(file in tree, file);
    }
  });

  it('prints cosign commands the real cosign accepts (flags and arguments; the registry is unreachable on purpose)', () => {
    const cosign = requireTool('cosign');
    const acme = customers.find((customer) => customer.name === 'acme')!;
    for (const command of Object.values(cosignVerifyCommands(acme))) {
      const args = command
        .replace(/\\\n/g, ' ')
        .split(/\s+/)
        .slice(1)
        .filter(Boolean)
        .map((arg) => arg.replace('ghcr.io/acme-corp/services@sha256:DIGEST', `127.0.0.1:9/acme/services@sha256:${'0'.repeat(64)}`));
      const result = spawnSync(cosign, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: makeTempDir('scb-cosign-home-'), SIGSTORE_NO_CACHE: 'true', TUF_ROOT: makeTempDir('scb-tuf-') } });
      const output = `${result.stdout}${result.stderr}`;
      assert.notEqual(result.status, 0);
      assert.doesNotMatch(output, /unknown flag|unknown shorthand|accepts \d+ arg|required flag|must be set|invalid argument/i, output);
    }
  });
});

describe('synth with GitOps fan-out', () => {
  it('writes the fleet folder together with the bundles, or nothing at all', () => {
    const outDir = join(makeTempDir(), 'dist');
    const files = writeStackFiles({ good: validCustomer({ name: 'good' }) });
    const failing = () => {
      throw new Error('contributor failed');
    };
    assert.throws(() => synthesize(loadCustomers(files), { at: TEMPLATE_CLOCK, outDir, contributors: [releaseWorkflowContributor, failing], gitops: DEFAULT_GITOPS_SETTINGS }), /contributor failed/);
    assert.equal(existsSync(outDir), false);
    synthesize(loadCustomers(files), { at: TEMPLATE_CLOCK, outDir, contributors: [releaseWorkflowContributor], gitops: DEFAULT_GITOPS_SETTINGS });
    assert.deepEqual(Object.keys(readTree(outDir)).sort(), ['argocd/applicationset.yaml', 'good/flux/sync.yaml', 'good/github/.github/dependabot.yml', 'good/github/.github/workflows/release.yml']);
  });

  it('takes the repository, revision and path from flags or the environment, and refuses bad ones', () => {
    const outDir = makeTempDir();
    const ok = scb(['synth', '--out', outDir, '--at', '2026-10-01', '--gitops-repo', 'https://git.example/platform/fleet.git'], { SCB_GITOPS_REVISION: 'release' });
    assert.equal(ok.status, 0, ok.stderr);
    const appSet = readTree(outDir)['argocd/applicationset.yaml'];
    assert.match(appSet, /repoURL: https:\/\/git\.example\/platform\/fleet\.git\n\s+revision: release\n/);
    assert.doesNotMatch(ok.stdout, /GitOps repository is a placeholder/);
    const bad = scb(['synth', '--out', makeTempDir(), '--gitops-repo', 'not a url', '--gitops-path', '../x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /GitOps settings: repo URL "not a url" is not a Git clone URL Flux accepts; .*; path "\.\.\/x" is not a relative folder/);
  });

  it('given an scp-style fleet repository and a Secret name, when synthesized, then Flux gets an ssh:// URL and the secretRef', () => {
    const outDir = makeTempDir();
    const result = scb(['synth', '--out', outDir, '--at', '2026-10-01', '--gitops-repo', 'git@github.com:org/fleet.git', '--gitops-secret', 'fleet-repo-auth']);
    assert.equal(result.status, 0, result.stderr);
    const sync = readTree(outDir)['acme/flux/sync.yaml'];
    assert.match(sync, /url: ssh:\/\/git@github\.com\/org\/fleet\.git\n/);
    assert.match(sync, /secretRef:\n\s+name: fleet-repo-auth\n/);
    assert.match(readTree(outDir)['argocd/applicationset.yaml'], /repoURL: ssh:\/\/git@github\.com\/org\/fleet\.git\n/);
    assert.match(result.stdout, /note: --gitops-repo git@github\.com:org\/fleet\.git is written as ssh:\/\/git@github\.com\/org\/fleet\.git: Flux accepts only http\(s\):\/\/ and ssh:\/\/ URLs/);
    assert.equal(normaliseRepoURL('https://github.com/org/fleet.git'), 'https://github.com/org/fleet.git');
    assert.equal(normaliseRepoURL('deploy@git.example:/srv/fleet.git'), 'ssh://deploy@git.example/srv/fleet.git');
    const badSecret = scb(['synth', '--out', makeTempDir(), '--gitops-secret', 'Fleet_Auth']);
    assert.equal(badSecret.status, 2);
    assert.match(badSecret.stderr, /secret "Fleet_Auth" is not a Kubernetes Secret name/);
  });

  it('says in the summary when the repository is still the placeholder', () => {
    const result = scb(['synth', '--out', makeTempDir(), '--at', '2026-10-01'], { SCB_GITOPS_REPO: '' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /note: the GitOps repository is a placeholder; pass --gitops-repo/);
  });
});
