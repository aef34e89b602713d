'use strict';
// Which build of a program the binaries run: its bundle in dist/bundle (scripts/bundle.js, the
// last step of `npm run build`) while the bundle is newer than tsc's output of every package,
// else tsc's output itself, so that whoever ran `tsc -b` alone runs what they just built. Both
// are the same code; the bundle only loads faster. A bundle is compiled with the V8 code cache
// made beside it at build time (`NAME.js.cache`) when there is one and V8 takes it (same V8,
// same flags): half of what loading the daemon costs is compiling it.
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const DIST = join(__dirname, '..', 'dist');
const BUNDLES = join(DIST, 'bundle');
const PACKAGES = ['config', 'vrrp', 'bfd', 'healthcheck', 'net', 'ipvs', 'daemon'];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

let hooked = false;

/**
 * Bundles loaded from here on are compiled with their code cache. With `made` (the build), each
 * bundle's script is kept there instead, for its cache to be written once it has run.
 */
function compileBundlesWithCache(made) {
  // Once per process (programPath may be asked more than once), but for the build's own run.
  if (hooked && made === undefined) return;
  hooked = true;
  const Module = require('node:module');
  const vm = require('node:vm');
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileBundle(content, filename) {
    if (dirname(filename) !== BUNDLES) return compile.call(this, content, filename);
    let cachedData;
    if (made === undefined) {
      try {
        cachedData = readFileSync(`${filename}.cache`);
      } catch {
        return compile.call(this, content, filename);
      }
    }
    // V8 checks the cache against the source and its own version and flags, and compiles afresh when it does not match.
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData !== undefined ? { cachedData } : {}) });
    if (made !== undefined) made.set(filename, script);
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
}

/** Writes the code cache of each bundle `compileBundlesWithCache(made)` compiled (the build's last step). */
function writeCodeCaches(made) {
  for (const [filename, script] of made) writeFileSync(`${filename}.cache`, script.createCachedData());
}

/** The path of `name` (entry.js, tandemctl.js): the bundle's when it is fresh, else tsc's. */
function programPath(name) {
  const bundle = mtimeOf(join(BUNDLES, name));
  // An installed package carries no tsbuildinfo: its bundle is what it was built with.
  const fresh = bundle !== undefined && PACKAGES.every((p) => (mtimeOf(join(DIST, '..', '..', p, 'dist', 'tsconfig.tsbuildinfo')) ?? 0) <= bundle);
  if (!fresh) return join(DIST, 'src', name);
  compileBundlesWithCache(undefined);
  return join(BUNDLES, name);
}

module.exports = { programPath, compileBundlesWithCache, writeCodeCaches, BUNDLES };
