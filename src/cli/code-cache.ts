import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads a CommonJS file with V8's code cache kept beside it, for Node versions without
 * `module.enableCompileCache()` (Node 20; bin/scb.js turns that on from 22.1, and then this is a
 * plain require). The cache is written when the process exits, so it holds every function the run
 * compiled, not only the top level: the next run skips most of the compiling. It is keyed by the
 * file's size and modification time (V8 itself checks little more than the length), and
 * bin/build-if-stale.js removes old caches when it bundles again. Under `--enable-source-maps` the
 * file is required as usual, so stack traces are mapped. Any problem with the cache (a read-only
 * lib/, a rejected cache) only costs the time it would have saved.
 */
export function requireWithCodeCache<T>(file: string): T {
  const nodeCompileCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  const sourceMaps = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--enable-source-maps');
  if (nodeCompileCache || sourceMaps) return require(file) as T;
  const { size, mtimeMs } = statSync(file);
  const cacheFile = `${file}.${size}-${Math.trunc(mtimeMs)}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(file));
  (script.runInThisContext() as (...args: unknown[]) => void).call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, dirname(file));
  loaded.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        removeCodeCaches(file);
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile); // whole or not at all, with several scb runs at once
      } catch {
        // lib/ not writable: run without a cache
      }
    });
  }
  return loaded.exports as T;
}

/** Removes every code cache of `file` (all sizes and times). */
export function removeCodeCaches(file: string): void {
  const prefix = `${basename(file)}.`;
  for (const entry of readdirSync(dirname(file))) {
    if (entry.startsWith(prefix) && entry.endsWith('.v8cache')) rmSync(join(dirname(file), entry), { force: true });
  }
}
