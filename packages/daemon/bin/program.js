'use strict';
// Which build of a program the binaries run: its bundle in dist/bundle (scripts/bundle.js, the
// last step of `npm run build`) while the bundle is newer than tsc's output of every package,
// else tsc's output itself, so that whoever ran `tsc -b` alone runs what they just built. Both
// are the same code; the bundle only loads faster.
const { statSync } = require('node:fs');
const { join } = require('node:path');

const DIST = join(__dirname, '..', 'dist');
const PACKAGES = ['config', 'vrrp', 'bfd', 'healthcheck', 'net', 'ipvs', 'daemon'];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The path of `name` (entry.js, tandemctl.js): the bundle's when it is fresh, else tsc's. */
function programPath(name) {
  const bundle = mtimeOf(join(DIST, 'bundle', name));
  // An installed package carries no tsbuildinfo: its bundle is what it was built with.
  const fresh = bundle !== undefined && PACKAGES.every((p) => (mtimeOf(join(DIST, '..', '..', p, 'dist', 'tsconfig.tsbuildinfo')) ?? 0) <= bundle);
  return join(DIST, fresh ? 'bundle' : 'src', name);
}

module.exports = { programPath };
