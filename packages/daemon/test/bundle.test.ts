import test from 'ava';
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIDE_EXEC_ARGV, sideEntry } from '../src/side-entry.js';

// The programs as the binaries load them after `npm run build`: their bundles, compiled with the
// code caches made beside them, which V8 takes (a cache made under other flags than the program
// runs with would be dropped without a word, and the start would compile everything again).

const BIN = join(__dirname, '..', '..', 'bin');

/** The entry bin/tandemd.js runs: its bundle, or tsc's output when tsc has built since the bundles were made (a developer's `tsc -b`). */
const tandemdEntry = (): string => spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(join(BIN, 'program.js'))}).programPath('entry.js'))`], { encoding: 'utf8' }).stdout;
const fromBundles = (entry: string): boolean => entry.includes(join('dist', 'bundle'));

/**
 * A preload (`--require`) that notes, for each script compiled with a code cache, whether V8
 * rejected it, and hands the notes to `report` (a function's source) when `reportCaches()` is
 * called, or with `atLoad` once the main script has run (it requires the program before any
 * callback runs).
 */
function cacheProbe(dir: string, report: string, atLoad = false): string {
  const path = join(dir, 'probe.js');
  writeFileSync(
    path,
    `const vm = require('node:vm'); const Script = vm.Script; const seen = {};
     vm.Script = class extends Script { constructor(s, o) { super(s, o); if (o && o.cachedData) seen[require('node:path').basename(o.filename)] = this.cachedDataRejected; } };
     globalThis.reportCaches = () => (${report})(seen);${atLoad ? '\n     setImmediate(() => reportCaches());' : ''}`,
  );
  return path;
}

test('the binaries load the bundles, and V8 takes each bundle\'s code cache', (t) => {
  const entry = tandemdEntry();
  if (!fromBundles(entry)) {
    t.log(`bundles older than tsc's output: the binaries run ${entry}`);
    t.regex(entry, /dist\/src\/entry\.js$/);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bundle-'));
  try {
    const probe = cacheProbe(dir, '(seen) => process.stdout.write(JSON.stringify(seen))');
    const script = `
      const { join } = require('node:path');
      const { programPath, BUNDLES } = require(${JSON.stringify(join(BIN, 'program.js'))});
      require(programPath('entry.js'));
      require(join(BUNDLES, 'config-check.js'));
      require(join(BUNDLES, 'genhash.js'));
      require(programPath('tandemctl.js'));
      // As entry.ts does before it loads the daemon.
      require('node:v8').setFlagsFromString('--no-flush-bytecode');
      require(join(BUNDLES, 'tandemd.js'));
      reportCaches();`;
    const r = spawnSync(process.execPath, ['--require', probe, '-e', script], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), { 'entry.js': false, 'config-check.js': false, 'genhash.js': false, 'tandemd.js': false, 'tandemctl.js': false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sides, forked as tandemd forks them from its bundles, load theirs with the code cache V8 takes', async (t) => {
  if (!fromBundles(tandemdEntry())) {
    t.log("bundles older than tsc's output: the sides run from it too");
    t.regex(sideEntry('vrrp'), /dist\/src\/vrrp\/side\.js$/);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bundle-'));
  const probe = cacheProbe(dir, '(seen) => { process.send(seen); process.exit(0); }', true);
  try {
    for (const side of ['vrrp', 'bfd'] as const) {
      // As the side clients fork them, from the daemon's bundle: bin/SIDE-side.js.
      const child = fork(join(BIN, `${side}-side.js`), [], { execArgv: [...SIDE_EXEC_ARGV, '--require', probe], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const seen = await new Promise<unknown>((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`the ${side} side exited ${String(code)} before it reported`)));
      });
      t.deepEqual(seen, { [`${side}-side.js`]: false }, side);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
