#!/usr/bin/env node
'use strict';
require(require('./program.js').programPath('entry.js')).main(process.argv.slice(2));
