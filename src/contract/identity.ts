import { signatureFormatOf, type AdmissionEngineName, type SignatureFormat } from './engines';
import { escapeRegExp } from './patterns';

/**
 * The contract between the release workflow and the admission policies. Both sides read these
 * functions; nothing here is ever copied by hand into a template. Renaming the workflow file or
 * the branch in the customer file moves the workflow path and the policy subject together.
 */

/**
 * Fulcio's source-repository-identifier extension: GitHub's numeric repository ID as a DER
 * UTF8String. A repository deleted and re-created under the same name (repo-jacking) keeps the
 * subject and changes this ID.
 */
export const SOURCE_REPOSITORY_IDENTIFIER_OID = '1.3.6.1.4.1.57264.1.15';

/** GitHub Actions' OIDC token issuer, as Fulcio writes it into the certificate. */
export const GITHUB_ACTIONS_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

export interface SigningIdentity {
  /** OIDC issuer the certificate must carry. */
  readonly issuer: string;
  /** Exact certificate subject (SAN URI): the workflow file at the release branch. */
  readonly subject: string;
  /** The same subject as an anchored regular expression (for verifiers that take only a regexp). */
  readonly subjectRegExp: string;
  /** `owner/repository` of the customer's source repository. */
  readonly repository: string;
  /** Path of the workflow file inside the repository. */
  readonly workflowPath: string;
  /** Git ref the workflow must run on. */
  readonly ref: string;
  /** Trigger the workflow must have been started by. */
  readonly trigger: 'push';
}

/** The fields of a customer's `github` section the identity is built from. */
export interface GitHubCoordinates {
  readonly owner: string;
  readonly repository: string;
  readonly workflow: string;
  readonly branch: string;
}

/** Path of a workflow file inside the repository. */
export function workflowPathOf(workflowFile: string): string {
  return `.github/workflows/${workflowFile}`;
}

/** The keyless identity that signs this customer's images and that admission demands. */
export function signingIdentity(customer: { readonly github: GitHubCoordinates }): SigningIdentity {
  const { owner, repository, workflow, branch } = customer.github;
  const workflowPath = workflowPathOf(workflow);
  const ref = `refs/heads/${branch}`;
  const subject = `https://github.com/${owner}/${repository}/${workflowPath}@${ref}`;
  return {
    issuer: GITHUB_ACTIONS_OIDC_ISSUER,
    subject,
    subjectRegExp: `^${escapeRegExp(subject)}$`,
    repository: `${owner}/${repository}`,
    workflowPath,
    ref,
    trigger: 'push',
  };
}

/** Decides the signature format from the admission engine; the workflow and the policy both call this. */
export function signatureFormat(customer: { readonly admission: { readonly engine: AdmissionEngineName } }): SignatureFormat {
  return signatureFormatOf(customer.admission.engine);
}

/** cosign flags that select the signature format when signing or attesting. */
export function cosignFormatFlags(format: SignatureFormat): string[] {
  return format === 'legacy' ? ['--new-bundle-format=false', '--use-signing-config=false'] : [];
}

/**
 * cosign flags that make a verifier read exactly the format `signatureFormat` chose, so a check
 * before deployment fails where admission would (a legacy-only verifier ignores referrers).
 */
export function cosignVerifyFormatFlags(format: SignatureFormat): string[] {
  return format === 'legacy' ? ['--new-bundle-format=false'] : ['--new-bundle-format=true'];
}

/** Image reference globs admission treats as the customer's own images. */
export function imageReferencePatterns(customer: { readonly admission: { readonly imageReferences: readonly string[] } }): readonly string[] {
  return customer.admission.imageReferences;
}

/** In-toto predicate types of the two attestations. */
export const PREDICATE_TYPES = {
  sbom: 'https://cyclonedx.org/bom',
  vulnerabilityScan: 'https://cosign.sigstore.dev/attestation/vuln/v1',
} as const;

/** `cosign attest --type` values matching PREDICATE_TYPES. */
export const COSIGN_ATTESTATION_TYPES = {
  sbom: 'cyclonedx',
  vulnerabilityScan: 'vuln',
} as const;
