import { shellQuote } from '../contract';
import type { Customer } from '../model/customer';
import { isReviewOverdue, reviewDueDate, type EnforcementState } from '../model/enforcement';
import {
  COSIGN_ATTESTATION_TYPES,
  PREDICATE_TYPES,
  imageReferencePatterns,
  signatureFormat,
  signingIdentity,
} from '../model/supply-chain-contract';
import { type VulnerabilityRule, riskExpiresAt, severityPhrase, vulnerabilityRule } from '../vulnerability-rule';

/** The accepted risks, one bullet each, with the instant they stop counting. */
function acceptedRiskLines(rule: VulnerabilityRule): string[] {
  return rule.acceptedRisks.map(
    (risk) => `  - Accepted risk \`${risk.cve}\`${risk.image ? ` (only \`${risk.image}\`)` : ''}: ${risk.reason} Owner ${risk.owner}; counts until ${riskExpiresAt(risk)}.`,
  );
}


/** First line of every customer README. */
export const CUSTOMER_README_HEADING = '# Supply chain bundle for ';

/** The cosign commands that check an image by hand exactly as admission does. */
export function cosignVerifyCommands(customer: Customer): { signature: string; sbom: string; vulnerabilityScan: string } {
  const identity = signingIdentity(customer);
  const image = `${customer.image}@sha256:DIGEST`;
  const identityFlags = `--certificate-identity ${shellQuote(identity.subject)} \\\n  --certificate-oidc-issuer ${shellQuote(identity.issuer)}`;
  const attestation = (type: string) => `cosign verify-attestation --type ${type} \\\n  ${identityFlags} \\\n  ${image}`;
  return {
    signature: `cosign verify \\\n  ${identityFlags} \\\n  ${image}`,
    sbom: attestation(COSIGN_ATTESTATION_TYPES.sbom),
    vulnerabilityScan: attestation(COSIGN_ATTESTATION_TYPES.vulnerabilityScan),
  };
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
          '| Image | Owner | Reason | Last reviewed | Review due |',
          '| --- | --- | --- | --- | --- |',
          ...customer.allowlist.map((entry) => {
            const due = reviewDueDate(entry.lastReviewed, entry.reviewIntervalDays);
            const dueText = isReviewOverdue(entry, at) ? `**${due} (overdue)**` : due;
            return `| \`${entry.image}\` | ${escapeCell(entry.owner)} | ${escapeCell(entry.reason)} | ${entry.lastReviewed} | ${dueText} |`;
          }),
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
    '',
    'Renaming the workflow file or the release branch changes this identity: change it in the customer file, never by hand.',
    '',
    '## Allowlisted images',
    '',
    ...allowlist,
    '',
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
  ].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
