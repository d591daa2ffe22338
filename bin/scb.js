#!/usr/bin/env node
// Runs the compiled CLI (lib/), never a TypeScript interpreter, so `scb` starts fast.
'use strict';
require('../lib/src/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 70; },
);
