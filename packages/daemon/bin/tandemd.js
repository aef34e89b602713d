#!/usr/bin/env node
'use strict';
require('../dist/src/tandemd.js').main(process.argv.slice(2));
