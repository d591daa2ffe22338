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
  /** Which of the three checks it is. */
  readonly id: 'signature' | 'sbom' | 'vulnerabilityScan';
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
  { id: 'signature', description: 'keyless signature by the release workflow', subcommand: 'verify' },
  { id: 'sbom', description: 'CycloneDX SBOM attestation', subcommand: 'verify-attestation', type: COSIGN_ATTESTATION_TYPES.sbom },
  {
    id: 'vulnerabilityScan',
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

/** A regular expression (bash `[[ =~ ]]`, ERE) that only an image reference by digest matches. */
export const DIGEST_REFERENCE_ERE = '^[^@[:space:]]+@sha256:[a-f0-9]{64}$';

/**
 * One check as a shell command line for a workflow step, reading the image and the identity from
 * environment variables (`IMAGE`, `CERTIFICATE_IDENTITY`, `CERTIFICATE_OIDC_ISSUER`), never from
 * an expression inside `run:`.
 */
/** What the words of a check are written with: shell expansions in generated scripts, literal values for people. */
export interface GateCheckValues {
  readonly certificateIdentity: string;
  readonly certificateOidcIssuer: string;
  readonly image: string;
  /** The Rego policy for the scan check. @default - no `--policy` */
  readonly policy?: string;
}

/**
 * The cosign words of one check, grouped as they belong together (the subcommand, each flag with
 * its value, the image): the one builder behind the deploy-gate workflow, the release job's
 * self-check and the customer README's commands.
 */
export function gateCheckWords(check: GateCheck, parameters: GateParameters, values: GateCheckValues): string[][] {
  const words: string[][] = [[check.subcommand], ...parameters.formatFlags.map((flag) => [flag])];
  words.push(['--certificate-identity', values.certificateIdentity], ['--certificate-oidc-issuer', values.certificateOidcIssuer]);
  words.push(['--certificate-github-workflow-trigger', parameters.githubWorkflowTrigger], ['--certificate-github-workflow-repository', parameters.githubWorkflowRepository]);
  if (check.type) words.push(['--type', check.type]);
  if (check.policy && values.policy) words.push(['--policy', values.policy]);
  words.push([values.image]);
  return words;
}

/** One check as a line of a generated script, reading the identity and image from shell variables. */
export function gateCheckCommand(check: GateCheck, parameters: GateParameters, policyPath?: string): string {
  const values = {
    certificateIdentity: '"${CERTIFICATE_IDENTITY}"',
    certificateOidcIssuer: '"${CERTIFICATE_OIDC_ISSUER}"',
    image: '"${IMAGE}"',
    policy: policyPath === undefined ? undefined : `"${policyPath}"`,
  };
  return ['cosign', ...gateCheckWords(check, parameters, values).flat(), '> /dev/null'].join(' ');
}
