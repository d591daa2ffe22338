import { z } from 'zod';
import { registryIdentitySchema } from './registry-identity';
import {
  ADMISSION_ENGINE_DESCRIPTORS,
  ADMISSION_ENGINE_NAMES,
  BRANCH_NAME,
  CALENDAR_DATE,
  DEFAULT_ADMISSION_ENGINE,
  DEFAULT_REVIEW_INTERVAL_DAYS,
  DEPLOY_GATE_WORKFLOW,
  DIGEST_PINNED_IMAGE,
  DNS_LABEL,
  GO_DURATION,
  SYSTEM_NAMESPACES,
  GITOPS_NAMESPACES,
  goDurationSeconds,
  isCalendarDate,
} from '../contract';
import { maxCronIntervalSeconds } from './cron-schedule';
import { globMatches } from './globs';
import { uncoveredReleaseReferences } from './image-references';
import { dependencyUpdatesSchema } from './dependency-updates-schema';
import { monitoringSchema } from './monitoring-schema';

/**
 * The schema of one customer description: the value of the config key `supply-chain:customer`
 * in `stacks/Pulumi.<customer>.yaml`.
 *
 * Every object is strict, so a misspelled field is an error rather than a silently ignored
 * setting. Every message says what is expected and how to fix it; `found` values are added by
 * the error formatter. Defaults use `prefault`, which runs the default through the schema so
 * that nested defaults apply too.
 */

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const WORKFLOW_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;
/**
 * A git branch name that is also safe inside a certificate subject and a regular expression. The
 * character set already keeps out what `git check-ref-format` refuses anywhere (control
 * characters, space, `~^:?*[\\`, `@{`); `gitRefProblem` checks the rest.
 */
const BRANCH = BRANCH_NAME;

/** What `git check-ref-format --branch` would refuse in a name that passes BRANCH, if anything. */
export function gitRefProblem(branch: string): string | undefined {
  if (branch.includes('..')) return 'contains ".."';
  if (branch.includes('//')) return 'contains "//"';
  if (branch.endsWith('/')) return 'ends with "/"';
  if (branch.endsWith('.')) return 'ends with "."';
  const components = branch.split('/');
  if (components.some((component) => component.startsWith('.'))) return 'has a path component starting with "."';
  if (components.some((component) => component.endsWith('.lock'))) return 'has a path component ending in ".lock"';
  return undefined;
}

export { SYSTEM_NAMESPACES, DEFAULT_REVIEW_INTERVAL_DAYS };
/** The shortest scan age admission may demand: shorter, nearly every running image's scan is too old. */
const MIN_SCAN_MAX_AGE_SECONDS = 3600;
/** OCI distribution-spec repository: a registry host, then lower-case path components. */
const IMAGE_REPOSITORY =
  /^(?<registry>[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]+)?)\/(?<path>[a-z0-9]+([._-]{1,2}[a-z0-9]+|__[a-z0-9]+)*(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+|__[a-z0-9]+)*)*)$/;
/** Kubernetes-style glob: letters, digits, `-`, `.` and `*`/`?` wildcards. */
const NAMESPACE_GLOB = /^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;
const IMAGE_GLOB = /^[A-Za-z0-9.:/_@*?-]+$/;
const CRON_FIELD = /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*$/;

/**
 * How Pulumi hands an UNQUOTED date of a stack file to the program: its YAML library reads
 * `lastReviewed: 2026-09-01` as a timestamp and the config carries "2026-09-01 00:00:00 +0000 UTC".
 * `scb validate` (YAML 1.2) reads the same text as "2026-09-01", so both are taken as that date.
 */
const PULUMI_MIDNIGHT_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) 00:00:00 \+0000 UTC$/;

/** A real calendar date written as YYYY-MM-DD (2026-02-30 is refused). */
export const calendarDate = z.preprocess((value) => (typeof value === 'string' ? value.replace(PULUMI_MIDNIGHT_TIMESTAMP, '$1') : value), z.string({ error: 'expected a date written as YYYY-MM-DD' }).check((ctx) => {
  if (!CALENDAR_DATE.test(ctx.value)) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: 'is not a date in the form YYYY-MM-DD; write it as, for example, 2026-09-01',
    });
    return;
  }
  if (!isCalendarDate(ctx.value)) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: 'is not a real calendar date; check the month and the day',
    });
  }
}));

