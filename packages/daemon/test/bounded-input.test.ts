import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestControl } from '../src/index.js';

// The file of issue 10: an `include conf.d/*` that catches a 200 MB file without a newline
// made tandemd -t and a reload run for 40 s, reach 4.3 GB and abort. Made here at test time.
const TANDEMD = join(__dirname, '..', '..', 'bin', 'tandemd.js');
const dir = mkdtempSync(join(tmpdir(), 'tandemd-bounded-'));
const conf = join(dir, 'keepalived.conf');

test.before(() => {
  const fd = openSync(join(dir, 'dump.txt'), 'w');
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  for (let i = 0; i < 200; i++) writeSync(fd, chunk);
  closeSync(fd);
});

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('tandemd -t on a 200 MB include without a newline: a positioned error and exit 5, in bounded time, no crash', (t) => {
  writeFileSync(conf, 'global_defs {\n    router_id lb1\n}\ninclude *.txt\n');
  const r = spawnSync('node', [TANDEMD, '-t', '-f', conf], { encoding: 'utf8', timeout: 30_000 });
  t.is(r.signal, null, 'ended by itself, not killed');
  t.is(r.status, 5, r.stdout + r.stderr);
  t.is(r.stdout, `${conf}:4:9: ${join(dir, 'dump.txt')} has ${200 * 1024 * 1024} bytes, more than the 16 MiB a file may have; not read\n`);
  t.is(r.stderr, '');
});

test('a reload that catches the 200 MB file is refused with the same error; tandemd keeps running and answering', async (t) => {
  writeFileSync(conf, 'global_defs {\n    router_id lb1\n}\n');
  const socket = join(dir, 'ctl.sock');
  const child = spawn('node', [TANDEMD, '-n', '-l', '-f', conf, '--control-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !output.includes('tandemd running'); i++) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(conf, 'global_defs {\n    router_id lb2\n}\ninclude *.txt\n');
    const reply = await requestControl(socket, 'reload', 30_000);
    t.deepEqual(reply, { ok: true, data: { applied: false, errors: [`${conf}:4:9: ${join(dir, 'dump.txt')} has ${200 * 1024 * 1024} bytes, more than the 16 MiB a file may have; not read`] } });
    t.true((await requestControl(socket, 'status')).ok, output);
    t.is(child.exitCode, null, output);
    child.kill('SIGTERM');
    t.is(await exited, 0, output);
  } finally {
    child.kill('SIGKILL');
  }
});
