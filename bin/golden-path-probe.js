#!/usr/bin/env node
// Entry of the `golden-path-probe` command. The project is TypeScript run through tsx, so there is no build
// step between a checkout and a run. `reference` is dispatched here, not in src/: the reference staging plays
// somebody else's server, and src/ never imports it.
'use strict';
require('tsx/cjs');

const [command, ...rest] = process.argv.slice(2);
if (command === 'reference') {
  require('../reference/main.ts')
    .runReferenceCli(rest)
    .then((code) => { if (typeof code === 'number') process.exitCode = code; });
} else {
  require('../src/cli/main.ts')
    .main(process.argv.slice(2))
    .then((code) => { process.exitCode = code; });
}
