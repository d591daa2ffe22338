/**
 * {@link ImageScanner} backed by the trivy binary in client/server mode: the vulnerability
 * DB lives in the Trivy server, the rescanner pod only pulls layers and asks.
 */
import { spawn } from 'node:child_process';
import type { RegistryCredentials } from './credentials';
import type { ImageScanner } from './scanner';
import { parseTrivyReport, type TrivyReport } from './trivy-report';

export interface TrivyScannerOptions {
  /** Trivy server URL (`--server`). */
  readonly server: string;
  /** Server token. Passed as TRIVY_TOKEN in the environment, not argv, so `ps` does not show it. @default undefined */
  readonly token?: string;
  /** Header the server reads the token from (TRIVY_TOKEN_HEADER). @default "Trivy-Token" */
  readonly tokenHeader?: string;
  /** trivy binary. @default "trivy" */
  readonly binary?: string;
  /** Trivy's own `--timeout`, in seconds; keep it at or below the pool's per-attempt timeout. @default 300 */
  readonly timeoutSeconds?: number;
  /** Environment the child starts from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Largest report accepted on stdout, in bytes. @default 268435456 */
  readonly maxOutputBytes?: number;
}

/** Variables a scan sets itself; inherited values would leak another run's credentials. */
const SCAN_OWNED_ENV = ['TRIVY_USERNAME', 'TRIVY_PASSWORD', 'TRIVY_TOKEN', 'TRIVY_TOKEN_HEADER', 'TRIVY_SERVER', 'DOCKER_CONFIG'];

export class TrivyScanner implements ImageScanner {
  constructor(private readonly options: TrivyScannerOptions) {}

  /** The argv for one scan (exported for tests and debugging; contains no secrets). */
  argsFor(ref: string): string[] {
    return [
      'image',
      '--server', this.options.server,
      '--format', 'json',
      '--quiet',
      '--scanners', 'vuln',
      '--timeout', `${this.options.timeoutSeconds ?? 300}s`,
      ref,
    ];
  }

  /** The child's environment: secrets go here, never into argv or logs. */
  envFor(credentials: RegistryCredentials | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(this.options.env ?? process.env) };
    for (const key of SCAN_OWNED_ENV) delete env[key];
    if (this.options.token) env.TRIVY_TOKEN = this.options.token;
    if (this.options.tokenHeader) env.TRIVY_TOKEN_HEADER = this.options.tokenHeader;
    if (credentials) {
      env.TRIVY_USERNAME = credentials.username;
      env.TRIVY_PASSWORD = credentials.password;
    }
    return env;
  }

  scan(ref: string, credentials: RegistryCredentials | undefined, signal: AbortSignal): Promise<TrivyReport> {
    const maxBytes = this.options.maxOutputBytes ?? 256 * 1024 * 1024;
    return new Promise<TrivyReport>((resolve, reject) => {
      if (signal.aborted) {
        reject(new Error('scan aborted before start'));
        return;
      }
      const child = spawn(this.options.binary ?? 'trivy', this.argsFor(ref), {
        env: this.envFor(credentials),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let errTail = '';
      let failure: Error | undefined;
      const onAbort = (): void => {
        failure ??= new Error('scan aborted');
        child.kill('SIGKILL');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > maxBytes) {
          failure ??= new Error(`trivy output exceeds ${maxBytes} bytes`);
          child.kill('SIGKILL');
          return;
        }
        out.push(chunk);
      });
      // Keep only the tail of stderr: it carries Trivy's error line, and bounded memory.
      child.stderr.on('data', (chunk: Buffer) => {
        errTail = (errTail + chunk.toString('utf8')).slice(-2000);
      });
      child.on('error', (err) => {
        failure ??= new Error(`cannot run ${this.options.binary ?? 'trivy'}: ${err.message}`);
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        if (code !== 0) {
          const detail = errTail.trim().split('\n').slice(-3).join(' | ');
          return reject(new Error(`trivy exited with ${code ?? sig}: ${detail}`));
        }
        try {
          resolve(parseTrivyReport(Buffer.concat(out).toString('utf8')));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }
}
