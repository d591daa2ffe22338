import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { PULUMI_PROJECT } from '../model/load';
import type { ChangeCounts, ChangedResource, FleetOperation, StackOutcome, StackRunner, StackWorker } from './fleet';

/** How to get the Pulumi CLI, printed when it is missing. */
export const PULUMI_INSTALL_HINT =
  'Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/: `curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`), make sure `pulumi version` works, and log in to your state backend (`pulumi login`).';

/** Raised when no usable Pulumi CLI is found; the fleet command turns it into exit code 1. */
export class PulumiCliMissingError extends Error {
  constructor(detail: string) {
    super(`the Pulumi CLI is required for scb fleet, but ${detail}. ${PULUMI_INSTALL_HINT}`);
    this.name = 'PulumiCliMissingError';
  }
}

/** Checks that a Pulumi CLI the Automation API accepts is on PATH. */
export async function requirePulumiCli(): Promise<void> {
  const { PulumiCommand } = await import('@pulumi/pulumi/automation');
  try {
    await PulumiCommand.get();
  } catch (error) {
    const text = String((error as Error).message ?? error);
    if (/ENOENT/.test(text)) throw new PulumiCliMissingError('`pulumi` was not found on PATH');
    throw new PulumiCliMissingError(`\`pulumi version\` failed or is too old (${text.split('\n').find((line) => line.trim()) ?? text})`);
  }
}

export interface AutomationRunnerOptions {
  /** The project folder (with Pulumi.yaml). */
  readonly projectDir: string;
  /** The folder of `Pulumi.<customer>.yaml` stack files. @default `<projectDir>/stacks` */
  readonly stacksDir?: string;
  /** Where worker folders are created. @default os.tmpdir() */
  readonly scratchDir?: string;
  /** The user's Pulumi home, whose credentials.json is copied to each worker. @default $PULUMI_HOME or ~/.pulumi */
  readonly userPulumiHome?: string;
}

/** The project file for an inline program: the project's own, without `main`. */
export function inlineProjectFile(projectFile: string): string {
  const document = parseDocument(projectFile);
  document.delete('main');
  return document.toString();
}

/**
 * The line that says what went wrong in an Automation API CommandError, whose message starts
 * with the exit code (`code: 255`) and then carries the CLI's stdout and stderr.
 */
export function commandErrorSummary(error: unknown): string | undefined {
  const text = error instanceof Error ? error.message : String(error);
  if (!/^code: -?\d+/.test(text)) return undefined;
  const lines = text.split('\n').map((line) => line.trim());
  return lines.find((line) => /^error: /.test(line) && !/^error: update failed$|^error: preview failed$/.test(line))?.replace(/^error: /, '') ?? lines.find((line) => /^error: /.test(line))?.replace(/^error: /, '');
}

/** Engine step operations that change something (`same`, `read` and `refresh` do not). */
const CHANGING_OPS = new Set(['create', 'update', 'replace', 'delete', 'create-replacement', 'delete-replaced', 'import', 'import-replacement', 'discard', 'discard-replaced', 'remove-pending-replace']);
const CONFIG_GROUP_TYPE = 'kubernetes:yaml/v2:ConfigGroup';

/** The last type of a URN (`...$kubernetes:yaml/v2:ConfigGroup::bundle-x` → `kubernetes:yaml/v2:ConfigGroup`). */
function urnType(urn: string): string {
  const parts = urn.split('::');
  return (parts[parts.length - 2] ?? '').split('$').pop() ?? '';
}
function urnName(urn: string): string {
  return urn.split('::').pop() ?? urn;
}

/** The resource group of a changed resource: its ConfigGroup (a bundle file), else itself. */
export function resourceGroup(urn: string, parentUrn: string | undefined): string {
  if (urnType(urn) === CONFIG_GROUP_TYPE) return urnName(urn);
  if (parentUrn && urnType(parentUrn) === CONFIG_GROUP_TYPE) return urnName(parentUrn);
  return urnName(urn);
}

/**
 * The real runner: one LocalWorkspace per worker over its own work directory and PULUMI_HOME,
 * running each stack as an Automation API INLINE program: the program is customerProgram(), the
 * same function `pulumi up -s <customer>` runs from lib/src/pulumi/program.js, called in this
 * process. So no Node.js language host (pulumi-language-nodejs) is needed, only the CLI.
 * Pulumi keeps the "current stack" and plugin installs in PULUMI_HOME and the workspace folder;
 * concurrent runs sharing them race (stack selection, plugin installation locks), so each worker
 * gets private copies. The Node SDK keeps the state of concurrent inline runs apart.
 */