const cronExpression = z.string({ error: 'expected a five-field cron expression, e.g. "0 */6 * * *"' }).check((ctx) => {
  const fields = ctx.value.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((field) => CRON_FIELD.test(field))) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: 'is not a five-field cron expression (minute hour day-of-month month day-of-week); for every 6 hours write "0 */6 * * *"',
    });
    return;
  }
  try {
    maxCronIntervalSeconds(ctx.value);
  } catch (error) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `is not a schedule cron can run: ${(error as Error).message}; for every 6 hours write "0 */6 * * *"`,
    });
  }
});

const goDuration = z
  .string({ error: 'expected a Go duration such as "168h"' })
  .regex(GO_DURATION, { error: 'is not a Go duration; write hours, minutes and seconds such as "168h" or "90m"' })
  .refine((value) => value !== '', { error: 'is empty; write a duration such as "168h"' });

/**
 * A field that moved: refused with the new place in the message, so an old customer file gets a
 * fix instead of "unrecognized key".
 */
const movedTo = (to: string) =>
  z.unknown().optional().check((ctx) => {
    if (ctx.value === undefined) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `is set here, but the vulnerability rule moved into one block that the release job, admission, the deploy gate and the rescanner share. Fix: write it as ${to} (see docs/release-workflow.md)`,
    });
  });

const positiveDays = (what: string) =>
  z.int({ error: `expected a whole number of days for ${what}` }).min(1, { error: `must be at least 1 day` }).max(3650, { error: 'must be at most 3650 days' });

export const githubSchema = z.strictObject({
  /** Organisation or user that owns the repository. */
  owner: z.string({ error: 'expected the GitHub organisation or user name' }).regex(GITHUB_OWNER, {
    error: 'is not a GitHub owner name (letters, digits and single hyphens, at most 39 characters)',
  }),
  /** Repository name, without the owner. */
  repository: z.string({ error: 'expected the GitHub repository name without the owner' }).regex(GITHUB_REPOSITORY, {
    error: 'is not a GitHub repository name (letters, digits, ".", "_" and "-"; no owner, no slash)',
  }),
  /**
   * GitHub's numeric repository ID, pinned in the signing certificate's source-repository-identifier
   * extension (Fulcio OID 1.3.6.1.4.1.57264.1.15) where the verifier can check it: a repository
   * deleted and re-created under the same name by someone else has another ID.
   * @default - read from GitHub at delivery (`pulumi up`); checked nowhere on a plain `scb synth`
   */
  repositoryId: z.int({ error: 'expected the numeric repository ID (gh api repos/OWNER/REPO --jq .id)' }).min(1, { error: 'must be a positive number; read it with gh api repos/OWNER/REPO --jq .id' }).optional(),
  /** File name of the release workflow under `.github/workflows`. */
  workflow: z
    .string({ error: 'expected a workflow file name such as "release.yml"' })
    .regex(WORKFLOW_FILE, { error: 'is not a workflow file name; give a bare file name ending in .yml or .yaml, such as "release.yml"' })
    .refine((value) => value !== DEPLOY_GATE_WORKFLOW, { error: 'is the file name of the generated deploy-gate workflow; choose another name, such as "release.yml"' })
    .default('release.yml'),
  /** Release branch whose pushes are built, signed and admitted. */
  branch: z
    .string({ error: 'expected a branch name such as "main"' })
    .regex(BRANCH, { error: 'is not a plain branch name; give it without "refs/heads/", e.g. "main" or "release/v2"' })
    .refine((value) => !value.startsWith('refs/'), { error: 'must be a branch name without "refs/heads/"' })
    .check((ctx) => {
      const problem = BRANCH.test(ctx.value) ? gitRefProblem(ctx.value) : undefined;
      if (problem) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `is not a branch name git accepts: it ${problem} (see git check-ref-format), so no release could ever run on it. Fix: write the branch exactly as git shows it, e.g. "main" or "release/v2"`,
        });
      }
    })
    .default('main'),
}, { error: 'expected a mapping with owner and repository (and optionally workflow and branch)' });

