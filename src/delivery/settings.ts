import { isAbsolute, join } from 'node:path';
import { BRANCH_NAME, DNS_LABEL, KYVERNO_NAMESPACE } from '../contract';
import { LineCounter, parse, parseDocument } from 'yaml';
import { configFieldErrors } from '../model/config-errors';
import { z } from 'zod';
import { PULUMI_PROJECT, type FieldError } from '../model/load';

/**
 * Pulumi-only settings of one stack, under the config key `supply-chain:delivery`. They say HOW
 * a customer's bundle is delivered (which kube context, whether the workflow lands by pull
 * request, which ruleset and environment to create), not WHAT is delivered: no synthesized file
 * depends on them, so `scb synth` never reads them and they are not customer fields.
 * Secrets live in their own secret keys (see SECRET_CONFIG_KEYS), never here.
 */
export const DELIVERY_CONFIG_KEY = `${PULUMI_PROJECT}:delivery`;

/** Secret stack-config keys, read only with `config.requireSecret`/`getSecret`. */
export const SECRET_CONFIG_KEYS = {
  /** A kubeconfig for the customer's cluster; without it the provider uses $KUBECONFIG or ~/.kube/config. */
  kubeconfig: `${PULUMI_PROJECT}:kubeconfig`,
  /** A GitHub token with contents, pull-requests, administration and variables write on the repository. */
  githubToken: `${PULUMI_PROJECT}:githubToken`,
  /** Or a GitHub App: `{id, installationId, pemFile}` (the PEM text itself, not a path). */
  githubApp: `${PULUMI_PROJECT}:githubApp`,
} as const;

const BRANCH = BRANCH_NAME;
/** GitHub Actions variable names: letters, digits, underscores; not starting with a digit or GITHUB_. */
const VARIABLE_NAME = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/i;

/** Which half of the bundle a stack delivers: the cluster's, the customer repository's, or both. */
export const DELIVERY_HALVES = ['both', 'cluster', 'repository'] as const;
export type DeliveryHalf = (typeof DELIVERY_HALVES)[number];

/** A Kyverno chart from an OCI registry: `oci://host/path/kyverno`. */
const OCI_CHART = /^oci:\/\/[^\s/]+\/\S+$/;

export const deliverySettingsSchema = z.strictObject({
  /**
   * What the stack delivers: `cluster` (namespaces, Kyverno and the cluster artifacts; no GitHub
   * provider, no GitHub secret), `repository` (the customer-repository artifacts; no Kubernetes
   * provider, no kubeconfig), or `both`.
   * @default "both"
   */
  deliver: z.enum(DELIVERY_HALVES, { error: 'expected "both", "cluster" or "repository"' }).default('both'),
  kubernetes: z
    .strictObject({
      /**
       * kubeconfig context of the customer's cluster.
       * @default - the kubeconfig's current context
       */
      context: z.string({ error: 'expected the name of a kubeconfig context' }).min(1, { error: 'must not be empty; leave it out to use the current context' }).optional(),
      /**
       * Namespace Kyverno is installed into.
       * @default "kyverno"
       */
      kyvernoNamespace: z.string({ error: 'expected a namespace name' }).regex(DNS_LABEL, { error: 'is not a namespace name (a DNS-1123 label such as "kyverno")' }).default(KYVERNO_NAMESPACE),
      /**
       * Where the Kyverno chart comes from instead of the upstream Helm repository: an OCI
       * reference (`oci://registry.example/charts/kyverno`, pulled at the pinned chart version) or
       * a chart directory (relative to the project folder), whose Chart.yaml must carry the pinned
       * version.
       * @default - the upstream Helm repository at the pinned version
       */
      kyvernoChart: z
        .string({ error: 'expected an oci:// reference or a chart directory' })
        .min(1, { error: 'must not be empty; leave it out to use the upstream Helm repository' })
        .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || OCI_CHART.test(value), {
          error: 'is neither an oci:// reference (oci://host/path/kyverno) nor a chart directory; for the upstream Helm repository leave it out',
        })
        .optional(),
      /**
       * Whether to wait for pods: `false` installs everything without waiting for any pod to become
       * ready (Kyverno's release and the bundle's groups skip the readiness checks) and turns off
       * the chart's pre-delete hook Jobs, for clusters where no node runs these pods.
       * @default true
       */
      waitForPods: z.boolean({ error: 'expected true or false' }).default(true),
    }, { error: 'expected a mapping with context, kyvernoNamespace, kyvernoChart or waitForPods' })
    .prefault({}),
  github: z
    .strictObject({
      /**
       * `direct` commits the workflow to the release branch; `pull-request` (for a protected
       * branch) pushes it to `pullRequestBranch` and opens a pull request.
       * @default "direct"
       */
      mode: z.enum(['direct', 'pull-request'], { error: 'expected "direct" or "pull-request" (use pull-request when the release branch is protected)' }).default('direct'),
      /**
       * Branch prefix in pull-request mode; each workflow version goes to `<prefix>-<sha256[:8]>`.
       * @default "supply-chain-bundle/<customer>"
       */
      pullRequestBranch: z.string({ error: 'expected a branch name' }).regex(BRANCH, { error: 'is not a plain branch name; give it without "refs/heads/"' }).optional(),
      /**
       * A repository ruleset on the release branch: no deletion, no force push, pull requests
       * with this many approvals, and these status checks. Leave out for no ruleset.
       * @default - no ruleset
       */
      ruleset: z
        .strictObject({
          /** @default 1 */
          requiredApprovals: z.int({ error: 'expected a whole number of approvals' }).min(0, { error: 'must not be negative' }).max(10, { error: 'must be at most 10' }).default(1),
          /** Status check contexts that must pass. @default [] */
          requiredStatusChecks: z.array(z.string().min(1, { error: 'must not be empty' }), { error: 'expected a list of status check names' }).default([]),
        }, { error: 'expected a mapping with requiredApprovals or requiredStatusChecks ({} for the defaults)' })
        .optional(),
      /**
       * A deployment environment, for workflows that gate on one. Leave out for none.
       * @default - no environment
       */
      environment: z
        .strictObject({
          /** Environment name as the workflow refers to it. */
          name: z.string({ error: 'expected the environment name' }).min(1, { error: 'must not be empty' }),
          /** Numeric GitHub user ids that must approve. @default [] */
          reviewerUserIds: z.array(z.int({ error: 'expected numeric GitHub user ids' }), { error: 'expected a list of numeric user ids' }).default([]),
          /** Numeric GitHub team ids that must approve. @default [] */
          reviewerTeamIds: z.array(z.int({ error: 'expected numeric GitHub team ids' }), { error: 'expected a list of numeric team ids' }).default([]),
          /** Allow deployments from protected branches only. @default true */
          protectedBranchesOnly: z.boolean({ error: 'expected true or false' }).default(true),
        }, { error: 'expected a mapping with name (and optionally reviewerUserIds, reviewerTeamIds, protectedBranchesOnly)' })
        .optional(),
      /**
       * Actions variables (`vars.NAME`) to create in the repository. Never put secrets here.
       * @default {}
       */
      variables: z
        .record(z.string().regex(VARIABLE_NAME, { error: 'is not an Actions variable name (letters, digits, "_"; not starting with a digit or GITHUB_)' }), z.string({ error: 'expected a string value' }), {
          error: 'expected a mapping of variable names to values',
        })
        .default({}),
    }, { error: 'expected a mapping with mode, pullRequestBranch, ruleset, environment or variables' })
    .check((ctx) => {
      // A ruleset that demands pull requests would refuse the next direct commit of the workflow.
      if (ctx.value.ruleset && ctx.value.mode === 'direct') {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value.mode,
          path: ['mode'],
          message: 'expected "pull-request" when a ruleset is set, because the ruleset refuses direct commits to the release branch. Fix: set mode: pull-request, or remove the ruleset',
        });
      }
    })
    .prefault({}),
}, { error: 'expected a mapping with deliver, kubernetes and github' });

