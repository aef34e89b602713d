// keepalived's startup_script / shutdown_script run by runStartStopScript, with real processes.
import test from 'ava';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareScript, type PreparedScript } from '@tandem/healthcheck';
import type { ScriptSpec } from '@tandem/config';
import { runStartStopScript } from '../src/start-stop-script.js';
import { memoryLogger } from './fake-host.js';

const pos = { file: 'k.conf', line: 2, col: 3 };

function script(body: string): { spec: ScriptSpec; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ss-'));
  const path = join(dir, 'run.sh');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return { spec: { command: path, pos }, dir };
}

// As the user running the test (root here, the script in a private directory): the preparer's rules are script-prep's, tested there.
const prepare = (s: ScriptSpec): PreparedScript => {
  const p = prepareScript(s.command, {}, String(process.getuid?.() === 0 ? 'root' : process.env['USER']), false);
  if ('error' in p) throw new Error(p.error);
  return p;
};

test('a script that ends with a status: tandemd goes on, a non-zero status logged as keepalived logs it', async (t) => {
  const { spec, dir } = script(`echo ran > "$(dirname "$0")/marker"\nexit 3`);
  const log = memoryLogger();
  t.deepEqual(await runStartStopScript('startup', spec, 10, prepare, log), { kind: 'exited', code: 3 });
  t.is(readFileSync(join(dir, 'marker'), 'utf8'), 'ran\n');
  t.true(log.lines.includes('warn: startup script failed, status 3'), log.lines.join('\n'));
  const ok = script('exit 0');
  t.deepEqual(await runStartStopScript('shutdown', ok.spec, 10, prepare, log), { kind: 'exited', code: 0 });
});

test('at the timeout the process group gets SIGTERM; a child the script left is killed with it', async (t) => {
  const { spec, dir } = script(`sleep 30 &\necho $! > "$(dirname "$0")/child"\nsleep 30`);
  const log = memoryLogger();
  const started = Date.now();
  t.deepEqual(await runStartStopScript('startup', spec, 1, prepare, log), { kind: 'signalled', signal: 'SIGTERM', timedOut: true });
  t.true(Date.now() - started < 2500, `${Date.now() - started} ms`);
  t.true(log.lines.some((l) => l.startsWith('warn: startup script timed out after 1 s: sending its process group SIGTERM')), log.lines.join('\n'));
  const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
  await new Promise((r) => setTimeout(r, 100));
  t.false(existsSync(`/proc/${child}`) && !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z '), `child ${child} still runs`);
});

test('a script that ignores SIGTERM gets SIGKILL 2 s later, as keepalived sends it', async (t) => {
  const { spec } = script(`trap '' TERM\nwhile :; do sleep 0.1; done`);
  const log = memoryLogger();
  const started = Date.now();
  t.deepEqual(await runStartStopScript('shutdown', spec, 1, prepare, log), { kind: 'signalled', signal: 'SIGKILL', timedOut: true });
  const took = Date.now() - started;
  t.true(took >= 2900 && took < 4500, `${took} ms`);
  t.true(log.lines.some((l) => l.startsWith('warn: shutdown script still running: sending its process group SIGKILL')), log.lines.join('\n'));
});

test('a script that cannot run is logged and not waited for', async (t) => {
  const log = memoryLogger();
  const r = await runStartStopScript('startup', { command: '/nonexistent/start.sh', pos }, 10, prepare, log);
  t.is(r.kind, 'not-run');
  t.true(log.lines.some((l) => l.startsWith('error: startup script not run: ')), log.lines.join('\n'));
});