/** Namespaces the GitOps controllers run in (Flux, Argo CD): never production namespaces either. */
const GITOPS_CONTROLLERS = [
  { name: GITOPS_NAMESPACES.flux, controller: 'Flux' },
  { name: GITOPS_NAMESPACES.argocd, controller: 'Argo CD' },
] as const;

/**
 * The namespace of an in-cluster Service URL (`http://<svc>.<namespace>.svc[.cluster.local]:port`),
 * or undefined for any other host.
 */
export function serviceNamespaceOf(url: string): string | undefined {
  try {
    return /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** Indexes of namespace globs that match `namespace` (a namespace the bundle or its peers run in). */
export function globsMatching(globs: readonly string[], namespace: string): number[] {
  return globs.flatMap((glob, index) => (NAMESPACE_GLOB.test(glob) && globMatches(glob, namespace) ? [index] : []));
}

export const admissionSchema = z.strictObject({
  /**
   * Which Kyverno policy family verifies images. `ImageValidatingPolicy` needs Kyverno 1.17 or
   * later; `ClusterPolicy` is for clusters still on an older Kyverno.
   */
  engine: z
    .enum(ADMISSION_ENGINE_NAMES, { error: `expected ${ADMISSION_ENGINE_NAMES.map((name) => ADMISSION_ENGINE_DESCRIPTORS[name].summary).join(' or ')}` })
    .default(DEFAULT_ADMISSION_ENGINE),
  /** Image reference globs the customer's own images match; derived from `image` when absent. */
  imageReferences: z
    .array(z.string().regex(IMAGE_GLOB, { error: 'is not an image reference glob such as "ghcr.io/acme/services:*"' }), {
      error: 'expected a list of image reference globs',
    })
    .min(1, { error: 'must list at least one image reference glob, or be left out to derive it from image' })
    .optional(),
  /** Namespace globs of the customer's production namespaces. */
  namespaces: z
    .array(z.string().regex(NAMESPACE_GLOB, { error: 'is not a namespace glob (lower-case letters, digits, "-", "*" and "?")' }).check((ctx) => {
      const system = NAMESPACE_GLOB.test(ctx.value) ? SYSTEM_NAMESPACES.filter((namespace) => globMatches(ctx.value, namespace)) : [];
      if (system.length > 0) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `matches the system namespace${system.length > 1 ? 's' : ''} ${system.join(', ')}; rule 4 would refuse every pod there that is not the customer's signed image (the control plane, Kyverno, the bundle's own rescanner, Trivy server and drift agent). Fix: list only the customer's production namespaces, e.g. "production-*"`,
        });
      }
      const gitops = NAMESPACE_GLOB.test(ctx.value) ? GITOPS_CONTROLLERS.filter(({ name }) => globMatches(ctx.value, name)) : [];
      if (gitops.length > 0) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `matches ${gitops.map(({ name, controller }) => `${name} (${controller})`).join(' and ')}; rule 4 would refuse the GitOps controller's own pods, and with them every later sync. Fix: list only the customer's production namespaces, e.g. "production-*"`,
        });
      }
    }), {
      error: 'expected a list of namespace globs such as ["production-*"]',
    })
    .min(1, { error: 'must list at least one namespace glob' })
    .default(['production-*']),
  /**
   * Days an allowlist entry keeps exempting after its review was due (lastReviewed +
   * reviewIntervalDays); then the cluster stops exempting it by itself. @default 14
   */
  allowlistGraceDays: z.int({ error: 'expected a whole number of days' }).min(0, { error: 'must not be negative' }).max(365, { error: 'must be at most 365 days' }).default(14),
}, { error: 'expected a mapping with engine, imageReferences, namespaces or allowlistGraceDays' });

