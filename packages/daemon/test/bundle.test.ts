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

test('the binaries load the bundles, and V8 takes each bundle\'s code cache', (t) => {
  const script = `
    const vm = require('node:vm');
    const Script = vm.Script;
    const seen = {};
    vm.Script = class extends Script {
      constructor(source, options) {
        super(source, options);
        if (options && options.cachedData) seen[require('node:path').basename(options.filename)] = this.cachedDataRejected;
      }
    };
    const { programPath, BUNDLES } = require(${JSON.stringify(join(BIN, 'program.js'))});
    const entry = programPath('entry.js');
    require(entry);
    require(require('node:path').join(BUNDLES, 'config-check.js'));
    require(programPath('tandemctl.js'));
    // As entry.ts does before it loads the daemon.
    require('node:v8').setFlagsFromString('--no-flush-bytecode');
    require(require('node:path').join(BUNDLES, 'tandemd.js'));
    process.stdout.write(JSON.stringify({ entry, seen }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const { entry, seen } = JSON.parse(r.stdout) as { entry: string; seen: Record<string, boolean> };
  if (!entry.includes(`${join('dist', 'bundle')}`)) {
    // tsc has built since the bundles were made (a developer's `tsc -b`): the binaries run tsc's output.
    t.log(`bundles older than tsc's output: ${entry}`);
    t.regex(entry, /dist\/src\/entry\.js$/);
    return;
  }
  t.deepEqual(seen, { 'entry.js': false, 'config-check.js': false, 'tandemd.js': false, 'tandemctl.js': false });
});

test("the sides, forked as tandemd forks them from its bundles, load theirs with the code cache V8 takes", async (t) => {
  const fresh = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(join(BIN, 'program.js'))}).programPath('entry.js'))`], { encoding: 'utf8' }).stdout;
  if (!fresh.includes(join('dist', 'bundle'))) {
    t.log("bundles older than tsc's output: the sides run from it too");
    t.regex(sideEntry('vrrp'), /dist\/src\/vrrp\/side\.js$/);
    return;
  }
  // A preload that notes what V8 made of each cache, and reports once the side's code has loaded.
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bundle-'));
  const preload = join(dir, 'seen.js');
  writeFileSync(
    preload,
    `const vm = require('node:vm'); const Script = vm.Script; const seen = {};
     vm.Script = class extends Script { constructor(s, o) { super(s, o); if (o && o.cachedData) seen[require('node:path').basename(o.filename)] = this.cachedDataRejected; } };
     setImmediate(() => { process.send(seen); process.exit(0); });`,
  );
  try {
    for (const side of ['vrrp', 'bfd'] as const) {
      // As the side clients fork them, from the daemon's bundle: bin/SIDE-side.js.
      const entry = join(BIN, `${side}-side.js`);
      const child = fork(entry, [], { execArgv: [...SIDE_EXEC_ARGV, '--require', preload], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
