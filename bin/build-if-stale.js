#!/usr/bin/env node
// Compiles the TypeScript sources only when one changed since it was last compiled, and only the
// part a command needs: `cli` (src/ and imports/, what `scb` runs) or `all` (tests, benchmarks and
// scripts too). A source is stale when its lib/ output is missing or older than it, whoever ran
// tsc last. Checking costs a few milliseconds, so `npm run synth` on an unchanged tree runs at the
// speed of `node bin/scb.js synth`. Plain JavaScript on purpose: it runs before anything is compiled.
'use strict';
const { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');

/** What each target compiles (its tsconfig and incremental record) and the folders it reads. */
const TARGETS = {
  cli: { tsconfig: 'tsconfig.build.json', buildInfo: 'lib/.tsbuildinfo-cli', sources: ['src', 'imports'] },
  all: { tsconfig: 'tsconfig.json', buildInfo: 'lib/.tsbuildinfo', sources: ['src', 'imports', 'test', 'bench', 'scripts'] },
};
const SKIP = new Set(['node_modules', 'lib', '.git', 'dist', 'templates', 'testinfra']);

/** Every .ts source (not .d.ts) under the target's folders, with the .js tsc writes for it. */
function* sourcePairs(target, root) {
  function* walk(dir) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) yield* walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        yield { source: path, output: join(root, 'lib', relative(root, path).replace(/\.ts$/, '.js')) };
      }
    }
  }
  for (const folder of TARGETS[target].sources) yield* walk(join(root, folder));
}

/**
 * The hot commands as one file each: lib/src/cli/{synth,validate}-command.js (what tsc wrote)
 * bundled by esbuild, with the libraries they load on every run (cdk8s, cdk8s-plus-30, zod, yaml,
 * the dashboard SDK), into lib/src/cli/<command>.bundle.js. Node then reads and compiles one file
 * instead of resolving and loading hundreds, which was most of a cold start (docs/cli.md). The
 * CLI's entry (main.js, also what `--help` loads) stays outside and is shared, so its error
 * classes are the same objects in and out of a bundle; so do the libraries only other commands
 * load (Pulumi, the Kubernetes client, sigstore, prom-client). Without esbuild (an install without
 * dev dependencies) there is no bundle and main.js loads the compiled modules: the same code.
 */
const BUNDLE = {
  dir: 'lib/src/cli',
  commands: ['synth-command', 'validate-command'],
  external: ['@pulumi/*', '@kubernetes/client-node', '@sigstore/*', 'prom-client'],
};
const bundleFiles = (root) => BUNDLE.commands.map((command) => join(root, BUNDLE.dir, `${command}.bundle.js`));

/** Why the bundles must be built again, or undefined when they are newer than every compiled file. */
function bundleStaleness(root = ROOT) {
  if (!existsSync(join(root, 'src'))) return undefined; // an installed package: lib/ is all there is
  const built = Math.min(...bundleFiles(root).map(modifiedAt));
  if (built < 0) return 'a bundle is missing';
  for (const { output } of sourcePairs('cli', root)) {
    if (modifiedAt(output) > built) return `${relative(root, output)} is newer than the bundles`;
  }
  return undefined;
}

/**
 * Bundles the hot commands (with source maps to lib/src, for `node --enable-source-maps`).
 * esbuild output is deterministic: the same lib/ gives the same bytes. When esbuild is not
 * installed or fails, stale bundles are removed so that the compiled modules run instead.
 */
function bundle(root = ROOT) {
  const removeBundles = () => {
    for (const file of bundleFiles(root)) for (const path of [file, `${file}.map`]) rmSync(path, { force: true });
  };
  // V8 code caches of the old bundles (src/cli/code-cache.ts): V8 checks little more than the
  // length of the source, so a cache must never outlive the bundle it was made from.
  const dir = join(root, BUNDLE.dir);
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    if (/\.bundle\.js\..*\.v8cache$/.test(entry)) rmSync(join(dir, entry), { force: true });
  }
  let esbuild;
  try {
    esbuild = require(require.resolve('esbuild', { paths: [root] }));
  } catch {
    removeBundles();
    return;
  }
  try {
    esbuild.buildSync({
      entryPoints: BUNDLE.commands.map((command) => join(root, BUNDLE.dir, `${command}.js`)),
      outdir: join(root, BUNDLE.dir),
      entryNames: '[name].bundle',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // The CLI entry stays one shared module: a UsageError thrown in a bundle is main's own.
      external: [...BUNDLE.external, join(root, BUNDLE.dir, 'main.js')],
      absWorkingDir: root,
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      banner: { js: '// Generated by bin/build-if-stale.js from lib/src (esbuild); do not edit.' },
    });
  } catch (error) {
    removeBundles();
    process.stderr.write(`scb: bundling the CLI failed; running the compiled modules unbundled (${(error.errors?.[0]?.text ?? String(error.message)).split('\n')[0]})\n`);
  }
}

