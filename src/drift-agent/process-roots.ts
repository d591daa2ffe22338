/**
 * From a container ID to the root file system its processes see: the node's `/proc` (the agent
 * runs with `hostPID`), each process's cgroup path (every CRI runtime puts the container ID in it:
 * `cri-containerd-<id>.scope`, `crio-<id>.scope`, `/kubepods/…/<id>`), and `/proc/<pid>/root`,
 * the kernel's view of that process's root through its own mount namespace.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `containerd://<hex>`, `cri-o://<hex>`, `docker://<hex>` → `<hex>`; undefined when absent or malformed. */
export function containerIdOf(statusContainerId: string | undefined): string | undefined {
  const id = statusContainerId?.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  return id && /^[0-9a-f]{12,128}$/.test(id) ? id : undefined;
}

/**
 * Lowest PID per container ID among `ids`, found by reading `<procRoot>/<pid>/cgroup`. The lowest
 * PID is the container's first process; any process of it would show the same root.
 */
export async function pidsOfContainers(ids: readonly string[], procRoot = '/proc'): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (ids.length === 0) return found;
  const wanted = new Set(ids);
  const entries = await readdir(procRoot);
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    let text: string;
    try {
      text = await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    for (const match of text.matchAll(/[0-9a-f]{64}/g)) {
      const id = match[0];
      if (wanted.has(id) && !found.has(id)) found.set(id, pid);
    }
    // Short IDs (docker's 12 hex) are matched as prefixes of a 64-hex cgroup component.
    for (const id of wanted) {
      if (!found.has(id) && id.length < 64 && new RegExp(`(^|[/-])${id}[0-9a-f]*(\\.scope)?$`, 'm').test(text)) found.set(id, pid);
    }
    if (found.size === wanted.size) break;
  }
  return found;
}

/** `<procRoot>/<pid>/root`: the container's root as the kernel shows it to a process with the right to see it. */
export function rootOf(pid: number, procRoot = '/proc'): string {
  return join(procRoot, String(pid), 'root');
}