export const enforcementSchema = z.strictObject({
  /** Day the customer was onboarded; the soft period starts here. */
  onboardedAt: calendarDate,
  /** Days of audit-only admission before the policies enforce. */
  softDays: z.int({ error: 'expected a whole number of days' }).min(0, { error: 'must not be negative' }).max(365, { error: 'must be at most 365 days' }).default(30),
  /** Explicit override of the date-driven mode. */
  mode: z.enum(['audit', 'enforce'], { error: 'expected "audit" or "enforce", or leave it out to follow the soft period' }).optional(),
  /** Days before the flip from which an alert names the workloads the flip would refuse. @default 7 */
  warnDaysBeforeFlip: z.int({ error: 'expected a whole number of days' }).min(1, { error: 'must be at least 1 day' }).max(365, { error: 'must be at most 365 days' }).default(7),
}, { error: 'expected a mapping with onboardedAt (YYYY-MM-DD), and optionally softDays, mode and warnDaysBeforeFlip' });

export const scanSchema = z.strictObject({
  /**
   * Opt-in scan freshness, as a Go duration: when set, admission refuses a CHANGE (a new workload
   * or bare pod, or an update that adds an image) whose scan attestation is older than this.
   * Never a pod that a controller recreates: see docs/admission.md. @default - no freshness check
   */
  maxAge: goDuration
    .refine((value) => !GO_DURATION.test(value) || value === '' || goDurationSeconds(value) >= MIN_SCAN_MAX_AGE_SECONDS, {
      error: 'is shorter than one hour; admission refuses a new workload whose newest scan is older than maxAge, so nearly every release would be refused. Fix: write at least "1h", e.g. "168h", or leave maxAge out (no freshness check)',
    })
    .optional(),
  /** Moved to `vulnerabilities.graceDays`. */
  criticalGraceDays: movedTo('vulnerabilities.graceDays'),
  /** Cron schedule of the in-cluster rescanner. */
  rescanSchedule: cronExpression.default('0 */6 * * *'),
}, { error: 'expected a mapping with maxAge or rescanSchedule' });

export const stalenessSchema = z.strictObject({
  /** Days after its build that a running image counts as stale. */
  maxImageAgeDays: positiveDays('maxImageAgeDays').default(30),
}, { error: 'expected a mapping with maxImageAgeDays' });


/** Who answers for an exemption or an accepted risk (team or e-mail). */
const ownerSchema = z.string({ error: 'expected the owning team or person' }).trim().min(1, { error: 'must not be empty; name the owning team or person' });

export const allowlistEntrySchema = z.strictObject({
  /** The pinned image, by digest. Exactly one of `image` and `repository`. */
  image: z.string({ error: 'expected an image reference pinned by digest' }).check((ctx) => {
    const value = ctx.value;
    if (DIGEST_PINNED_IMAGE.test(value)) return;
    const [name] = value.split('@');
    const pinned = /@sha256:[a-f0-9]{64}$/.test(value);
    // A pod may write `postgres@sha256:…`, but the allowlist matches references in full.
    const message =
      pinned && !name.includes('/')
        ? `has no registry host; write it in full, e.g. "docker.io/library/${value}" for a Docker Hub official image`
        : pinned && !/^[^/]*[.:]/.test(name) && name.includes('/')
          ? `has no registry host; write it in full, e.g. "docker.io/${value}" for a Docker Hub image`
          : 'is not pinned by digest; write it as registry/repository@sha256:<64 hex digits> (a tag alone can be moved)';
    ctx.issues.push({ code: 'custom', input: value, message });
  }).optional(),
  /**
   * A whole repository, any tag or digest: for a sidecar that the customer's mesh or agent injects
   * by tag, which no digest entry can cover. Weaker than a digest (whatever is pushed there is
   * exempt): see docs/admission.md. Exactly one of `image` and `repository`.
   */
  repository: z.string({ error: 'expected a repository such as "docker.io/istio/proxyv2"' }).regex(IMAGE_REPOSITORY, {
    error: 'is not a repository; write registry/path without a tag or digest, e.g. "docker.io/istio/proxyv2"',
  }).optional(),
  /** Why the image is exempt. */
  reason: z.string({ error: 'expected a short reason for the exemption' }).trim().min(1, { error: 'must not be empty; say why the image is exempt' }),
  /** Who answers for the exemption (team or e-mail). */
  owner: ownerSchema,
  /** Day the entry was last reviewed. */
  lastReviewed: calendarDate,
  /** Days between reviews. */
  reviewIntervalDays: positiveDays('reviewIntervalDays').default(DEFAULT_REVIEW_INTERVAL_DAYS),
}, { error: 'expected a mapping with image (or repository), reason, owner and lastReviewed' }).check((ctx) => {
  if (ctx.value.image !== undefined && ctx.value.repository !== undefined) {
    ctx.issues.push({
      code: 'custom',
      path: ['repository'],
      input: ctx.value.repository,
      message: 'must not be given with image; an entry names either a digest-pinned image or a repository (a sidecar injected by tag): remove one, or split the entry in two',
    });
  } else if (ctx.value.image === undefined && ctx.value.repository === undefined) {
    ctx.issues.push({
      code: 'invalid_type',
      expected: 'string',
      path: ['image'],
      input: undefined,
      message: 'expected an image pinned by digest, or a repository instead (for a sidecar a mesh or agent injects by tag)',
    });
  }
});

