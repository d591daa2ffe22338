#!/usr/bin/env node
// Runs the compiled CLI (lib/), never a TypeScript interpreter, so `scb` starts fast. In a
// checkout, sources changed since the last build are compiled first (src/ only, a few ms to check).
'use strict';
// Node 22.1+ keeps compiled code between runs (a no-op on Node 20).
require('node:module').enableCompileCache?.();
const built = require('./build-if-stale.js').ensureBuilt('cli');
if (built !== 0) {
  process.exitCode = built;
} else {
  require('../lib/src/cli/main.js').main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 70; },
  );
}
