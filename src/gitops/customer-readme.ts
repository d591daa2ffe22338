import { DEPLOY_GATE_WORKFLOW, DRIFT_AGENT_NAMESPACE, KYVERNO_NAMESPACE, MONITORING_NAMESPACE, SOURCE_REPOSITORY_IDENTIFIER_OID, shellQuote } from '../contract';
import { KYVERNO_CHART } from '../admission/kyverno-values';
import { allowlistExemptions } from '../admission/allowlist';
import { MONITORING_IMAGES } from '../monitoring/images';
import { TRIVY_TOKEN_SECRET } from '../monitoring/labels';
import { DRIFT_AGENT_CAPABILITIES, driftIgnorePaths } from '../monitoring/drift-agent-settings';
import type { Customer } from '../model/customer';
import type { EnforcementState } from '../model/enforcement';
import {
  PREDICATE_TYPES,
  imageReferencePatterns,
  signatureFormat,
  signingIdentity,
} from '../contract';
import { GATE_CHECKS, cosignCheckArguments, gateParameters } from '../deploy-gate/verify-commands';
import { VULN_POLICY_FILE } from '../deploy-gate/verify-script';
import { type VulnerabilityRule, riskExpiresAt, severityPhrase, vulnerabilityRule } from '../vulnerability-rule';

/** The accepted risks, one bullet each, with the instant they stop counting. */
function acceptedRiskLines(rule: VulnerabilityRule): string[] {
  return rule.acceptedRisks.map(
    (risk) => `  - Accepted risk \`${risk.cve}\`${risk.image ? ` (only \`${risk.image}\`)` : ''}: ${risk.reason} Owner ${risk.owner}; counts until ${riskExpiresAt(risk)}.`,
  );
}


/**
 * How to install the bundle on a cluster by hand, in an order that works: what the bundle
 * needs but does not contain first (prometheus-operator CRDs, Kyverno, the Trivy token, a
 * Pushgateway), then the bundle in one `kubectl apply -k`. Pulumi and GitOps do the same.
 */
export function installSteps(customer: Customer): string[] {
  const pushgateway = new URL(customer.monitoring.pushgatewayUrl);
  const placeholderRescanner = !customer.monitoring.rescannerImage && MONITORING_IMAGES.rescanner.placeholder;
  return [
    '## Install on the cluster',
    '',
    'Run these from this folder, with `kubectl` 1.27 or later and Helm 3, in this order. Argo CD and Flux (`flux/sync.yaml`) apply the same `kubernetes/` folder in place of step 5 and need steps 1 to 4 first; `pulumi up` does steps 2 and 5 itself.',
    '',
    ...(placeholderRescanner
      ? [
          `0. **Pin the rescanner image first.** This bundle still runs the placeholder digest of \`${MONITORING_IMAGES.rescanner.repository}\` (the objects carry the annotation \`supply-chain-bundle.io/image-digest-placeholder\`); set \`monitoring.rescannerImage\` in the customer file to a published digest and regenerate.`,
        ]
      : []),
    `1. **prometheus-operator CRDs** (PrometheusRule, ServiceMonitor): present wherever kube-prometheus-stack runs; otherwise \`helm install prometheus-operator-crds prometheus-community/prometheus-operator-crds\` (repository https://prometheus-community.github.io/helm-charts). Kyverno's ServiceMonitors and the bundle's alert rules need them.`,
    `2. **Kyverno** ${KYVERNO_CHART.appVersion} from its Helm chart, with \`kyverno-values.yaml\` from this folder (replicas, metrics, PolicyExceptions only from \`${KYVERNO_NAMESPACE}\`):`,
    '',
    '   ```sh',
    `   helm repo add kyverno ${KYVERNO_CHART.repository}`,
    `   helm install kyverno kyverno/${KYVERNO_CHART.chart} --version ${KYVERNO_CHART.version} --namespace ${KYVERNO_NAMESPACE} --create-namespace --values kyverno-values.yaml --wait`,
    '   ```',
    '',
    ...registryCredentialLines(customer),
    `3. **The Trivy token Secret.** The in-cluster Trivy server and the rescanner share a token the bundle only refers to (Secret \`${TRIVY_TOKEN_SECRET.name}\`, key \`${TRIVY_TOKEN_SECRET.key}\`, namespace \`${MONITORING_NAMESPACE}\`). Create the namespace from the bundle, then the Secret:`,
    '',
    '   ```sh',
    '   kubectl apply -f kubernetes/monitoring-namespace.yaml',
    `   kubectl create secret generic ${TRIVY_TOKEN_SECRET.name} --namespace ${MONITORING_NAMESPACE} --from-literal=${TRIVY_TOKEN_SECRET.key}="$(openssl rand -hex 32)"`,
    '   ```',
    '',
    `4. **A Pushgateway** at \`${customer.monitoring.pushgatewayUrl}\` (\`monitoring.pushgatewayUrl\`), scraped by Prometheus with \`honorLabels: true\` (in its ServiceMonitor, or \`honor_labels: true\` in a scrape config): otherwise Prometheus overwrites the \`cluster\` and \`customer\` labels the rescanner pushes and the alerts match nothing.${/\.svc(\.cluster\.local)?$/.test(pushgateway.hostname) ? ' The rescanner\'s network policy lets it reach only that Service\'s namespace.' : ''}`,
    '5. **The bundle**, in one command: `kustomization.yaml` applies the namespace first, then the admission policies, then the monitoring workloads.',
    '',
    '   ```sh',
    '   kubectl apply -k kubernetes/',
    '   ```',
    '',
    `6. **The deploy gate**, for hosts without Kubernetes: run \`bash deploy-gate/verify.sh ${customer.image}@sha256:<digest>\` before \`docker run\` and deploy only on exit 0 (it needs cosign 3.0.6 or later${customer.github.repositoryId !== undefined ? ', and openssl to read the repository ID' : ''}). In GitHub Actions, commit \`github/.github/workflows/${DEPLOY_GATE_WORKFLOW}\` to \`${customer.github.owner}/${customer.github.repository}\` next to the release workflow and call it from the deploy workflow (its header shows how); make the deploy job \`needs:\` it.`,
    '',
  ];
}

