/**
 * GitHub Actions workflow syntax, typed for the parts the generated workflows write (release and
 * deploy gate). Why our own types: GitHub publishes no TypeScript model for authoring workflows;
 * `@actions/workflow-parser` (a devDependency, used by the tests to parse what we emit) types its
 * converted template tokens, not the YAML, and projen's model would bring projen. These few
 * interfaces follow https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax;
 * actionlint, zizmor and the workflow parser check the result in the tests.
 */

/** A GitHub Actions step, as written into the workflow file. */
export interface WorkflowStep {
  /** Step title shown in the run log. */
  readonly name: string;
  /** @default - no id (other steps cannot read its outputs) */
  readonly id?: string;
  /** `owner/repo@<40-hex sha>` from the pin table. @default - a `run:` step */
  readonly uses?: string;
  /** Action inputs. @default - none */
  readonly with?: Record<string, string | boolean | number>;
  /** Environment: the only way values reach `run:`. @default - none */
  readonly env?: Record<string, string>;
  /** Shell script; never contains `${{ }}`. @default - a `uses:` step */
  readonly run?: string;
  /** @default - the job's timeout */
  readonly 'timeout-minutes'?: number;
}

/** `permissions:` of a workflow or job: scope → `read`, `write` or `none`; `{}` grants nothing. */
export type WorkflowPermissions = Readonly<Record<string, 'read' | 'write' | 'none'>>;

export interface WorkflowJob {
  /** Job title shown in the run. */
  readonly name: string;
  /** A job that must succeed first (its outputs are `needs.<job>.outputs`). @default - none */
  readonly needs?: string;
  /** Runner label. */
  readonly 'runs-on': string;
  readonly 'timeout-minutes': number;
  /** Least privilege: exactly what the job's steps need. */
  readonly permissions: WorkflowPermissions;
  /** Values later jobs read, as `${{ }}` expressions. @default - none */
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps: readonly WorkflowStep[];
}

/** An input or secret a reusable workflow declares (`on.workflow_call`). */
export interface WorkflowCallParameter {
  readonly description: string;
  readonly required: boolean;
  /** Inputs only. @default - a secret (no type) */
  readonly type?: 'string' | 'boolean' | 'number';
}

/** The events the generated workflows run on. */
export interface WorkflowTriggers {
  /** @default - not on push */
  readonly push?: { readonly branches: readonly string[] };
  /** A reusable workflow. @default - not callable */
  readonly workflow_call?: {
    readonly inputs?: Readonly<Record<string, WorkflowCallParameter>>;
    /** @default - none */
    readonly secrets?: Readonly<Record<string, WorkflowCallParameter>>;
  };
}

/** A whole workflow file. */
export interface GitHubWorkflow {
  readonly name: string;
  readonly on: WorkflowTriggers;
  /** Workflow-wide permissions; the generated workflows grant none here and each job its own. */
  readonly permissions: WorkflowPermissions;
  /** @default - runs are not serialised */
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly jobs: Readonly<Record<string, WorkflowJob>>;
}
