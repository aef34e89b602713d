#!/usr/bin/env node
'use strict';
require(require('./program.js').programPath('tandemctl.js')).main(process.argv.slice(2));
