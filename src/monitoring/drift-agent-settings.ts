/**
 * The drift agent's facts that the customer README reads too (kept apart from the construct so
 * that the README generator does not load the Kubernetes constructs).
 */
import type { Customer } from '../model/customer';
import { DEFAULT_DRIFT_IGNORE_PATHS } from '../model/monitoring-schema';

/**
 * The agent's privileges, each for one reason (docs/monitoring.md "SBOM drift" repeats them):
 * - `hostPID`: the node's processes, so `/proc/<pid>/root` reaches each container's root and
 *   `/proc/<pid>/cgroup` maps a container ID to its processes. No hostPath volume is needed.
 * - user 0 and `SYS_PTRACE`: the kernel lets a process open another's `/proc/<pid>/root` only with
 *   `CAP_SYS_PTRACE` (ptrace access mode READ), or with the same user and a superset of its
 *   capabilities, which containers running as root or as other users defeat (the conformance
 *   suite's `drift` step shows both refused without it).
 * - `DAC_READ_SEARCH`: read package files a container's user keeps from others (a 0700
 *   application folder); without it those packages would look "removed".
 * Everything else stays as "restricted" asks: no privilege escalation, every other capability
 * dropped, read-only root file system, RuntimeDefault seccomp, no host network or IPC.
 */
export const DRIFT_AGENT_CAPABILITIES = ['SYS_PTRACE', 'DAC_READ_SEARCH'] as const;

/** The ignored paths: the defaults plus the customer's, sorted and de-duplicated. */
export function driftIgnorePaths(customer: Pick<Customer, 'monitoring'>): string[] {
  return [...new Set([...DEFAULT_DRIFT_IGNORE_PATHS, ...(customer.monitoring.driftAgent?.ignorePaths ?? [])])].sort();
}

