import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsShell, prepareScript, runScript, scriptSecurityProblem, splitCommand, type PreparedScript } from '../src/index.js';

test('arguments are split as keepalived splits them', (t) => {
  t.deepEqual(splitCommand('/bin/echo a  b'), ['/bin/echo', 'a', 'b']);
  t.deepEqual(splitCommand(`abcd" efg h jkl "mnop`), ['abcd efg h jkl mnop']);
  t.deepEqual(splitCommand(`abcd "efg h jkl" mnop`), ['abcd', 'efg h jkl', 'mnop']);
  t.deepEqual(splitCommand(`x 'it''s' "a'b"`), ['x', 'its', "a'b"]);
  t.deepEqual(splitCommand('a\\tb \\x41\\101 \\" \\\\'), ['a\tb', 'AA', '"', '\\']);
  t.deepEqual(splitCommand(`"" ''`), ['', '']);
});

test('a shell is used only when the line needs one', (t) => {
  t.false(needsShell('/usr/bin/curl -fsS http://127.0.0.1:8404/health'));
  t.false(needsShell(`/bin/echo "a | b" 'c > d'`));
  t.true(needsShell('pidof haproxy || exit 1'));
  t.true(needsShell('/bin/echo $HOME'));
  t.true(needsShell('/bin/echo "$HOME"'));
});

const me = process.getuid?.() ?? 0;
const user = String(me);

function prepared(text: string): PreparedScript {
  const p = prepareScript(text, { user }, user, false);
  if ('error' in p) throw new Error(p.error);
  return p;
}

test('exit codes, signals and output are reported', async (t) => {
  t.like(await runScript(prepared('/bin/true'), 5000), { code: 0, timedOut: false });
  t.like(await runScript(prepared('/bin/sh -c "echo out; echo err >&2; exit 3"'), 5000), { code: 3, output: 'out\nerr' });
  t.like(await runScript(prepared('/bin/echo'), 5000, ['INSTANCE', 'VI_1', 'MASTER', '150']), { code: 0, output: 'INSTANCE VI_1 MASTER 150' });
});

test('a hung script is killed at its timeout with its whole process group', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-script-'));
  const pidFile = join(dir, 'child.pid');
  const started = Date.now();
  const r = await runScript(prepared(`/bin/sh -c "sleep 30 & echo $! > ${pidFile}; sleep 30"`), 300);
  t.true(r.timedOut);
  t.is(r.signal, 'SIGKILL');
  t.true(Date.now() - started < 5000);
  const childPid = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((res) => setTimeout(res, 100));
  // Dead, or a zombie waiting for init to reap it: not running either way.
  let state = 'gone';
  try {
    state = readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0]!;
  } catch {
    // gone
  }
  t.true(state === 'gone' || state === 'Z', `the background child died with the group (state ${state})`);
});

test('a missing executable (marked missing: keepalived disables such a script) or user is refused when the script is prepared', (t) => {
  t.deepEqual(prepareScript('/nonexistent/check.sh', {}, user, false), { error: '/nonexistent/check.sh is not an executable file', missing: true });
  t.deepEqual(prepareScript('/bin/true', { user: 'no-such-user-x' }, user, false), { error: 'no user no-such-user-x' });
});

test('script security: a root script in a directory others can write is refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sec-'));
  const script = join(dir, 'check.sh');
  writeFileSync(script, '#!/bin/sh\nexit 0\n');
  chmodSync(script, 0o755);
  chmodSync(dir, 0o777);
  t.regex(scriptSecurityProblem(script) ?? '', /writable by everyone|not root/);
  t.is(scriptSecurityProblem('/bin/true'), undefined);
  if (me === 0) {
    const r = prepareScript(script, { user: 'root' }, 'root', true);
    t.true('error' in r && /refusing to run .* as root: .*writable by everyone/.test(r.error));
  }
});

test('as root, scripts run as the configured non-root user', async (t) => {
  if (me !== 0) {
    t.log('not root: user switching not exercised');
    t.pass();
    return;
  }
  const p = prepareScript('/usr/bin/id -u', {}, 'nobody', true);
  if ('error' in p) return t.fail(p.error);
  t.like(await runScript(p, 5000), { code: 0, output: '65534' });
});
