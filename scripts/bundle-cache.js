// The last step of scripts/bundle.js, in a node of its own (V8's flags as the binaries start
// with them): each bundle loaded as the binaries load it, and its V8 code cache written beside
// it for bin/program.js. The daemon's bundle is loaded after the flag tandemd sets before it
// loads the daemon (entry.ts), as V8 takes a cache only under the flags it was made with.
'use strict';
const path = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { BUNDLES, compileBundlesWithCache, writeCodeCaches } = require('../packages/daemon/bin/program.js');

const made = new Map();
compileBundlesWithCache(made);
for (const name of ['entry.js', 'config-check.js', 'tandemctl.js']) require(path.join(BUNDLES, name));
// Written before the flag changes: a cache carries the flags it was written under.
writeCodeCaches(made);
made.clear();
setFlagsFromString('--no-flush-bytecode');
require(path.join(BUNDLES, 'tandemd.js'));
writeCodeCaches(made);
