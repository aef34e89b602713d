#!/usr/bin/env node
'use strict';
require('../dist/src/entry.js').main(process.argv.slice(2));
