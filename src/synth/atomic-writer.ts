import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes customer folders under `outDir` all-or-nothing. Each folder is first written into a
 * staging folder beside `outDir`; only when every customer has rendered are the folders swapped
 * in by rename. If anything throws before that, `outDir` is left exactly as it was.
 */
export class AtomicBundleWriter {
  private readonly staging: string;
  private readonly written: string[] = [];
  private finished = false;

  constructor(private readonly outDir: string) {
    const absolute = resolve(outDir);
    this.staging = join(dirname(absolute), `.${basename(absolute)}.staging-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(this.staging, { recursive: true });
  }

  /** Stages one folder (`dist/<folder>/…`) from relative path → content. */
  stage(folder: string, files: ReadonlyMap<string, string>): void {
    if (this.finished) throw new Error('AtomicBundleWriter: already committed or aborted');
    const root = join(this.staging, folder);
    for (const [path, content] of files) {
      const target = join(root, path);
      if (!target.startsWith(root + '/')) throw new Error(`refusing to write outside ${folder}: ${path}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: path.endsWith('.sh') ? 0o755 : 0o644 });
    }
    this.written.push(folder);
  }

  /** Swaps every staged folder into place, replacing older copies. */
  commit(): string[] {
    this.finished = true;
    const target = resolve(this.outDir);
    mkdirSync(target, { recursive: true });
    const trash = join(this.staging, '.replaced');
    mkdirSync(trash);
    for (const folder of this.written) {
      const destination = join(target, folder);
      mkdirSync(dirname(destination), { recursive: true });
      if (existsSync(destination)) renameSync(destination, join(trash, folder.replace(/\//g, '__')));
      renameSync(join(this.staging, folder), destination);
    }
    rmSync(this.staging, { recursive: true, force: true });
    return this.written.map((folder) => join(this.outDir, folder));
  }

  /** Drops everything staged; `outDir` is untouched. */
  abort(): void {
    this.finished = true;
    rmSync(this.staging, { recursive: true, force: true });
  }
}
