import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes customer folders under `outDir` all-or-nothing. Each folder is first written into a
 * staging folder beside `outDir`; only when every customer has rendered are the folders swapped
 * in by rename. If anything throws before that, `outDir` is left exactly as it was; if a rename
 * fails during the swap, the renames already done are undone.
 */
export class AtomicBundleWriter {
  private readonly staging: string;
  private readonly written: string[] = [];
  private readonly retired: string[] = [];
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

  /** Marks an existing folder of `outDir` for removal at commit (a customer no longer in stacks/). */
  retire(folder: string): void {
    if (this.finished) throw new Error('AtomicBundleWriter: already committed or aborted');
    this.retired.push(folder);
  }

  /** Swaps every staged folder into place and removes retired ones; undone as a whole if a rename fails. */
  commit(): string[] {
    this.finished = true;
    const target = resolve(this.outDir);
    mkdirSync(target, { recursive: true });
    const trash = join(this.staging, '.replaced');
    mkdirSync(trash);
    const done: { from: string; to: string }[] = [];
    const move = (from: string, to: string) => {
      renameSync(from, to);
      done.push({ from, to });
    };
    try {
      for (const folder of this.retired) {
        const existing = join(target, folder);
        if (existsSync(existing)) move(existing, join(trash, `retired__${folder.replace(/\//g, '__')}`));
      }
      for (const folder of this.written) {
        const destination = join(target, folder);
        mkdirSync(dirname(destination), { recursive: true });
        if (existsSync(destination)) move(destination, join(trash, folder.replace(/\//g, '__')));
        move(join(this.staging, folder), destination);
      }
    } catch (error) {
      for (const { from, to } of done.reverse()) renameSync(to, from);
      rmSync(this.staging, { recursive: true, force: true });
      throw error;
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