/** `os/arch` or `os/arch/variant`, as buildx and OCI image indexes write platforms. */
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/;
const GCP_WORKLOAD_IDENTITY_PROVIDER = /^projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/;
const GCP_SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_NAME = /^(?!GITHUB_)[A-Z_][A-Z0-9_]*$/;
/** Registry hosts each login type serves; the image's host must match its registry type. */
export const REGISTRY_HOSTS = {
  ghcr: { pattern: /^ghcr\.io$/, example: 'ghcr.io' },
  ecr: { pattern: /^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/, example: '<account>.dkr.ecr.<region>.amazonaws.com' },
  gar: { pattern: /^[a-z0-9-]+-docker\.pkg\.dev$/, example: '<location>-docker.pkg.dev' },
  acr: { pattern: /^[a-z0-9]+\.azurecr\.io$/, example: '<registry>.azurecr.io' },
  dockerhub: { pattern: /^docker\.io$/, example: 'docker.io' },
  generic: { pattern: /./, example: 'any registry host' },
} as const;
const uuid = (what: string) => z.string({ error: `expected the ${what}, a UUID` }).regex(UUID, { error: `is not a UUID; copy the ${what} from the Azure portal` });

/**
 * How the cluster's Kyverno reads images and their signatures from this registry, when it is
 * private: a cloud workload identity for Kyverno's service accounts (`aws.roleArn` IRSA,
 * `gcp.serviceAccount` GKE Workload Identity, `azure.clientId` Azure workload identity; the
 * policies then name the provider) and/or `secret.name`, a `kubernetes.io/dockerconfigjson`
 * Secret the customer creates in Kyverno's namespace. The same spelling as the rescanner's
 * `monitoring.registryIdentity` (src/model/registry-identity.ts). Without it a private image's
 * verification is an `error`, which flip-check counts as "would be refused" (docs/admission.md).
 * @default - anonymous pulls (a public registry)
 */
const admissionIdentity = { admissionIdentity: registryIdentitySchema.optional() };

/**
 * How the release workflow logs in to the image registry. GHCR uses the job's GITHUB_TOKEN; the
 * cloud registries use OIDC federation (no stored secret); Docker Hub uses an access token secret.
 */
