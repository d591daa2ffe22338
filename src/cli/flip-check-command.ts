import { ClusterReadError, flipCheck, formatRefused } from '../admission/flip-check';
import { KubeconfigError, loadKubeconfig } from '../kubernetes/kubeconfig';
import { policyNames } from '../admission/policy-metadata';
import { DNS_LABEL } from '../contract';
import { parseCommandLine } from './command-line';
import { EXIT, UsageError } from './main';

/** Exit codes of flip-check; CI gates the flip on 0. */
export const FLIP_CHECK_EXIT = {
  /** No workload would be refused. */
  clear: EXIT.ok,
  /** At least one workload would be refused after the flip. */
  refused: 1,
  usage: EXIT.usage,
  /** The reports could not be read, or hold no result at all for the customer's policies. */
  unknown: 3,
} as const;

export const FLIP_CHECK_HELP = `Usage: scb flip-check --customer NAME [--kubeconfig FILE] [--context NAME]

Lists the workloads that the customer's admission policies would refuse once they enforce:
every "fail" and "error" result of policies scb-NAME-* (the -audit report twins, which act until
the flip, and the enforcing ones) in the cluster's PolicyReports and ClusterPolicyReports
(wgpolicyk8s.io/v1alpha2; openreports.io/v1alpha1 Reports when that is what the cluster serves),
with namespace, kind, name, policy, rule, result and message. An "error" (e.g. a private image
Kyverno has no registry credentials for) is refused once enforcing, like a "fail". Run it before
the flip date to gate the flip in CI; the cluster flips by itself at 00:00 UTC of that date.

Options:
      --customer NAME     the customer (its policies are named scb-NAME-...)
      --kubeconfig FILE   kubeconfig (default: $KUBECONFIG, else ~/.kube/config, else the
                          in-cluster service account). Tokens, client certificates and exec
                          plugins (aws eks get-token, gke-gcloud-auth-plugin, kubelogin) work as
                          with kubectl.
      --context NAME      kubeconfig context (default: current-context)
  -h, --help              show this help

The credentials need list on policyreports and clusterpolicyreports (wgpolicyk8s.io), or on
reports and clusterreports (openreports.io), cluster-wide.

Exit codes: 0 nothing would be refused, 1 workloads would be refused, 2 usage error,
3 the reports could not be read or hold no result for the customer's policies.
`;


const OPTIONS = {
  customer: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

export async function flipCheckCommand(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv, { options: OPTIONS, positionals: false, help: FLIP_CHECK_HELP });
  if (!commandLine) return EXIT.ok;
  const { values } = commandLine;
  if (!values.customer) throw new UsageError('--customer is required');
  if (!DNS_LABEL.test(values.customer)) throw new UsageError(`--customer "${values.customer}" is not a customer name (a DNS-1123 label such as "acme")`);
  let access;
  try {
    // Without --kubeconfig the library reads $KUBECONFIG (every file in it), then ~/.kube/config.
    access = await loadKubeconfig(values.kubeconfig || undefined, values.context);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new UsageError(error.message);
    throw error;
  }
  let result;
  try {
    result = await flipCheck(access, values.customer);
  } catch (error) {
    if (!(error instanceof ClusterReadError)) throw error;
    process.stderr.write(`scb flip-check: cannot read the PolicyReports of ${access.server}: ${error.message}\n`);
    return FLIP_CHECK_EXIT.unknown;
  }
  // Each policy is read with its -audit report twin (admission/flip-gate.ts).
  const policies = `${Object.values(policyNames(values.customer)).join(', ')} (each with its -audit twin)`;
  if (result.evaluated === 0) {
    process.stderr.write(
      `scb flip-check: no PolicyReport result at all for ${policies} on ${access.server}; ` +
        'check the customer name, that the policies are installed, and that Kyverno reporting is on. Cannot tell whether the flip is safe.\n',
    );
    return FLIP_CHECK_EXIT.unknown;
  }
  if (result.refused.length === 0) {
    process.stdout.write(`ok: no workload would be refused by ${policies} (${result.evaluated} results checked)\n`);
    return FLIP_CHECK_EXIT.clear;
  }
  process.stdout.write(formatRefused(result.refused));
  process.stderr.write(`${result.refused.length} workload result${result.refused.length === 1 ? '' : 's'} would be refused after the flip.\n`);
  return FLIP_CHECK_EXIT.refused;
}
