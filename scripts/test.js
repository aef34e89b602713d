#!/usr/bin/env node
// `npm test`: builds, runs every package's unit tests, then the network-namespace
// tests (real raw sockets, netlink and keepalived; root only), and ends with one
// "tests: N passed, N failed" line.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { ensureSystemDeps } = require('./system-deps.js');

const root = join(__dirname, '..');
const env = { ...process.env, FORCE_COLOR: '0' };
let passed = 0;
let failed = 0;

function step(title, cmd, args, { countTests = false } = {}) {
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (countTests) {
    let p = 0;
    let f = 0;
    for (const m of out.matchAll(/(\d+) tests? passed/g)) p += Number(m[1]);
    for (const m of out.matchAll(/(\d+) (?:tests? failed|uncaught exceptions?|unhandled rejections?)/g)) f += Number(m[1]);
    if (r.status !== 0 && f === 0) f = 1;
    passed += p;
    failed += f;
  } else if (r.status !== 0) {
    failed += 1;
  }
  return r.status === 0;
}

function finish() {
  console.log(`\ntests: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

const asRoot = process.getuid && process.getuid() === 0;
// As root, everything the tiers need is installed first (the build needs g++ too); otherwise
// the build and unit tests run, and the missing packages are named below.
if (asRoot && !ensureSystemDeps('test')) {
  failed += 1;
  finish();
}
if (!step('build', 'npm', ['run', 'build', '--silent'])) finish();
step('unit tests', 'npx', ['lerna', 'run', 'test', '--stream', '--no-progress', '--concurrency', '2'], { countTests: true });
if (!asRoot) {
  console.error('\nthe namespace tests need root (network namespaces, raw sockets): run `sudo npm test`');
  failed += 1;
  finish();
}
step('namespace and real-kernel tests (real sockets, netlink, keepalived; IPVS in a qemu guest)', 'npx', ['ava', '--config', 'test/ava.config.cjs'], { countTests: true });
finish();