export class AutomationStackRunner implements StackRunner {
  constructor(private readonly options: AutomationRunnerOptions) {}

  createWorker(index: number): StackWorker {
    const projectDir = resolve(this.options.projectDir);
    const stacksDir = resolve(this.options.stacksDir ?? join(projectDir, 'stacks'));
    const root = mkdtempSync(join(this.options.scratchDir ?? tmpdir(), `scb-fleet-worker-${index + 1}-`));
    chmodSync(root, 0o700);
    const workDir = join(root, 'project');
    const pulumiHome = join(root, 'pulumi-home');
    mkdirSync(workDir);
    mkdirSync(pulumiHome, { mode: 0o700 });
    // The project's own Pulumi.yaml (name, stackConfigDir) and its stack files, so that
    // `pulumi config set` by hand and a fleet run read and write the same files. Without `main`:
    // the CLI checks that it exists, and an inline program has no file to run.
    writeFileSync(join(workDir, 'Pulumi.yaml'), inlineProjectFile(readFileSync(join(projectDir, 'Pulumi.yaml'), 'utf8')));
    symlinkSync(stacksDir, join(workDir, 'stacks'));
    // A `pulumi login` lives in the user's home; the private home needs it too.
    const userHome = this.options.userPulumiHome ?? process.env.PULUMI_HOME ?? join(homedir(), '.pulumi');
    if (existsSync(join(userHome, 'credentials.json'))) {
      copyFileSync(join(userHome, 'credentials.json'), join(pulumiHome, 'credentials.json'));
      chmodSync(join(pulumiHome, 'credentials.json'), 0o600);
    }
    return {
      async run(stackName: string, operation: FleetOperation, progress: (message: string) => void): Promise<StackOutcome> {
        const { LocalWorkspace } = await import('@pulumi/pulumi/automation');
        const { customerProgram } = await import('../pulumi/customer-program');
        const stack = await LocalWorkspace.createOrSelectStack(
          { stackName, projectName: PULUMI_PROJECT, program: customerProgram(workDir) },
          { workDir, pulumiHome, envVars: { PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: 'true' } },
        );
        const resources: ChangedResource[] = [];
        const onEvent = (event: import('@pulumi/pulumi/automation').EngineEvent) => {
          const step = event.resourcePreEvent?.metadata;
          if (step && CHANGING_OPS.has(step.op) && step.type !== 'pulumi:pulumi:Stack') {
            resources.push({ op: step.op, type: step.type, name: urnName(step.urn), group: resourceGroup(step.urn, step.new?.parent ?? step.old?.parent) });
          }
          const done = event.resOutputsEvent?.metadata;
          if (done && done.op !== 'same') progress(`${done.op} ${done.type} ${urnName(done.urn)}`);
          const failed = event.resOpFailedEvent?.metadata;
          if (failed) progress(`failed ${failed.type} ${urnName(failed.urn)}`);
          if (event.diagnosticEvent?.severity === 'error') progress(`error: ${event.diagnosticEvent.message.trim()}`);
        };
        try {
          if (operation === 'preview') {
            const result = await stack.preview({ onEvent, color: 'never', refresh: true });
            return { changes: result.changeSummary as ChangeCounts, resources };
          }
          if (operation === 'destroy') {
            const result = await stack.destroy({ onEvent, color: 'never', refresh: true });
            return { changes: (result.summary.resourceChanges ?? {}) as ChangeCounts, resources };
          }
          // Refresh first: a merged workflow pull request or a deleted branch must be seen as such.
          const result = await stack.up({ onEvent, color: 'never', refresh: true });
          const pullRequestUrl = result.outputs.pullRequestUrl?.value;
          return {
            changes: (result.summary.resourceChanges ?? {}) as ChangeCounts,
            resources,
            note: typeof pullRequestUrl === 'string' ? `workflow PR: ${pullRequestUrl}` : undefined,
          };
        } catch (error) {
          // The summary row shows the first line; make it the CLI's own error, not "code: 255".
          const summary = commandErrorSummary(error);
          if (summary !== undefined) throw new Error(`${summary}\n${(error as Error).message}`, { cause: error });
          throw error;
        }
      },
      dispose() {
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
}
