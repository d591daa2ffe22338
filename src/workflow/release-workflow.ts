import { Document, isScalar, visit } from 'yaml';
import type { Customer } from '../model/customer';
import {
  COSIGN_ATTESTATION_TYPES,
  cosignFormatFlags,
  signatureFormat,
  signingIdentity,
} from '../model/supply-chain-contract';
import { WORKFLOW_YAML_OPTIONS } from '../synth/bundle';
import { ACTION_PINS, TOOL_VERSIONS, assertTrivyVersionTrusted, usesLine } from './pins';

/** A GitHub Actions step, as written into the workflow file. */
export interface WorkflowStep {
  readonly name: string;
  readonly id?: string;
  readonly uses?: string;
  readonly with?: Record<string, string | boolean | number>;
  readonly env?: Record<string, string>;
  readonly run?: string;
}

/** Registry host of an image repository (`ghcr.io/acme/services` → `ghcr.io`). */
export function registryHost(image: string): string {
  return image.split('/')[0];
}

/** File names the pipeline writes; the attest steps read them back. */
const SBOM_FILE = 'sbom.cdx.json';
const SCAN_FILE = 'scan.cosign-vuln.json';

/**
 * Builds the release workflow for one customer: build and push by commit SHA, SBOM, scan (fail
 * before signing), keyless sign and attest, all on the image digest. Values reach shell steps
 * only through `env:`, never through `${{ }}` inside `run:`.
 */
export function releaseWorkflow(customer: Customer): Record<string, unknown> {
  assertTrivyVersionTrusted(TOOL_VERSIONS.trivy);
  const identity = signingIdentity(customer);
  const formatFlags = cosignFormatFlags(signatureFormat(customer)).join(' ');
  const cosign = (subcommand: string) => ['cosign', subcommand, '--yes', formatFlags].filter(Boolean).join(' ');
  const imageWithDigest = '"${IMAGE}@${DIGEST}"';
  const digestEnv = { IMAGE: customer.image, DIGEST: '${{ steps.build.outputs.digest }}' };

  const steps: WorkflowStep[] = [
    { name: 'Check out the source', uses: usesLine('checkout'), with: { 'persist-credentials': false } },
    { name: 'Set up Buildx', uses: usesLine('setupBuildx') },
    {
      name: `Log in to ${registryHost(customer.image)}`,
      uses: usesLine('login'),
      with: { registry: registryHost(customer.image), username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    },
    {
      name: 'Build and push the image, tagged by commit SHA',
      id: 'build',
      uses: usesLine('buildPush'),
      with: {
        context: '.',
        push: true,
        tags: `${customer.image}:\${{ github.sha }}`,
        // buildx's own provenance/SBOM are unsigned index entries no admission rule reads.
        provenance: false,
        sbom: false,
      },
    },
    {
      name: 'Generate the CycloneDX SBOM of the digest',
      uses: usesLine('sbomAction'),
      with: {
        image: `${customer.image}@\${{ steps.build.outputs.digest }}`,
        format: 'cyclonedx-json',
        'output-file': SBOM_FILE,
        'upload-artifact': false,
        'upload-release-assets': false,
        'syft-version': TOOL_VERSIONS.syft,
      },
    },
    { name: 'Install Trivy', uses: usesLine('setupTrivy'), with: { version: TOOL_VERSIONS.trivy, cache: false } },
    {
      name: 'Fail on fixable HIGH or CRITICAL vulnerabilities, before anything is signed',
      env: digestEnv,
      run: `trivy image --exit-code 1 --ignore-unfixed --severity HIGH,CRITICAL --format table ${imageWithDigest}`,
    },
    {
      name: 'Write the scan in cosign-vuln format',
      env: digestEnv,
      run: `trivy image --skip-db-update --format cosign-vuln --output ${SCAN_FILE} ${imageWithDigest}`,
    },
    { name: 'Install cosign', uses: usesLine('cosignInstaller'), with: { 'cosign-release': TOOL_VERSIONS.cosign } },
    { name: 'Sign the digest (keyless)', env: digestEnv, run: `${cosign('sign')} ${imageWithDigest}` },
    {
      name: 'Attest the SBOM',
      env: digestEnv,
      run: `${cosign('attest')} --type ${COSIGN_ATTESTATION_TYPES.sbom} --predicate ${SBOM_FILE} ${imageWithDigest}`,
    },
    {
      name: 'Attest the scan',
      env: digestEnv,
      run: `${cosign('attest')} --type ${COSIGN_ATTESTATION_TYPES.vulnerabilityScan} --predicate ${SCAN_FILE} ${imageWithDigest}`,
    },
  ];

  return {
    name: 'release',
    on: { push: { branches: [customer.github.branch] } },
    permissions: {},
    concurrency: { group: 'release-${{ github.ref }}', 'cancel-in-progress': false },
    jobs: {
      release: {
        name: `Build, scan, sign and attest ${customer.image}`,
        'runs-on': 'ubuntu-24.04',
        'timeout-minutes': 45,
        permissions: { contents: 'read', packages: 'write', 'id-token': 'write' },
        // Keyless signatures carry this identity; the admission policy demands exactly it.
        env: { EXPECTED_SIGNING_IDENTITY: identity.subject },
        steps,
      },
    },
  };
}

/** Serializes a workflow with a `# vX.Y.Z` comment after every pinned `uses:` line. */
export function workflowYaml(workflow: Record<string, unknown>, header: string[] = []): string {
  const document = new Document(workflow, { aliasDuplicateObjects: false });
  const versionBySha = new Map<string, string>(Object.values(ACTION_PINS).map((pin) => [pin.sha, pin.version]));
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const sha = String(pair.value.value).split('@')[1];
        const version = versionBySha.get(sha);
        if (version) pair.value.comment = ` ${version}`;
      }
    },
  });
  if (header.length > 0) document.commentBefore = header.map((line) => ` ${line}`).join('\n');
  return document.toString(WORKFLOW_YAML_OPTIONS);
}

/** The workflow file's path inside the customer's repository. */
export function workflowPath(customer: Customer): string {
  return signingIdentity(customer).workflowPath;
}
