import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChangeCounts, FleetOperation, StackOutcome, StackRunner, StackWorker } from './fleet';

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
  /** The project folder (with Pulumi.yaml, lib/, node_modules/, stacks/). */
  readonly projectDir: string;
  /** Where worker folders are created. @default os.tmpdir() */
  readonly scratchDir?: string;
  /** The user's Pulumi home, whose credentials.json is copied to each worker. @default $PULUMI_HOME or ~/.pulumi */
  readonly userPulumiHome?: string;
}

/**
 * The real runner: one LocalWorkspace per worker over its own work directory and PULUMI_HOME.
 * Pulumi keeps the "current stack" and plugin installs in PULUMI_HOME and the workspace folder;
 * concurrent runs sharing them race (stack selection, plugin installation locks), so each worker
 * gets private copies. The work directory mirrors the project through symlinks, so the program
 * and stack files are the project's own.
 */
export class AutomationStackRunner implements StackRunner {
  constructor(private readonly options: AutomationRunnerOptions) {}

  createWorker(index: number): StackWorker {
    const projectDir = resolve(this.options.projectDir);
    const root = mkdtempSync(join(this.options.scratchDir ?? tmpdir(), `scb-fleet-worker-${index + 1}-`));
    chmodSync(root, 0o700);
    const workDir = join(root, 'project');
    const pulumiHome = join(root, 'pulumi-home');
    mkdirSync(workDir);
    mkdirSync(pulumiHome, { mode: 0o700 });
    copyFileSync(join(projectDir, 'Pulumi.yaml'), join(workDir, 'Pulumi.yaml'));
    for (const entry of ['package.json', 'lib', 'node_modules', 'stacks']) {
      if (existsSync(join(projectDir, entry))) symlinkSync(join(projectDir, entry), join(workDir, entry));
    }
    // A `pulumi login` lives in the user's home; the private home needs it too.
    const userHome = this.options.userPulumiHome ?? process.env.PULUMI_HOME ?? join(homedir(), '.pulumi');
    if (existsSync(join(userHome, 'credentials.json'))) {
      copyFileSync(join(userHome, 'credentials.json'), join(pulumiHome, 'credentials.json'));
      chmodSync(join(pulumiHome, 'credentials.json'), 0o600);
    }
    return {
      async run(stackName: string, operation: FleetOperation, progress: (message: string) => void): Promise<StackOutcome> {
        const { LocalWorkspace } = await import('@pulumi/pulumi/automation');
        const stack = await LocalWorkspace.createOrSelectStack(
          { stackName, workDir },
          { workDir, pulumiHome, envVars: { PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: 'true' } },
        );
        const onEvent = (event: import('@pulumi/pulumi/automation').EngineEvent) => {
          const step = event.resOutputsEvent?.metadata;
          if (step && step.op !== 'same') progress(`${step.op} ${step.type} ${step.urn.split('::').pop()}`);
          const failed = event.resOpFailedEvent?.metadata;
          if (failed) progress(`failed ${failed.type} ${failed.urn.split('::').pop()}`);
          if (event.diagnosticEvent?.severity === 'error') progress(`error: ${event.diagnosticEvent.message.trim()}`);
        };
        if (operation === 'preview') {
          const result = await stack.preview({ onEvent, color: 'never', refresh: true });
          return { changes: result.changeSummary as ChangeCounts };
        }
        // Refresh first: a merged workflow pull request or a deleted branch must be seen as such.
        const result = await stack.up({ onEvent, color: 'never', refresh: true });
        const pullRequestUrl = result.outputs.pullRequestUrl?.value;
        return {
          changes: (result.summary.resourceChanges ?? {}) as ChangeCounts,
          note: typeof pullRequestUrl === 'string' ? `workflow PR: ${pullRequestUrl}` : undefined,
        };
      },
      dispose() {
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
}
