import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenDgram } from './dgram-listener.js';
import { notifyMessage, watchdogIntervalMs } from '../src/sd-notify.js';

const TANDEMD = join(__dirname, '..', '..', 'bin', 'tandemd.js');
const dir = mkdtempSync(join(tmpdir(), 'tandem-notify-'));

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the watchdog interval is half of WATCHDOG_USEC, and only for the process WATCHDOG_PID names', (t) => {
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: '10000000' }), 5000);
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: String(process.pid) }), 5000);
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '1' }), undefined);
  t.is(watchdogIntervalMs({}), undefined);
  t.is(notifyMessage({ READY: 1, STATUS: 'a\nb' }), 'READY=1\nSTATUS=a b');
});

test.serial('under a NOTIFY_SOCKET: READY=1 once running, RELOADING=1 with MONOTONIC_USEC around a reload, WATCHDOG=1 that stops while the VRRP side is stalled, STOPPING=1', async (t) => {
  const sock = await listenDgram(join(dir, 'notify'));
  const conf = join(dir, 'idle.conf');
  writeFileSync(conf, 'global_defs {\n    router_id idle\n}\n');
  const vrrpPid = join(dir, 'vrrp.pid');
  // --all: a VRRP side even for a file without VRRP configuration (the test stalls it below).
  const child = spawn('node', [TANDEMD, '-n', '-l', '--all', '-f', conf, '--control-socket', join(dir, 'n.sock'), '-r', vrrpPid], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '400000' },
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const m = sock.messages;
  const pings = (): number => m.filter((x) => x === 'WATCHDOG=1').length;
  try {
    await until('READY=1', () => m.some((x) => x.startsWith('READY=1')));
    t.true(output.includes('tandemd running'), 'READY=1 comes once the configuration is applied');
    t.regex(m.find((x) => x.startsWith('READY=1'))!, new RegExp(`^READY=1\\nSTATUS=0 VRRP instance\\(s\\), 0 virtual server\\(s\\); 0 reload\\(s\\) applied, 0 refused\\nMAINPID=${child.pid}$`));
    await until('watchdog pings every 200 ms', () => pings() >= 3);

    const before = process.hrtime.bigint() / 1000n;
    child.kill('SIGHUP');
    await until('READY=1 after the reload', () => m.filter((x) => x.startsWith('READY=1')).length >= 2);
    const reloading = m.find((x) => x.startsWith('RELOADING=1'))!;
    const usec = BigInt(/MONOTONIC_USEC=(\d+)/.exec(reloading)![1]!);
    t.true(usec >= before && usec <= process.hrtime.bigint() / 1000n, 'MONOTONIC_USEC is CLOCK_MONOTONIC at the reload');
    t.true(m.indexOf(reloading) < m.lastIndexOf(m.filter((x) => x.startsWith('READY=1')).at(-1)!));
    t.regex(m.filter((x) => x.startsWith('READY=1')).at(-1)!, /1 reload\(s\) applied/);

    // A stalled VRRP side: the supervisor still runs, but the pings stop, so systemd would restart tandemd.
    const side = Number(readFileSync(vrrpPid, 'utf8'));
    process.kill(side, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 500));
    const stalledAt = pings();
    await new Promise((r) => setTimeout(r, 1500));
    t.is(pings(), stalledAt, 'no WATCHDOG=1 while the VRRP side does not answer');
    process.kill(side, 'SIGCONT');
    await until('pings again', () => pings() >= stalledAt + 2);
  } finally {
    child.kill('SIGTERM');
    await gone;
    await sock.close();
  }
  t.true(m.some((x) => x.startsWith('STOPPING=1')));
});