export const registrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** GitHub Container Registry, through the job's GITHUB_TOKEN (`packages: write`). */
    type: z.literal('ghcr'),
    ...admissionIdentity,
  }),
  z.strictObject({
    /** Amazon ECR, through aws-actions/configure-aws-credentials (OIDC) and amazon-ecr-login. The region is read from the image host. */
    type: z.literal('ecr'),
    ...admissionIdentity,
    /** IAM role the workflow assumes through GitHub's OIDC provider. */
    roleToAssume: z.string({ error: 'expected the ARN of the IAM role to assume, e.g. "arn:aws:iam::123456789012:role/release"' }).regex(AWS_ROLE_ARN, {
      error: 'is not an IAM role ARN; write it as arn:aws:iam::<12-digit account>:role/<name>',
    }),
  }),
  z.strictObject({
    /** Google Artifact Registry, through google-github-actions/auth (workload identity federation). */
    type: z.literal('gar'),
    ...admissionIdentity,
    /** Full resource name of the workload identity provider. */
    workloadIdentityProvider: z.string({ error: 'expected the workload identity provider resource name' }).regex(GCP_WORKLOAD_IDENTITY_PROVIDER, {
      error: 'is not a workload identity provider; write it as projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>',
    }),
    /** Service account the workflow impersonates to push. */
    serviceAccount: z.string({ error: 'expected the service account e-mail' }).regex(GCP_SERVICE_ACCOUNT, {
      error: 'is not a service account e-mail; write it as <name>@<project>.iam.gserviceaccount.com',
    }),
  }),
  z.strictObject({
    /** Azure Container Registry, through azure/login (OIDC federated credential) and `az acr login`. */
    type: z.literal('acr'),
    ...admissionIdentity,
    /** Application (client) ID of the federated identity. */
    clientId: uuid('application (client) ID'),
    /** Directory (tenant) ID. */
    tenantId: uuid('directory (tenant) ID'),
    /** Subscription ID that holds the registry. */
    subscriptionId: uuid('subscription ID'),
  }),
  z.strictObject({
    /** Docker Hub, through docker/login-action with a personal or organisation access token. */
    type: z.literal('dockerhub'),
    ...admissionIdentity,
    /** Docker Hub user or organisation the token belongs to. */
    username: z.string({ error: 'expected the Docker Hub user name' }).regex(/^[a-z0-9][a-z0-9_-]{1,29}$/, { error: 'is not a Docker Hub user name (lower-case letters, digits, "-" and "_")' }),
    /** Name of the repository secret holding the access token (never the token itself). @default DOCKERHUB_TOKEN */
    tokenSecret: z.string({ error: 'expected the name of a repository secret' }).regex(SECRET_NAME, {
      error: 'is not a GitHub secret name; use upper-case letters, digits and "_", not starting with GITHUB_',
    }).default('DOCKERHUB_TOKEN'),
  }),
  z.strictObject({
    /** Any other registry (Harbor, Quay, a self-hosted one), through docker/login-action with a user name and a password secret. */
    type: z.literal('generic'),
    ...admissionIdentity,
    /** Registry user (or robot account) name. */
    username: z.string({ error: 'expected the registry user name' }).trim().min(1, { error: 'must not be empty; give the registry user or robot account' }),
    /** Name of the repository secret holding the password or token (never the value itself). */
    passwordSecret: z.string({ error: 'expected the name of a repository secret' }).regex(SECRET_NAME, {
      error: 'is not a GitHub secret name; use upper-case letters, digits and "_", not starting with GITHUB_',
    }),
  }),
], { error: 'expected a mapping whose type is one of ghcr, ecr, gar, acr, dockerhub, generic' });

export const releaseSchema = z.strictObject({
  /**
   * Platforms to build, e.g. ["linux/amd64", "linux/arm64"]. Empty builds the runner's own
   * platform only. With several, the index and every platform manifest are signed.
   * @default []
   */
  platforms: z
    .array(z.string().regex(PLATFORM, { error: 'is not a platform; write os/arch or os/arch/variant, e.g. "linux/arm64" or "linux/arm/v7"' }), {
      error: 'expected a list of platforms such as ["linux/amd64", "linux/arm64"]',
    })
    .refine((list) => new Set(list).size === list.length, { error: 'repeats a platform; list each once' })
    .default([]),
  /** Moved to `vulnerabilities.severity` (one lowest blocking severity). */
  failOnSeverities: movedTo('vulnerabilities.severity (the lowest severity that blocks, e.g. HIGH)'),
  /** Moved to `vulnerabilities.fixableOnly`. */
  fixableOnly: movedTo('vulnerabilities.fixableOnly'),
  /** Also publish GitHub artifact attestations (build provenance); adds `attestations: write`. @default false */
  githubAttestations: z.boolean({ error: 'expected true or false' }).default(false),
}, { error: 'expected a mapping with platforms or githubAttestations' });

/** A vulnerability ID as Trivy reports it: CVE-2024-1234, GHSA-xxxx-xxxx-xxxx, DLA-1234-1, ... */
const VULNERABILITY_ID = /^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** An image repository, or one digest of it, as an accepted risk's scope. */
const RISK_IMAGE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?\/[a-z0-9._/-]+(@sha256:[a-f0-9]{64})?$/;

