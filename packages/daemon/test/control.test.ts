import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlSocket, requestControl, formatStatus } from '../src/index.js';

test('the control socket is mode 0600 and answers commands as JSON', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-ctl-')), 'sub', 'tandem.sock');
  const server = await openControlSocket(path, async (cmd) => {
    if (cmd === 'reload') throw new Error('nope');
    return { cmd };
  });
  try {
    t.is(statSync(path).mode & 0o777, 0o600);
    t.deepEqual(await requestControl(path, 'status'), { ok: true, data: { cmd: 'status' } });
    t.deepEqual(await requestControl(path, 'reload'), { ok: false, error: 'nope' });
    t.deepEqual(await requestControl(path, 'bogus' as 'status'), { ok: false, error: 'unknown command; expected one of status, stats, dump, reload' });
  } finally {
    server.close();
  }
});

test('a missing daemon is a clear error', async (t) => {
  await t.throwsAsync(requestControl('/nonexistent/tandem.sock', 'status'), { message: /ENOENT/ });
});

test('plain status is a table', (t) => {
  const text = formatStatus({
    instances: [{ name: 'VI_1', state: 'MASTER', priority: 150, effectivePriority: 150, vips: ['192.0.2.100/24'], interface: 'eth0', vrid: 51, master: '192.0.2.11' }],
  });
  t.is(text, 'INSTANCE  STATE   PRIO  EFFECTIVE  IF    VRID  MASTER      VIPS\nVI_1      MASTER  150   150        eth0  51    192.0.2.11  192.0.2.100/24');
  const withReals = formatStatus({
    instances: [],
    virtualServers: [{ name: '192.0.2.100:80/TCP', reals: [{ address: '198.51.100.1', port: 80, up: false, weight: 0, lastCheck: '2026-11-25T08:00:00.000Z', reason: 'connect ECONNREFUSED' }] }],
  });
  t.regex(withReals, /192\.0\.2\.100:80\/TCP +198\.51\.100\.1:80 +DOWN +0 +2026-11-25T08:00:00\.000Z +connect ECONNREFUSED/);
  t.regex(withReals, /192\.0\.2\.100:80\/TCP +not programmed: unknown +-/);
  const withSync = formatStatus({
    instances: [],
    virtualServers: [{ name: '192.0.2.100:80/TCP', programmed: true, quorum: 'up', reals: [] }],
    syncDaemon: { interface: 'eth1', syncId: 7, instance: 'VI_1', running: ['master'] },
  });
  t.regex(withSync, /192\.0\.2\.100:80\/TCP +programmed +up/);
  t.regex(withSync, /SYNC DAEMON {2}master on eth1, sync id 7, following VI_1$/);
});

/** Opens a raw connection to the socket and collects everything the daemon sends until it closes. */
function rawSession(path: string, send: string): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const conn = createConnection(path);
    let text = '';
    conn.setEncoding('utf8');
    conn.on('connect', () => {
      if (send !== '') conn.write(send);
    });
    conn.on('data', (d: string) => (text += d));
    // A connection turned away may fail the write (EPIPE): it still ends in 'close'.
    conn.on('error', () => undefined);
    conn.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
  });
}

test('one request per connection: bytes after the first line never run a second command', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-ctl-')), 'tandem.sock');
  let reloads = 0;
  const server = await openControlSocket(path, async (cmd) => {
    if (cmd === 'reload') reloads++;
    return { cmd };
  });
  try {
    const line = `${JSON.stringify({ cmd: 'reload' })}\n`;
    const r = await rawSession(path, line + line + line);
    t.is(reloads, 1);
    t.deepEqual(r.text.trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ ok: true, data: { cmd: 'reload' } }]);
  } finally {
    server.close();
  }
});

test('a silent connection is closed after the idle limit, and connections beyond the cap are closed at once', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-ctl-')), 'tandem.sock');
  const server = await openControlSocket(path, async (cmd) => ({ cmd }), { maxConnections: 4, idleMs: 300, maxRequestBytes: 4096 });
  try {
    const idle = await rawSession(path, '');
    t.true(idle.closedAfterMs >= 250, `closed after ${idle.closedAfterMs} ms`);
    t.is(idle.text, '');
    // Four silent clients fill the cap; a fifth is turned away, the daemon itself is unharmed.
    const silent = [0, 1, 2, 3].map(() => createConnection(path));
    await Promise.all(silent.map((c) => new Promise((r) => c.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const fifth = await rawSession(path, `${JSON.stringify({ cmd: 'status' })}\n`);
    t.is(fifth.text, '', 'the fifth connection got no answer');
    for (const c of silent) c.destroy();
    await new Promise((r) => setTimeout(r, 50));
    t.deepEqual(await requestControl(path, 'status'), { ok: true, data: { cmd: 'status' } }, 'served again once the others left');
  } finally {
    server.close();
  }
});

test('a second daemon never removes a live control socket', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-ctl-')), 'tandem.sock');
  const first = await openControlSocket(path, async () => 'first');
  try {
    await t.throwsAsync(openControlSocket(path, async () => 'second'), { message: /a live daemon answers on/ });
    t.deepEqual(await requestControl(path, 'status'), { ok: true, data: 'first' });
  } finally {
    first.close();
  }
});

test('a stale socket (its daemon gone) is replaced; a file that is not a socket is not removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ctl-'));
  const path = join(dir, 'tandem.sock');
  // A socket file with no listener behind it: what kill -9 leaves.
  const stale = await openControlSocket(path, async () => 'old');
  const leftover = join(dir, 'left.sock');
  renameSync(path, leftover);
  stale.close();
  renameSync(leftover, path);
  const server = await openControlSocket(path, async () => 'new');
  try {
    t.deepEqual(await requestControl(path, 'status'), { ok: true, data: 'new' });
  } finally {
    server.close();
  }
  const plain = join(dir, 'plain.sock');
  writeFileSync(plain, 'not a socket');
  await t.throwsAsync(openControlSocket(plain, async () => 'x'), { message: /exists and is not a socket/ });
  t.is(readFileSync(plain, 'utf8'), 'not a socket');
});

test('tandemctl refuses a socket in a directory others can write', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ctl-'));
  const path = join(dir, 'tandem.sock');
  const server = await openControlSocket(path, async () => 'forged?');
  try {
    chmodSync(dir, 0o777);
    await t.throwsAsync(requestControl(path, 'status'), { message: /refusing to trust .*writable by others/ });
    chmodSync(dir, 0o700);
    t.deepEqual(await requestControl(path, 'status'), { ok: true, data: 'forged?' });
  } finally {
    server.close();
  }
});
