import test from 'ava';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { startDnsServer } from './dns-server.js';
import { dnsCheck, miscCheck, prepareScript, replyMatches, udpCheck, type PreparedScript } from '../src/index.js';

const never = new AbortController().signal;
const me = String(process.getuid?.() ?? 0);
const script = (text: string): PreparedScript => {
  const p = prepareScript(text, { user: me }, me, false);
  if ('error' in p) throw new Error(p.error);
  return p;
};

test('MISC_CHECK: exit 0 up, 1 down, misc_dynamic maps 2-255 to a weight, a hang times out', async (t) => {
  t.like(await miscCheck({ script: script('/bin/true'), timeoutMs: 2000, dynamic: false })(never), { ok: true });
  t.like(await miscCheck({ script: script('/bin/sh -c "echo sick; exit 1"'), timeoutMs: 2000, dynamic: false })(never), { ok: false, reason: '/bin/sh -c "echo sick; exit 1": exit 1: sick' });
  t.like(await miscCheck({ script: script('/bin/sh -c "exit 7"'), timeoutMs: 2000, dynamic: true })(never), { ok: true, weight: 5 });
  t.like(await miscCheck({ script: script('/bin/sh -c "exit 7"'), timeoutMs: 2000, dynamic: false })(never), { ok: false });
  t.like(await miscCheck({ script: script('/bin/sleep 10'), timeoutMs: 200, dynamic: false })(never), { ok: false, reason: '/bin/sleep 10: timed out after 200 ms' });
});

test('DNS_CHECK: an answer is up; NXDOMAIN and silence are down with the reason', async (t) => {
  const { port, socket } = await startDnsServer('127.0.0.1', 0);
  try {
    const check = (name: string) => dnsCheck({ host: '127.0.0.1', port, type: 'A', name, timeoutMs: 300 })(never);
    t.deepEqual(await check('ok.test'), { ok: true, reason: 'A ok.test: 1 answer' });
    t.deepEqual(await check('missing.test'), { ok: false, reason: 'A missing.test: ENOTFOUND' });
    // Ended by the check's own timer at connect_timeout, not by c-ares (which waits twice as long).
    t.like(await check('hang.test'), { ok: false, reason: 'A hang.test: no answer within 300 ms' });
  } finally {
    socket.close();
  }
});

test('UDP_CHECK: an echo with the required reply is up; a closed port is down by ICMP; a mismatch is down', async (t) => {
  const echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('ok:'), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
  const port = (echo.address() as AddressInfo).port;
  try {
    t.like(await udpCheck({ host: '127.0.0.1', port, payload: '7069', requireReply: '6f6b3aXX69', timeoutMs: 500 })(never), { ok: true, reason: 'reply of 5 bytes' });
    t.like(await udpCheck({ host: '127.0.0.1', port, payload: '7069', requireReply: '6e6f', timeoutMs: 500 })(never), { ok: false });
    t.like(await udpCheck({ host: '127.0.0.1', port, payload: '00', maxReplyLength: 2, timeoutMs: 500 })(never), { ok: false, reason: 'reply of 4 bytes, above 2' });
  } finally {
    echo.close();
  }
  t.like(await udpCheck({ host: '127.0.0.1', port, payload: '00', timeoutMs: 500 })(never), { ok: false, reason: 'ECONNREFUSED' });
  t.true(replyMatches(Buffer.from('abcd', 'hex'), 'aXcd'));
  t.false(replyMatches(Buffer.from('ab', 'hex'), 'abcd'));
});
