'use strict';
// The BFD side as tandemd forks it from its bundles (sideEntry): the side's bundle, compiled
// with its code cache.
const { join } = require('node:path');
const { BUNDLES, compileBundlesWithCache } = require('./program.js');

compileBundlesWithCache(undefined);
require(join(BUNDLES, 'bfd-side.js'));
