import type { Customer } from '../model/customer';
import {
  type SignatureFormat,
  COSIGN_ATTESTATION_TYPES,
  cosignVerifyFormatFlags,
  signatureFormat,
  signingIdentity,
} from '../contract';

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
  /** The signature format itself (the repository-ID check reads certificates differently per format). */
  readonly format: SignatureFormat;
  /**
   * GitHub's numeric repository ID the signing certificate must carry (Fulcio OID .15), from
   * `github.repositoryId` or, at delivery, from GitHub. No cosign flag checks it: the gate reads
   * the certificates (`repository-id.ts`).
   * @default - not pinned: the gate checks the owner/name only
   */
  readonly repositoryId?: string;
}

export function gateParameters(customer: Pick<Customer, 'github' | 'admission'>): GateParameters {
  const identity = signingIdentity(customer);
  const format = signatureFormat(customer);
  return {
    certificateIdentity: identity.subject,
    certificateOidcIssuer: identity.issuer,
    githubWorkflowTrigger: identity.trigger,
    githubWorkflowRepository: identity.repository,
    formatFlags: cosignVerifyFormatFlags(format),
    format,
    ...(customer.github.repositoryId !== undefined ? { repositoryId: String(customer.github.repositoryId) } : {}),
  };
}

/** One identity check: the cosign flag, the value it demands, and the shell variable that carries it. */
export interface IdentityFlag {
  readonly flag: string;
  readonly value: string;
  readonly variable: string;
}

/**
 * Every identity flag a verifier of this customer passes, in order: subject, issuer, and the Fulcio
 * extensions trigger (`push`) and repository. The one list the README, the deploy gate script and
 * the workflows render, so a hand-run check accepts exactly what the gate accepts.
 */
export function identityFlags(parameters: GateParameters): IdentityFlag[] {
  return [
    { flag: '--certificate-identity', value: parameters.certificateIdentity, variable: 'CERTIFICATE_IDENTITY' },
    { flag: '--certificate-oidc-issuer', value: parameters.certificateOidcIssuer, variable: 'CERTIFICATE_OIDC_ISSUER' },
    { flag: '--certificate-github-workflow-trigger', value: parameters.githubWorkflowTrigger, variable: 'GITHUB_WORKFLOW_TRIGGER' },
    { flag: '--certificate-github-workflow-repository', value: parameters.githubWorkflowRepository, variable: 'GITHUB_WORKFLOW_REPOSITORY' },
  ];
}

/** The identity values as environment variables, for workflow steps (`env:`). */
export function identityEnvironment(parameters: GateParameters): Record<string, string> {
  return Object.fromEntries(identityFlags(parameters).map((entry) => [entry.variable, entry.value]));
}

/** How a rendering spells the values in a command. */
export interface CommandSpelling {
  /** The image argument (a reference or a variable). */
  readonly image: string;
  /** An identity flag's value: a quoted literal, or its variable. */
  readonly identity: (entry: IdentityFlag) => string;
  /** The Rego policy path of the scan check. @default - no `--policy` */
  readonly policy?: string;
}

/**
 * THE cosign command builder: one check as an argument list, format flags (legacy or bundle),
 * identity flags, attestation type and policy included. The README's hand-verification commands,
 * the deploy gate's checks and the release workflow's self-check are all rendered from it.
 */
export function cosignCheckArguments(check: GateCheck, parameters: GateParameters, spelling: CommandSpelling): string[] {
  const args = ['cosign', check.subcommand, ...parameters.formatFlags];
  for (const entry of identityFlags(parameters)) args.push(entry.flag, spelling.identity(entry));
  if (check.type) args.push('--type', check.type);
  if (check.policy && spelling.policy) args.push('--policy', spelling.policy);
  args.push(spelling.image);
  return args;
}

/** A regular expression (bash `[[ =~ ]]`, ERE) that only an image reference by digest matches. */
export const DIGEST_REFERENCE_ERE = '^[^@[:space:]]+@sha256:[a-f0-9]{64}$';

/**
 * One check as a shell command line for a workflow step, reading the image and every identity
 * value from environment variables (`IMAGE`, `identityEnvironment`), never from an expression
 * inside `run:`.
 */
export function gateCheckCommand(check: GateCheck, parameters: GateParameters, policyPath?: string): string {
  return [
    ...cosignCheckArguments(check, parameters, {
      image: '"${IMAGE}"',
      identity: (entry) => `"\${${entry.variable}}"`,
      ...(policyPath ? { policy: `"${policyPath}"` } : {}),
    }),
    '> /dev/null',
  ].join(' ');
}
