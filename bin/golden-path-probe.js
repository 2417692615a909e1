#!/usr/bin/env node
// Entry of the `golden-path-probe` command. The project is TypeScript run through tsx, so there is no build
// step between a checkout and a run. `reference` is dispatched here, not in src/: the reference staging plays
// somebody else's server, and src/ never imports it.
'use strict';
/* global console */
require('tsx/cjs');

// An error of the probe itself is one line and exit 2 ("could not judge"), never a stack trace and exit 1,
// which a scheduler would read as "the golden path is broken".
function crashed(err) {
  const message = err && err.message ? err.message : String(err);
  console.error(`golden-path-probe: internal error, nothing was judged: ${message.split('\n')[0]}`);
  process.exitCode = 2;
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'reference') {
    require('../reference/main.ts')
      .runReferenceCli(rest)
      .then((code) => { if (typeof code === 'number') process.exitCode = code; }, crashed);
  } else {
    require('../src/cli/main.ts')
      .main(process.argv.slice(2))
      .then((code) => { process.exitCode = code; }, crashed);
  }
} catch (err) {
  crashed(err);
}
