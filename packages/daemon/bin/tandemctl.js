#!/usr/bin/env node
'use strict';
require('../dist/src/tandemctl.js').main(process.argv.slice(2));
