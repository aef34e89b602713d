import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { dumpPaths } from '../src/keepalived-signals.js';

const env = { TMPDIR: '/var/tmp' };

test('without the keywords the dumps go where keepalived 2.2.7 writes them: $TMPDIR (absolute) or /tmp', (t) => {
  t.deepEqual(dumpPaths({}, env), { data: '/var/tmp/keepalived.data', stats: '/var/tmp/keepalived.stats', json: '/var/tmp/keepalived.json' });
  t.is(dumpPaths({}, { TMPDIR: 'relative' }).data, '/tmp/keepalived.data');
});

test('state_dump_file and the others: an absolute path as it is, a trailing / a directory, a relative name in the temporary directory', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'dump-paths-')), 'keepalived.conf');
  writeFileSync(file, 'global_defs {\n    state_dump_file /run/ka/state.txt\n    stats_dump_file /run/ka/\n    json_dump_file ka.json\n}\n');
  const r = load(file);
  t.deepEqual(r.errors, []);
  t.deepEqual(dumpPaths(r.config!.globalDefs.dumpFiles, env), { data: '/run/ka/state.txt', stats: '/run/ka/keepalived.stats', json: '/var/tmp/ka.json' });
});
