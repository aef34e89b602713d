import test from 'ava';
import { statSync, mkdtempSync } from 'node:fs';
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
