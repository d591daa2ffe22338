import { COMPROMISED_TRIVY_VERSIONS, MIN_VERIFIER_COSIGN_VERSION } from './pins';
import type { WorkflowStep } from './release-workflow';

/**
 * Tool versions the release job refuses to run, checked on the installed binary at run time.
 * The generator already refuses to pin them (pins.ts); this step is for what the generator does
 * not see: a Dependabot pull request (or a hand edit) in the customer's repository that moves a
 * setup action or its version input, an action that ignores its version input, a cached binary.
 * The job stops before the tool touches the image or any credential is used with it.
 */
export interface ToolDenylistEntry {
  /** The binary on PATH after its setup step. */
  readonly binary: string;
  /** Arguments that print its version (the first `X.Y.Z` in the output is read). */
  readonly versionArgs: readonly string[];
  /** Exact versions refused (`vX.Y.Z`). */
  readonly denied: readonly string[];
  /**
   * Versions below this one are refused (`X.Y.Z`).
   * @default - no lower bound
   */
  readonly minimum?: string;
  /** Why, for the error message: the advisory. */
  readonly advisory: string;
}

export const TOOL_DENYLIST = {
  trivy: {
    binary: 'trivy',
    versionArgs: ['--version'],
    denied: COMPROMISED_TRIVY_VERSIONS,
    advisory: 'GHSA-69fq-xp46-6x23 / CVE-2026-33634: malicious releases',
  },
  cosign: {
    binary: 'cosign',
    versionArgs: ['version'],
    denied: [],
    minimum: MIN_VERIFIER_COSIGN_VERSION,
    advisory: 'GHSA-w6c6-c85g-mmv6: older cosign skips the predicate-type check of new bundles',
  },
} as const satisfies Record<string, ToolDenylistEntry>;

export type DenylistedTool = keyof typeof TOOL_DENYLIST;

/**
 * The step's script. It reads the denylist from `env:` (DENIED_VERSIONS, MINIMUM_VERSION,
 * ADVISORY), never from an expression, and fails closed when it cannot read the version.
 */
export function denylistCheckScript(tool: DenylistedTool): string {
  const entry: ToolDenylistEntry = TOOL_DENYLIST[tool];
  const command = [entry.binary, ...entry.versionArgs].join(' ');
  return [
    `out="$(${command} 2>&1)" || { echo "::error::${command} failed: \${out}"; exit 1; }`,
    `[[ "\${out}" =~ ([0-9]+\\.[0-9]+\\.[0-9]+) ]] || { echo "::error::cannot read the ${entry.binary} version from: \${out}"; exit 1; }`,
    'have="${BASH_REMATCH[1]}"',
    'for denied in ${DENIED_VERSIONS}; do',
    '  if [ "${have}" = "${denied#v}" ]; then',
    `    echo "::error::${entry.binary} \${have} is denylisted (\${ADVISORY}); pin a version outside: \${DENIED_VERSIONS}"`,
    '    exit 1',
    '  fi',
    'done',
    'if [ -n "${MINIMUM_VERSION}" ] && [ "$(printf \'%s\\n%s\\n\' "${MINIMUM_VERSION}" "${have}" | sort -V | head -n 1)" != "${MINIMUM_VERSION}" ]; then',
    `  echo "::error::${entry.binary} \${have} is older than \${MINIMUM_VERSION} (\${ADVISORY})"`,
    '  exit 1',
    'fi',
    `echo "${entry.binary} \${have} is not denylisted"`,
    '',
  ].join('\n');
}

/** The step that runs right after the tool's setup step. */
export function denylistCheckStep(tool: DenylistedTool): WorkflowStep {
  const entry: ToolDenylistEntry = TOOL_DENYLIST[tool];
  return {
    name: `Refuse a denylisted ${entry.binary} (the installed binary, at run time)`,
    env: { DENIED_VERSIONS: entry.denied.join(' '), MINIMUM_VERSION: entry.minimum ?? '', ADVISORY: entry.advisory },
    run: denylistCheckScript(tool),
  };
}