/** Why the target must be compiled, or undefined when every output is at least as new as its source. */
function staleness(target, root = ROOT) {
  if (!existsSync(join(root, 'src'))) return undefined; // an installed package: lib/ is all there is
  for (const { source, output } of sourcePairs(target, root)) {
    let built;
    try {
      built = statSync(output).mtimeMs;
    } catch {
      return `${relative(root, output)} is missing`;
    }
    if (statSync(source).mtimeMs > built) return `${relative(root, source)} changed`;
  }
  return undefined;
}

const modifiedAt = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

const alive = (pid) => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `work` holding lib/.build.lock, so parallel commands (a test run) do not compile at once. */
function withBuildLock(root, work) {
  const lock = join(root, 'lib', '.build.lock');
  require('node:fs').mkdirSync(join(root, 'lib'), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock whose process is gone (a killed build), or older than ten minutes, is stale.
      try {
        const holder = Number(readFileSync(lock, 'utf8'));
        if (!alive(holder) || Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { force: true });
      } catch {}
      sleep(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Compiles `target` when it is stale. Returns 0 when lib/ is usable, else the exit code to end
 * with. `force` compiles even when every output looks current.
 */
function ensureBuilt(target, { force = false, root = ROOT } = {}) {
  if (!TARGETS[target]) throw new Error(`unknown build target "${target}"; expected ${Object.keys(TARGETS).join(' or ')}`);
  if (!force && staleness(target, root) === undefined) {
    if (bundleStaleness(root) !== undefined) withBuildLock(root, () => bundleStaleness(root) !== undefined && bundle(root));
    return 0;
  }
  let tsc;
  try {
    tsc = require.resolve('typescript/lib/tsc.js', { paths: [root] });
  } catch {
    if (existsSync(join(root, 'lib', 'src', 'cli', 'main.js'))) {
      process.stderr.write('scb: lib/ may be out of date and TypeScript is not installed; running it as it is. Run "npm ci" to rebuild.\n');
      return 0;
    }
    process.stderr.write('scb: lib/ is missing and TypeScript is not installed. Run "npm ci" (with dev dependencies) in the project folder.\n');
    return 70;
  }
  return withBuildLock(root, () => {
    // Another command may have compiled it while this one waited for the lock.
    const reason = force ? 'asked to' : staleness(target, root);
    if (reason === undefined) return 0;
    process.stderr.write(`scb: compiling ${TARGETS[target].sources.join(', ')} (${reason})…\n`);
    // Both configurations write the same lib/src files, and tsc's incremental record assumes it
    // is their only writer. If the other one compiled since this one did (by this script or by
    // hand), this record may vouch for outputs that were replaced: compile everything instead.
    const own = join(root, TARGETS[target].buildInfo);
    const ownTime = modifiedAt(own);
    for (const { buildInfo } of Object.values(TARGETS)) {
      if (modifiedAt(join(root, buildInfo)) > ownTime) rmSync(own, { force: true });
    }
    const result = require('node:child_process').spawnSync(process.execPath, [tsc, '-p', join(root, TARGETS[target].tsconfig)], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      process.stderr.write('scb: the TypeScript build failed (above); fix it, then run the command again.\n');
      return result.status || 70;
    }
    // tsc leaves an output alone when its source was touched but not changed (a git checkout):
    // mark it current, so the next check does not compile again.
    const now = new Date();
    for (const { source, output } of sourcePairs(target, root)) {
      try {
        if (statSync(source).mtimeMs > statSync(output).mtimeMs) utimesSync(output, now, now);
      } catch {}
    }
    // Likewise, forget the other configuration's record, for a `tsc -p` run by hand next.
    for (const [other, { buildInfo }] of Object.entries(TARGETS)) {
      if (other !== target) rmSync(join(root, buildInfo), { force: true });
    }
    if (bundleStaleness(root) !== undefined) bundle(root);
    return 0;
  });
}

module.exports = { ensureBuilt, staleness, bundleStaleness, BUNDLE, TARGETS };

if (require.main === module) {
  const args = process.argv.slice(2);
  const target = args.find((arg) => !arg.startsWith('-')) ?? 'all';
  process.exitCode = ensureBuilt(target, { force: args.includes('--force') });
}