/**
 * What the customer creates so that Kyverno can read a private registry (`registry.admissionIdentity`,
 * docs/admission.md "Registry credentials"); nothing without one.
 */
function registryCredentialLines(customer: Customer): string[] {
  const id = customer.registry?.admissionIdentity;
  if (id === undefined) return [];
  const host = customer.image.split('/')[0];
  const accounts = `\`system:serviceaccount:${KYVERNO_NAMESPACE}:kyverno-admission-controller\` and \`…:kyverno-reports-controller\``;
  const cloud = id.aws
    ? `the IAM role \`${id.aws.roleArn}\` (IRSA) with \`ecr:GetAuthorizationToken\`, \`ecr:BatchGetImage\` and \`ecr:GetDownloadUrlForLayer\`, trusting the cluster's OIDC provider for ${accounts}`
    : id.gcp
      ? `the Google service account \`${id.gcp.serviceAccount}\` with \`roles/artifactregistry.reader\`, and \`roles/iam.workloadIdentityUser\` for ${accounts} (GKE Workload Identity)`
      : id.azure
        ? `the managed identity \`${id.azure.clientId}\` with \`AcrPull\` on the registry and federated credentials for ${accounts} (Azure workload identity)`
        : undefined;
  return [
    `   **Registry credentials for Kyverno** (\`registry.admissionIdentity\`): the policies read \`${host}\` with ${[cloud ? 'the cloud identity that `kyverno-values.yaml` puts on Kyverno\'s service accounts' : undefined, id.secret ? `the Secret \`${id.secret.name}\`` : undefined].filter(Boolean).join(' and ')}. Without them a private image is an \`error\` and refused after the flip. Create:`,
    '',
    ...(cloud ? [`   - ${cloud};`] : []),
    ...(id.secret
      ? [
          `   - the Secret \`${id.secret.name}\` in Kyverno's namespace \`${KYVERNO_NAMESPACE}\` (or the delivery setting \`kubernetes.kyvernoNamespace\`): Kyverno reads policy credentials from there only:`,
          '',
          '     ```sh',
          `     kubectl create secret docker-registry ${id.secret.name} --namespace ${KYVERNO_NAMESPACE} --docker-server=${host} --docker-username=<user> --docker-password=<token with read access>`,
          '     ```',
        ]
      : []),
    '',
  ];
}

/**
 * What SBOM drift means for this customer and what to do on its alert; empty without the agent
 * (`monitoring.driftAgent`).
 */