export const acceptedRiskSchema = z.strictObject({
  /** The vulnerability ID exactly as Trivy reports it. */
  cve: z.string({ error: 'expected a vulnerability ID such as "CVE-2024-12345"' }).regex(VULNERABILITY_ID, {
    error: 'is not a vulnerability ID as Trivy reports it; write it like "CVE-2024-12345" or "GHSA-xxxx-xxxx-xxxx" (upper-case prefix)',
  }),
  /** Why the risk is accepted. */
  reason: z.string({ error: 'expected a short reason for accepting the risk' }).trim().min(1, { error: 'must not be empty; say why the risk is accepted' }),
  /** Who answers for it (team or e-mail). */
  owner: ownerSchema,
  /** Last day (UTC) the entry counts; it is ignored everywhere from the next day on. */
  expires: calendarDate,
  /** Limit the entry to one image repository, or one digest of it. @default - every image of the customer */
  image: z.string({ error: 'expected an image repository or repository@sha256:<digest>' }).regex(RISK_IMAGE, {
    error: 'is not an image repository or repository@sha256:<64 hex digits>; write it like "ghcr.io/acme/services" (no tag)',
  }).optional(),
}, { error: 'expected a mapping with cve, reason, owner and expires (and optionally image)' });

/**
 * The one vulnerability rule: the release job, both admission engines, the deploy gate and the
 * rescanner's alerts judge with it (src/vulnerability-rule).
 */
export const vulnerabilitiesSchema = z.strictObject({
  /** Lowest severity that blocks; stronger ones block too. @default CRITICAL */
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], { error: 'expected one of LOW, MEDIUM, HIGH, CRITICAL (upper case): the lowest severity that blocks' }).default('CRITICAL'),
  /** Days after its publication that a blocking finding starts to block. @default 7 */
  graceDays: z.int({ error: 'expected a whole number of days' }).min(0, { error: 'must not be negative' }).max(365, { error: 'must be at most 365 days' }).default(7),
  /** Block only findings with a fixed version. @default false */
  fixableOnly: z.boolean({ error: 'expected true or false' }).default(false),
  /** Accepted risks, each with an owner and an expiry. @default [] */
  acceptedRisks: z.array(acceptedRiskSchema, { error: 'expected a list of accepted risks' }).default([]),
}, { error: 'expected a mapping with severity, graceDays, fixableOnly or acceptedRisks' });

