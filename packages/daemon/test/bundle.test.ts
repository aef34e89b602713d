import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