export function driftSection(customer: Customer): string[] {
  const agent = customer.monitoring.driftAgent;
  if (!agent) return [];
  return [
    '## SBOM drift',
    '',
    `A DaemonSet (\`scb-drift-agent\`, namespace \`${DRIFT_AGENT_NAMESPACE}\`) compares, every ${agent.intervalSeconds} seconds, the packages installed in each running container of ${customer.admission.namespaces.map((glob) => `\`${glob}\``).join(', ')} with the CycloneDX SBOM attested for its digest by the release workflow above. **Drift** is a package added, removed or at another version than at build: someone ran \`apt install\`, \`pip install\` or \`npm install\` in a running container. A digest without a verified SBOM attestation of that identity is reported as *unverifiable*, never as "no drift".`,
    '',
    `- Alert \`SupplyChainPackageDrift\` (**${agent.alertSeverity}**): a package was added or changed. Read the agent's log line \`"event":"package_drift"\` with the same namespace, workload and container: it names each package and both versions. Find who changed the container (exec audit events, the workload's own updater), then replace the pod from its signed digest (\`kubectl rollout restart\`); a legitimate change ships as a new release.`,
    '- `SupplyChainPackageDriftRemoved` (warning): attested packages are gone; `SupplyChainPackageDriftUnverifiable` (warning): release the image through the workflow above; `SupplyChainDriftAgentNotReporting` (warning): the agent on a node is silent.',
    `- Not compared (expected to change): ${driftIgnorePaths(customer).map((path) => `\`${path}\``).join(', ')} and each container's volume mounts. Add paths with \`monitoring.driftAgent.ignorePaths\`.`,
    `- Privileges: its namespace enforces Pod Security \`privileged\` (audit \`baseline\`) because the agent needs \`hostPID\` (to reach each container's root through \`/proc/<pid>/root\`), user 0 with ${DRIFT_AGENT_CAPABILITIES.map((cap) => `\`${cap}\``).join(' and ')} (to open the roots of processes of other users and read their package files); read-only root file system, no hostPath, no other capability, CPU limit ${agent.cpuLimit}, memory ${agent.memoryLimit}, nice 19.`,
    '',
  ];
}

/** First line of every customer README. */
export const CUSTOMER_README_HEADING = '# Supply chain bundle for ';

/** The cosign commands that check an image by hand exactly as admission does. */
/**
 * The cosign commands that check an image by hand exactly as the deploy gate and admission do:
 * rendered by the deploy gate's own builder (`cosignCheckArguments`), so they carry the same
 * format flag, the same identity flags (trigger and repository included) and the scan policy.
 */
export function cosignVerifyCommands(customer: Customer): { signature: string; sbom: string; vulnerabilityScan: string } {
  const parameters = gateParameters(customer);
  const [signature, sbom, vulnerabilityScan] = GATE_CHECKS.map((check) => {
    const args = cosignCheckArguments(check, parameters, {
      image: `${customer.image}@sha256:DIGEST`,
      identity: (entry) => shellQuote(entry.value),
      policy: `deploy-gate/${VULN_POLICY_FILE}`,
    });
    // One flag and its value per line, as people paste them.
    const lines: string[] = [args.slice(0, 2).join(' ')];
    for (let index = 2; index < args.length - 1; index++) {
      if (args[index].startsWith('--') && !args[index].includes('=') && index + 1 < args.length - 1 && !args[index + 1].startsWith('--')) {
        lines.push(`${args[index]} ${args[index + 1]}`);
        index++;
      } else lines.push(args[index]);
    }
    lines.push(args[args.length - 1]);
    return lines.join(' \\\n  ');
  });
  return { signature, sbom, vulnerabilityScan };
}

/**
 * A short page for the customer's folder: what admission demands, from when, of whom, which
 * images are exempt until when, and how to check an image by hand. Everything comes from the
 * customer model and the supply-chain contract, so it cannot disagree with the policies.
 */
export function customerReadme(customer: Customer, enforcement: EnforcementState, at: Date): string {
  const identity = signingIdentity(customer);
  const commands = cosignVerifyCommands(customer);
  const format = signatureFormat(customer);
  const rule = vulnerabilityRule(customer);
  const today = at.toISOString().slice(0, 10);
  const modeLine =
    enforcement.source === 'override'
      ? `**${enforcement.mode}**, set explicitly in the customer file (the soft period would end on ${enforcement.flipDate}).`
      : enforcement.mode === 'enforce'
        ? `**enforce** since ${enforcement.flipDate}: images that fail are refused.`
        : `**audit** until ${enforcement.flipDate}: failures are reported, nothing is refused yet. From ${enforcement.flipDate} (00:00 UTC) on, failing images are refused.`;
  const allowlist =
    customer.allowlist.length === 0
      ? ['None: every matching image must pass.']
      : [
          '| Image | Owner | Reason | Last reviewed | Review due | Stops exempting |',
          '| --- | --- | --- | --- | --- | --- |',
          ...allowlistExemptions(customer, at).map((exemption) => {
            const { entry } = exemption;
            const dueText = exemption.reviewOverdue ? `**${exemption.reviewDue} (overdue)**` : exemption.reviewDue;
            const expiry = exemption.expiresAt.slice(0, 10);
            const name = exemption.kind === 'digest' ? `\`${exemption.reference}\`` : `\`${exemption.reference}\` (repository: any tag or digest)`;
            return `| ${name} | ${escapeCell(entry.owner)} | ${escapeCell(entry.reason)} | ${entry.lastReviewed} | ${dueText} | ${exemption.expired ? `**${expiry} (expired)**` : expiry} |`;
          }),
          '',
          `An entry stops exempting ${customer.admission.allowlistGraceDays} days (\`admission.allowlistGraceDays\`) after its review is due: from then on the cluster refuses its image in a new workload, a bare pod or an image change (a pod a controller recreates for a running workload is still admitted). The review alert fires from the due date. Review the entry and update \`lastReviewed\`, or remove it.`,
          ...(customer.allowlist.some((entry) => entry.repository !== undefined)
            ? [
                '',
                'A repository entry admits every tag and digest pushed to that repository, by the reference as the pod spec writes it: weaker than a digest entry, since whoever can push there can run anything in the production namespaces. Use it only for a sidecar your mesh or agent injects by tag, and restrict who can push to that repository.',
              ]
            : []),
        ];
  return [
    `${CUSTOMER_README_HEADING}${customer.name}`,
    '',
    `Generated from \`${customer.sourceFile}\` at ${today}; do not edit by hand. Regenerate with \`scb synth\`.`,
    '',
    '## What admission enforces',
    '',
    `- Mode: ${modeLine}`,
    `- Engine: Kyverno \`${customer.admission.engine}\`; signatures are read in the \`${format}\` format.`,
    `- Namespaces: ${customer.admission.namespaces.map((glob) => `\`${glob}\``).join(', ')}.`,
    `- Images: ${imageReferencePatterns(customer).map((glob) => `\`${glob}\``).join(', ')}.`,
    `- Each such image must be signed keylessly by the release workflow below, and carry a CycloneDX SBOM attestation (\`${PREDICATE_TYPES.sbom}\`) and a vulnerability scan attestation (\`${PREDICATE_TYPES.vulnerabilityScan}\`)${customer.scan.maxAge === undefined ? '' : ` no older than ${customer.scan.maxAge} when a workload is created or its images change`}.`,
    `- The vulnerability rule (the release job, admission, the deploy gate and the rescanner's alerts apply the same one): a ${severityPhrase(rule)} vulnerability${rule.fixableOnly ? ' with a fixed version' : ''} published more than ${rule.graceDays} days ago blocks a new workload or an image change (never a pod that a controller recreates), unless it is an accepted risk below.`,
    ...acceptedRiskLines(rule),
    `- Running images older than ${customer.staleness.maxImageAgeDays} days are reported as stale; the in-cluster rescan runs on \`${customer.scan.rescanSchedule}\`.`,
    '',
    '## Signing identity',
    '',
    `- Workflow: \`${identity.repository}/${identity.workflowPath}\` on \`${identity.ref}\` (trigger: ${identity.trigger})`,
    `- Certificate identity: \`${identity.subject}\``,
    `- OIDC issuer: \`${identity.issuer}\``,
    `- Repository ID: ${customer.github.repositoryId !== undefined ? `\`${customer.github.repositoryId}\`` : 'read from GitHub at delivery (the deploy gate `pulumi up` delivers carries it; one rendered by `scb synth` from this file does not)'}. \`pulumi up\` refuses a repository whose ID or spelling differs, and the deploy gate (\`deploy-gate/verify.sh\`, \`${DEPLOY_GATE_WORKFLOW}\`) refuses a signing certificate that carries another ID (Fulcio OID ${SOURCE_REPOSITORY_IDENTIFIER_OID}). Admission cannot check it (Kyverno 1.19 matches neither that OID in ClusterPolicy nor any extension in ImageValidatingPolicy): in the cluster only the owner/name is pinned.`,
    '',
    'Renaming the workflow file or the release branch changes this identity: change it in the customer file, never by hand.',
    '',
    '## Allowlisted images',
    '',
    ...allowlist,
    '',
    ...installSteps(customer),
    ...driftSection(customer),
    '## Verify an image by hand',
    '',
    'Replace `DIGEST` with the image digest (`crane digest IMAGE:TAG`); always verify the digest, not a tag.',
    '',
    '```sh',
    commands.signature,
    '',
    commands.sbom,
    '',
    commands.vulnerabilityScan,
    '```',
    '',
    ...(customer.github.repositoryId !== undefined
      ? [`No cosign flag checks the repository ID (\`${customer.github.repositoryId}\`); \`bash deploy-gate/verify.sh ${customer.image}@sha256:DIGEST\` runs these three commands and then reads the ID from the signing certificate with openssl.`, '']
      : []),
  ].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
