import test from 'ava';
import { randomBytes } from 'node:crypto';
import { decodeProcEvent, encodeProcListen } from '../src/proc-connector.js';

/** A datagram as the kernel's cn_proc.c builds it: nlmsghdr, cn_msg, proc_event (what, cpu, timestamp, data). */
function datagram(what: number, data: Buffer, o: { cpu?: number; seq?: number; ack?: number; idx?: number } = {}): Buffer {
  const event = Buffer.alloc(16 + Math.max(data.length, 24));
  event.writeUInt32LE(what >>> 0, 0);
  event.writeUInt32LE(o.cpu ?? 0, 4);
  event.writeBigUInt64LE(123456789n, 8);
  data.copy(event, 16);
  const cn = Buffer.alloc(20);
  cn.writeUInt32LE(o.idx ?? 1, 0);
  cn.writeUInt32LE(1, 4);
  cn.writeUInt32LE(o.seq ?? 7, 8);
  cn.writeUInt32LE(o.ack ?? 0, 12);
  cn.writeUInt16LE(event.length, 16);
  const nl = Buffer.alloc(16);
  nl.writeUInt32LE(16 + 20 + event.length, 0);
  nl.writeUInt16LE(3, 4);
  return Buffer.concat([nl, cn, event]);
}

const ints = (...v: number[]): Buffer => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeInt32LE(x, i * 4));
  return b;
};

test('decodes the events process tracking follows, with their CPU and sequence number', (t) => {
  t.deepEqual(decodeProcEvent(datagram(0x1, ints(100, 100, 4242, 4242), { cpu: 3, seq: 9 })), { ok: true, cpu: 3, seq: 9, event: { kind: 'fork', parentTgid: 100, childPid: 4242, childTgid: 4242 } });
  t.deepEqual(decodeProcEvent(datagram(0x2, ints(4242, 4242))), { ok: true, cpu: 0, seq: 7, event: { kind: 'exec', pid: 4242, tgid: 4242 } });
  t.deepEqual(decodeProcEvent(datagram(0x80000000, ints(4243, 4242, 0, 17))), { ok: true, cpu: 0, seq: 7, event: { kind: 'exit', pid: 4243, tgid: 4242 } });
  const comm = Buffer.concat([ints(4242, 4242), Buffer.from('haproxy\0\0\0\0\0\0\0\0\0')]);
  t.deepEqual(decodeProcEvent(datagram(0x200, comm)), { ok: true, cpu: 0, seq: 7, event: { kind: 'comm', pid: 4242, tgid: 4242, comm: 'haproxy' } });
  // A 15-character name fills comm up to its terminating NUL.
  t.like(decodeProcEvent(datagram(0x200, Buffer.concat([ints(1, 1), Buffer.from('abcdefghijklmno\0')]))), { ok: true, event: { comm: 'abcdefghijklmno' } });
  t.deepEqual(decodeProcEvent(datagram(0, Buffer.alloc(0), { ack: 1 })), { ok: true, cpu: 0, seq: 7, event: { kind: 'ack' } });
});

test('skips other events, other connectors and short datagrams', (t) => {
  t.deepEqual(decodeProcEvent(datagram(0x4, ints(1, 1, 0, 0))), { ok: false, reason: 'other-event' });
  t.deepEqual(decodeProcEvent(datagram(0, Buffer.alloc(0))), { ok: false, reason: 'other-event' });
  t.deepEqual(decodeProcEvent(datagram(0x2, ints(1, 1), { idx: 2 })), { ok: false, reason: 'not-proc' });
  t.deepEqual(decodeProcEvent(datagram(0x2, ints(1, 1)).subarray(0, 40)), { ok: false, reason: 'short' });
  const lying = datagram(0x2, ints(1, 1));
  lying.writeUInt32LE(500, 0);
  t.deepEqual(decodeProcEvent(lying), { ok: false, reason: 'short' });
});

test('random bytes never make the decoder throw', (t) => {
  for (let i = 0; i < 100_000; i++) {
    const b = randomBytes(i % 120);
    if (i % 3 === 0 && b.length >= 4) b.writeUInt32LE(b.length, 0);
    decodeProcEvent(b);
  }
  t.pass();
});

test('the subscription is NLMSG_DONE with a cn_msg for the proc connector and the LISTEN or IGNORE op', (t) => {
  t.is(encodeProcListen(true, 0x1234).toString('hex'), ['28000000', '0300', '0000', '00000000', '34120000', '01000000', '01000000', '00000000', '00000000', '0400', '0000', '01000000'].join(''));
  t.is(encodeProcListen(false, 1).readUInt32LE(36), 2);
});
