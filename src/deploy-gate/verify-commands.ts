import type { Customer } from '../model/customer';
import {
  COSIGN_ATTESTATION_TYPES,
  cosignVerifyFormatFlags,
  signatureFormat,
  signingIdentity,
} from '../model/supply-chain-contract';

/**
 * The checks that stand between a registry and a running container, shared by the deploy-gate
 * script, the reusable deploy-gate workflow and the release workflow's own final self-check.
 * Each reads the identity and the signature format from the supply-chain contract, so all of
 * them verify exactly what the admission policy verifies.
 */
export interface GateCheck {
  /** What the check proves, for logs. */
  readonly description: string;
  /** `verify` for the signature, `verify-attestation` for an attestation. */
  readonly subcommand: 'verify' | 'verify-attestation';
  /**
   * `cosign verify-attestation --type` value.
   * @default - none (a signature check)
   */
  readonly type?: string;
  /**
   * Whether the check evaluates the generated Rego policy (`--policy`).
   * @default false
   */
  readonly policy?: boolean;
}

/** The three checks, in the order they run. */
export const GATE_CHECKS: readonly GateCheck[] = [
  { description: 'keyless signature by the release workflow', subcommand: 'verify' },
  { description: 'CycloneDX SBOM attestation', subcommand: 'verify-attestation', type: COSIGN_ATTESTATION_TYPES.sbom },
  {
    description: 'vulnerability scan attestation (fresh, no CRITICAL past the grace period)',
    subcommand: 'verify-attestation',
    type: COSIGN_ATTESTATION_TYPES.vulnerabilityScan,
    policy: true,
  },
];

/** The values every verifier of this customer uses. */
export interface GateParameters {
  /** `--certificate-identity`: the exact subject admission demands. */
  readonly certificateIdentity: string;
  /** `--certificate-oidc-issuer`. */
  readonly certificateOidcIssuer: string;
  /**
   * `--certificate-github-workflow-trigger`: the event the release workflow must have run on
   * (Fulcio extension 1.3.6.1.4.1.57264.1.2). Without it a signature made by the right workflow
   * file on the right branch from a `pull_request` run would pass, which the ClusterPolicy refuses.
   */
  readonly githubWorkflowTrigger: string;
  /** `--certificate-github-workflow-repository`: `owner/repository` the workflow ran in (extension .1.5). */
  readonly githubWorkflowRepository: string;
  /** Signature-format flags (`--new-bundle-format=…`) matching the admission engine. */
  readonly formatFlags: readonly string[];
}

export function gateParameters(customer: Pick<Customer, 'github' | 'admission'>): GateParameters {
  const identity = signingIdentity(customer);
  return {
    certificateIdentity: identity.subject,
    certificateOidcIssuer: identity.issuer,
    githubWorkflowTrigger: identity.trigger,
    githubWorkflowRepository: identity.repository,
    formatFlags: cosignVerifyFormatFlags(signatureFormat(customer)),
  };
}

/** The GitHub workflow extension checks, as cosign flags (values from the validated model: no quoting needed). */
export function githubExtensionFlags(parameters: GateParameters): string[] {
  return [
    `--certificate-github-workflow-trigger ${parameters.githubWorkflowTrigger}`,
    `--certificate-github-workflow-repository ${parameters.githubWorkflowRepository}`,
  ];
}

/** A regular expression (bash `[[ =~ ]]`, ERE) that only an image reference by digest matches. */
export const DIGEST_REFERENCE_ERE = '^[^@[:space:]]+@sha256:[a-f0-9]{64}$';

/**
 * One check as a shell command line for a workflow step, reading the image and the identity from
 * environment variables (`IMAGE`, `CERTIFICATE_IDENTITY`, `CERTIFICATE_OIDC_ISSUER`), never from
 * an expression inside `run:`.
 */
export function gateCheckCommand(check: GateCheck, parameters: GateParameters, policyPath?: string): string {
  const parts = [
    'cosign',
    check.subcommand,
    ...parameters.formatFlags,
    '--certificate-identity "${CERTIFICATE_IDENTITY}"',
    '--certificate-oidc-issuer "${CERTIFICATE_OIDC_ISSUER}"',
    ...githubExtensionFlags(parameters),
  ];
  if (check.type) parts.push(`--type ${check.type}`);
  if (check.policy && policyPath) parts.push(`--policy "${policyPath}"`);
  parts.push('"${IMAGE}"', '> /dev/null');
  return parts.join(' ');
}
