import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenDgram, type DgramListener } from './dgram-listener.js';
import type { UnixDgramSocket } from 'unix-dgram';
import { formatSyslog, SyslogTransport } from '../src/syslog.js';

const TANDEMD = join(__dirname, '..', '..', 'bin', 'tandemd.js');
const dir = mkdtempSync(join(tmpdir(), 'tandem-syslog-'));
const conf = join(dir, 'idle.conf');
writeFileSync(conf, 'global_defs {\n    router_id idle\n}\n');

test('a line is formatted as glibc\'s syslog(3) sends it to /dev/log', (t) => {
  const d = new Date(2026, 10, 9, 13, 5, 7);
  t.is(formatSyslog(3, 6, d, 'tandemd', 42, '(VI_1) Entering MASTER STATE'), '<30>Nov  9 13:05:07 tandemd[42]: (VI_1) Entering MASTER STATE');
  t.is(formatSyslog(23, 3, new Date(2026, 0, 31, 0, 0, 0), 'x', 1, 'm'), '<187>Jan 31 00:00:00 x[1]: m');
});

/** A /dev/log-like socket the test listens on: every datagram tandemd sends to it. */
async function listen(name: string): Promise<DgramListener & { lines: string[] }> {
  const l = await listenDgram(join(dir, name));
  return Object.assign(l, { lines: l.messages });
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(args: readonly string[]): { child: ChildProcess; stderr: () => string; gone: Promise<number | null> } {
  const child = spawn('node', [TANDEMD, '-n', '-f', conf, '--control-socket', join(dir, `${Math.random().toString(36).slice(2)}.sock`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (err += d.toString()));
  const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => err, gone };
}

test.serial('tandemd logs to syslog by default, with the facility -S gives, its pid, and nothing on the console', async (t) => {
  const log = await listen('log1');
  const d = start(['--syslog-socket', log.path, '-S', 'local3', '-a']);
  try {
    await until('the running line in syslog', () => log.lines.some((l) => l.includes('tandemd running')));
    const running = log.lines.find((l) => l.includes('tandemd running'))!;
    // local3 (19) x 8 + info (6) = 158
    t.regex(running, new RegExp(`^<158>[A-Z][a-z]{2} [ 1-3][0-9] \\d\\d:\\d\\d:\\d\\d tandemd\\[${d.child.pid}\\]: tandemd running 0 VRRP instance`));
    // -a changes nothing in tandem, and says so at warning level: 19 x 8 + 4 = 156.
    t.true(log.lines.some((l) => l.startsWith('<156>') && l.includes('--address-monitoring')), 'a warning at local3.warning');
    t.is(d.stderr(), '', 'nothing on the console without -l');
  } finally {
    d.child.kill('SIGTERM');
    await d.gone;
    await log.close();
  }
  t.true(log.lines.some((l) => /SIGTERM: leaving VRRP/.test(l)), 'the stop is logged too');
});

test('with no syslog daemon, a line is tried once a second and the others are dropped unsent; once it listens, every line goes', (t) => {
  let now = 0;
  let listening = false;
  const sent: string[] = [];
  const unreachable: string[] = [];
  const socket = {
    on: () => socket,
    close: () => undefined,
    send: (buf: Buffer, _o: number, _l: number, _path: string, cb: (err?: { code: number; message: string }) => void) => {
      sent.push(buf.toString());
      cb(listening ? undefined : { code: -111, message: 'refused' });
    },
  };
  const tr = new SyslogTransport({ facility: 3, path: '/nowhere', render: (i) => String(i['message']), onUnreachable: (why) => unreachable.push(why), createSocket: () => socket as unknown as UnixDgramSocket, now: () => now });
  const line = (message: string): void => tr.log({ level: 'info', message }, () => undefined);
  for (let i = 0; i < 50; i++) line(`stop ${i}`);
  t.is(sent.length, 1, 'one send for 50 lines');
  t.deepEqual(unreachable, ['/nowhere: ECONNREFUSED']);
  now = 900;
  line('still down');
  t.is(sent.length, 1);
  now = 1000;
  line('a second later');
  t.is(sent.length, 2, 'tried again after a second');
  t.is(tr.dropped, 52);
  listening = true;
  now = 2000;
  line('back');
  line('and more');
  line('and more again');
  t.is(sent.length, 5, 'every line once it listens');
  t.regex(sent[4]!, /and more again$/);
  t.is(unreachable.length, 1, 'told once');
});

test.serial('-l logs to the console as well; --log-json sends JSON to syslog; -G sends nothing', async (t) => {
  const log = await listen('log2');
  const d = start(['--syslog-socket', log.path, '-l', '--log-json']);
  try {
    await until('the running line in syslog', () => log.lines.some((l) => l.includes('tandemd running')));
    await until('the running line on the console', () => d.stderr().includes('tandemd running'));
    const body = log.lines.find((l) => l.includes('tandemd running'))!.replace(/^<30>.{15} tandemd\[\d+\]: /, '');
    t.like(JSON.parse(body) as Record<string, unknown>, { level: 'info' });
    t.regex(d.stderr(), /^\{"level":"info","message":"tandemd running/m);
  } finally {
    d.child.kill('SIGTERM');
    await d.gone;
  }
  const count = log.lines.length;
  const quiet = start(['--syslog-socket', log.path, '-G', '-l']);
  try {
    await until('the running line on the console', () => quiet.stderr().includes('tandemd running'));
    t.is(log.lines.length, count, '-G: nothing more in syslog');
  } finally {
    quiet.child.kill('SIGTERM');
    await quiet.gone;
    await log.close();
  }
});

test.serial('with no syslog daemon listening, tandemd logs to stderr and says why', async (t) => {
  const d = start(['--syslog-socket', join(dir, 'nobody-listens')]);
  try {
    await until('the running line on stderr', () => d.stderr().includes('tandemd running'));
    t.regex(d.stderr(), /syslog unreachable \(.*nobody-listens: ENOENT\): logging to stderr instead/);
  } finally {
    d.child.kill('SIGTERM');
    await d.gone;
  }
});
