// The last step of scripts/bundle.js, in a node of its own (V8's flags as the binaries start
// with them): each bundle loaded as the binaries load it, and its V8 code cache written beside
// it for bin/program.js. V8 takes a cache only under the flags it was made with: the daemon's
// bundle is loaded after the flag tandemd sets before it loads the daemon (entry.ts), and each
// side's in a process forked as tandemd forks it (SIDE_EXEC_ARGV, an IPC channel), which writes
// the cache once the side's code has loaded and exits.
'use strict';
const path = require('node:path');
const { fork } = require('node:child_process');
const { setFlagsFromString } = require('node:v8');
const { BUNDLES, compileBundlesWithCache, writeCodeCaches } = require('../packages/daemon/bin/program.js');

const made = new Map();
compileBundlesWithCache(made);
const side = process.argv[2];
if (side !== undefined) {
  require(path.join(BUNDLES, `${side}-side.js`));
  writeCodeCaches(made);
  process.exit(0);
}
for (const name of ['entry.js', 'config-check.js', 'genhash.js', 'tandemctl.js']) require(path.join(BUNDLES, name));
// Written before the flag changes: a cache carries the flags it was written under.
writeCodeCaches(made);
made.clear();
setFlagsFromString('--no-flush-bytecode');
require(path.join(BUNDLES, 'tandemd.js'));
writeCodeCaches(made);

const { SIDE_EXEC_ARGV } = require('../packages/daemon/dist/src/side-entry.js');
for (const name of ['vrrp', 'bfd']) {
  const child = fork(path.join(__dirname, 'bundle-cache.js'), [name], { execArgv: [...SIDE_EXEC_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('exit', (code) => {
    if (code !== 0) {
      console.error(`the ${name} side's code cache: exit ${String(code)}`);
      process.exitCode = 1;
    }
  });
}
