/**
 * A container's installed packages, inventoried by syft, the tool the release workflow builds the
 * attested SBOM with (same version: TOOL_VERSIONS.syft), so a difference is drift and not a
 * difference between two tools. syft reads the root through `/proc/<pid>/root`; it runs with the
 * image cataloger set (`--override-default-catalogers image`: installed packages, as for the image
 * at build, not the lock files a directory scan would add), at low CPU priority, with a time
 * limit, and its peak memory is measured for the benchmark and the metrics.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';

export interface InventoryResult {
  /** The CycloneDX document syft wrote. */
  readonly bom: unknown;
  readonly seconds: number;
  /** syft's peak resident memory (VmHWM), bytes; 0 when it ended before it could be read. */
  readonly peakRssBytes: number;
  /** CPU seconds syft used (user + system, sampled every 50 ms, so up to 50 ms short); what the CPU limit meters. */
  readonly cpuSeconds: number;
}

export interface PackageInventory {
  inventory(root: string, ignorePaths: readonly string[]): Promise<InventoryResult>;
}

export interface SyftInventoryOptions {
  /** @default "syft" */
  readonly syftPath?: string;
  /** @default 19 */
  readonly niceness?: number;
  /** @default 300 */
  readonly timeoutSeconds?: number;
}

/** Paths syft must never walk inside a container root: kernel file systems, not packages. */
export const ALWAYS_EXCLUDED: readonly string[] = ['/proc', '/sys', '/dev'];

/** `--exclude` arguments: syft's patterns are relative to the scanned directory. */
export function excludeArguments(ignorePaths: readonly string[]): string[] {
  const paths = [...new Set([...ALWAYS_EXCLUDED, ...ignorePaths].map((path) => path.replace(/\/+$/, '')))].sort();
  return paths.flatMap((path) => ['--exclude', `.${path}/**`]);
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux architecture in use). */
const USER_HZ = 100;

async function usage(pid: number): Promise<{ peakRssBytes?: number; cpuSeconds?: number }> {
  try {
    const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { peakRssBytes: kib ? Number(kib) * 1024 : undefined, cpuSeconds: Number.isFinite(ticks) ? ticks / USER_HZ : undefined };
  } catch {
    return {};
  }
}

export class SyftInventory implements PackageInventory {
  constructor(private readonly options: SyftInventoryOptions = {}) {}

  inventory(root: string, ignorePaths: readonly string[]): Promise<InventoryResult> {
    const started = process.hrtime.bigint();
    const args = ['scan', `dir:${root}`, '--base-path', root, '-o', 'cyclonedx-json', '-q', '--override-default-catalogers', 'image', ...excludeArguments(ignorePaths)];
    return new Promise<InventoryResult>((resolve, reject) => {
      const child = spawn(this.options.syftPath ?? 'syft', args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        // No update check; no configuration file but syft's defaults (it looks in the working
        // directory and HOME, neither of which holds one in the agent's image).
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', SYFT_CHECK_FOR_APP_UPDATE: 'false' },
      });
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, this.options.niceness ?? 19);
        } catch {
          // Raising one's own niceness needs no privilege; if the platform refuses, syft inherits the agent's.
        }
      }
      let peak = 0;
      let cpu = 0;
      const sample = () =>
        void usage(child.pid ?? 0).then((now) => {
          peak = Math.max(peak, now.peakRssBytes ?? 0);
          cpu = Math.max(cpu, now.cpuSeconds ?? 0);
        });
      const sampler = setInterval(sample, 50);
      const timer = setTimeout(() => child.kill('SIGKILL'), (this.options.timeoutSeconds ?? 300) * 1000);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => {
        clearInterval(sampler);
        clearTimeout(timer);
        reject(new Error(`syft could not start: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearInterval(sampler);
        clearTimeout(timer);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (code !== 0) {
          reject(new Error(`syft ${signal ? `killed by ${signal} (time limit ${this.options.timeoutSeconds ?? 300}s)` : `exited ${code}`}: ${Buffer.concat(err).toString('utf8').trim().slice(-300)}`));
          return;
        }
        try {
          resolve({ bom: JSON.parse(Buffer.concat(out).toString('utf8')), seconds, peakRssBytes: peak, cpuSeconds: cpu });
        } catch (error) {
          reject(new Error(`syft wrote no JSON: ${(error as Error).message}`));
        }
      });
      sample();
    });
  }
}