export const customerSchema = z.strictObject({
  /** DNS-1123 label, unique across stacks/. */
  name: z.string({ error: 'expected the customer name, a DNS-1123 label such as "acme"' }).regex(DNS_LABEL, {
    error: 'is not a DNS-1123 label; use lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
  }),
  github: githubSchema,
  /** The repository the workflow pushes to, lower case, no tag, no digest. */
  image: z.string({ error: 'expected the image repository, e.g. "ghcr.io/acme/services"' }).check((ctx) => {
    const value = ctx.value;
    let problem: string | undefined;
    if (value.includes('@')) problem = 'carries a digest; give the repository only, e.g. "ghcr.io/acme/services"';
    else if (value.includes('/') && (value.split('/').pop() ?? '').includes(':'))
      problem = 'carries a tag; give the repository only, without ":tag"';
    else if (value !== value.toLowerCase())
      problem = `has upper-case letters, but OCI repository names are lower case; write "${value.toLowerCase()}"`;
    else if (!value.includes('/')) problem = 'has no registry host; write it in full, e.g. "ghcr.io/acme/services" or "docker.io/acme/services"';
    else if (!IMAGE_REPOSITORY.test(value)) problem = 'is not an OCI repository name (registry host, then lower-case path components)';
    if (problem) ctx.issues.push({ code: 'custom', input: value, message: problem });
  }),
  admission: admissionSchema.prefault({}),
  enforcement: enforcementSchema,
  scan: scanSchema.prefault({}),
  staleness: stalenessSchema.prefault({}),
  allowlist: z.array(allowlistEntrySchema, { error: 'expected a list of allowlist entries' }).default([]),
  /** The in-cluster monitoring bundle: rescanner, alerts, dashboards and drift controls. */
  monitoring: monitoringSchema.prefault({}),
  /** How the release workflow logs in to the image registry; inferred for ghcr.io images. */
  registry: registrySchema.optional(),
  /** Release workflow options: platforms, GitHub artifact attestations. */
  release: releaseSchema.prefault({}),
  /** The one vulnerability rule, judged by the release job, admission, the deploy gate and the rescanner. */
  vulnerabilities: vulnerabilitiesSchema.prefault({}),
  /** How Dependabot keeps the customer repository's pins current: cooldown, interval, Dockerfiles. */
  dependencyUpdates: dependencyUpdatesSchema.prefault({}),
}, { error: 'expected a mapping with name, github, image and enforcement' }).check((ctx) => {
  const pushgatewayNamespace = serviceNamespaceOf(ctx.value.monitoring.pushgatewayUrl);
  if (!pushgatewayNamespace) return;
  for (const index of globsMatching(ctx.value.admission.namespaces, pushgatewayNamespace)) {
    ctx.issues.push({
      code: 'custom',
      path: ['admission', 'namespaces', index],
      input: ctx.value.admission.namespaces[index],
      message: `matches ${pushgatewayNamespace}, the namespace of the Pushgateway (monitoring.pushgatewayUrl); rule 4 would refuse the Pushgateway and Prometheus pods there, and the rescanner's metrics would stop. Fix: list only the customer's production namespaces, e.g. "production-*"`,
    });
  }
}).check((ctx) => {
  const { image, admission } = ctx.value;
  const globs = admission.imageReferences;
  if (globs === undefined || !IMAGE_REPOSITORY.test(image) || !globs.every((glob) => IMAGE_GLOB.test(glob))) return;
  const uncovered = uncoveredReleaseReferences(image, globs);
  if (uncovered.length > 0) {
    ctx.issues.push({
      code: 'custom',
      path: ['admission', 'imageReferences'],
      input: globs,
      message: `expected globs that match the image the workflow signs, but none of ${globs.map((glob) => JSON.stringify(glob)).join(', ')} matches ${uncovered.join(' or ')}: the policies would never verify the signed image and rule 4 would refuse every release. Fix: add "${image}:*" and "${image}@*", or leave imageReferences out to derive them from image`,
    });
  }
}).check((ctx) => {
  const { image, registry } = ctx.value;
  const host = image.split('/')[0];
  if (registry === undefined) {
    if (!REGISTRY_HOSTS.ghcr.pattern.test(host)) {
      ctx.issues.push({
        code: 'custom',
        path: ['registry'],
        input: undefined,
        message: `expected a registry login for ${host}: only ghcr.io images log in without one. Fix: add registry with type ecr, gar, acr, dockerhub or generic (see docs/customer-file.md#registry-types)`,
      });
    }
    return;
  }
  const mismatch = registryTypeMismatch(image, registry.type);
  if (mismatch) ctx.issues.push({ code: 'custom', path: ['registry', 'type'], input: registry.type, message: mismatch });
});

/**
 * Why a registry type cannot log in to the image's host, or undefined when it can. Also run on
 * the raw input when other fields fail, so a wrong type is reported with them (the type decides
 * which fields are allowed, so it is the first thing to fix).
 */
export function registryTypeMismatch(image: string, type: string): string | undefined {
  if (!Object.hasOwn(REGISTRY_HOSTS, type)) return undefined;
  const host = image.split('/')[0];
  const expected = REGISTRY_HOSTS[type as keyof typeof REGISTRY_HOSTS];
  if (expected.pattern.test(host)) return undefined;
  const fitting = (Object.keys(REGISTRY_HOSTS) as (keyof typeof REGISTRY_HOSTS)[]).find((candidate) => candidate !== 'generic' && REGISTRY_HOSTS[candidate].pattern.test(host));
  return `does not match the image host ${host}; registry type ${type} serves ${expected.example}. Fix: correct image or registry.type${fitting ? ` (${host} is served by type ${fitting})` : ''}`;
}

export type CustomerInput = z.input<typeof customerSchema>;
export type CustomerParsed = z.output<typeof customerSchema>;
