/**
 * The live suite's only way into the cluster: the real `kubectl` (built by install-tools.sh) with
 * the control plane's admin kubeconfig. Results are returned, never thrown, so that a refusal is a
 * matrix row and not a crash.
 */
import { spawnSync } from 'node:child_process';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** `Warning: ...` lines the API server returned (admission warnings among them). */
  readonly warnings: readonly string[];
  readonly millis: number;
}

export class Kube {
  constructor(
    readonly kubeconfig: string,
    readonly kubectlPath: string = process.env.KUBECTL ?? 'kubectl',
  ) {}

  run(args: readonly string[], input?: string): KubectlResult {
    const started = process.hrtime.bigint();
    const result = spawnSync(this.kubectlPath, ['--kubeconfig', this.kubeconfig, ...args], {
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    const millis = Number(process.hrtime.bigint() - started) / 1e6;
    const stderr = result.stderr ?? '';
    return {
      code: result.status ?? 1,
      stdout: result.stdout ?? '',
      stderr,
      warnings: stderr.split('\n').filter((line) => line.startsWith('Warning: ')),
      millis,
    };
  }

  /** `kubectl create -f -` of one object. */
  create(object: unknown): KubectlResult {
    return this.run(['create', '-f', '-'], JSON.stringify(object));
  }

  /** Server-side apply of objects (force: the suite is the only manager). */
  apply(objects: readonly unknown[]): KubectlResult {
    return this.run(['apply', '--server-side', '--force-conflicts', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
  }

  getJson<T = any>(args: readonly string[]): T | undefined {
    const result = this.run(['get', ...args, '-o', 'json']);
    return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
  }

  /** Polls `check` every `intervalMs` until it returns a value or `timeoutMs` passes. */
  async waitFor<T>(check: () => T | undefined, timeoutMs: number, intervalMs = 500): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** "admission webhook ... denied the request: ..." → the first lines of the reason. */
export function refusalReason(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.includes('denied the request') || l.startsWith('Error from server'));
  return (line ?? stderr.trim().split('\n')[0] ?? '').slice(0, 240);
}