/** Whether the stack delivers the cluster half. */
export function deliversCluster(settings: DeliverySettings): boolean {
  return settings.deliver !== 'repository';
}

/** Whether the stack delivers the customer-repository half. */
export function deliversRepository(settings: DeliverySettings): boolean {
  return settings.deliver !== 'cluster';
}

/** Where the Kyverno chart comes from, resolved against the project folder. */
export type KyvernoChartSource =
  | { readonly kind: 'repository' }
  | { readonly kind: 'oci'; readonly reference: string }
  | { readonly kind: 'directory'; readonly path: string };

export function kyvernoChartSource(settings: DeliverySettings, projectDir: string): KyvernoChartSource {
  const chart = settings.kubernetes.kyvernoChart;
  if (chart === undefined) return { kind: 'repository' };
  if (chart.startsWith('oci://')) return { kind: 'oci', reference: chart };
  return { kind: 'directory', path: isAbsolute(chart) ? chart : join(projectDir, chart) };
}

export type DeliverySettings = z.output<typeof deliverySettingsSchema>;

/** The branch the workflow is delivered to in pull-request mode. */
export function pullRequestBranch(settings: DeliverySettings, customerName: string): string {
  return settings.github.pullRequestBranch ?? `supply-chain-bundle/${customerName}`;
}

export interface ParsedDeliverySettings {
  readonly settings?: DeliverySettings;
  readonly errors: readonly FieldError[];
}

/**
 * Validates `supply-chain:delivery` in the error style of the customer file: file, line, the
 * field (prefixed with the config key, so it is clear which block is meant), found value and fix.
 * `stackFileText` adds line and column when the stack file is at hand.
 */
export function parseDeliverySettings(value: unknown, file: string, stackFileText?: string): ParsedDeliverySettings {
  const result = deliverySettingsSchema.safeParse(value ?? {});
  if (result.success) return { settings: result.data, errors: [] };
  const lineCounter = new LineCounter();
  const document = stackFileText !== undefined ? { document: parseDocument(stackFileText, { lineCounter }), lineCounter } : undefined;
  return {
    errors: configFieldErrors(result.error.issues, {
      schema: deliverySettingsSchema,
      input: value,
      file,
      configKey: DELIVERY_CONFIG_KEY,
      document,
      // Prefixed with the config key, so it is clear which block of the stack file is meant.
      fieldName: (path) => `${DELIVERY_CONFIG_KEY}${path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('')}`,
    }),
  };
}

/** The `supply-chain:delivery` problems of a stack file's text (none when the block is absent or valid, or the YAML is broken: the customer check reports that). */
export function deliverySettingsProblems(file: string, text: string): FieldError[] {
  let root: unknown;
  try {
    root = parse(text);
  } catch {
    return [];
  }
  const config = root && typeof root === 'object' ? (root as { config?: unknown }).config : undefined;
  const value = config && typeof config === 'object' ? (config as Record<string, unknown>)[DELIVERY_CONFIG_KEY] : undefined;
  return [...parseDeliverySettings(value, file, text).errors];
}
