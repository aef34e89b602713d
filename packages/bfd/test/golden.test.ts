import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, encodingLength, initialState, step, type ControlPacket, type MachineState, type SessionParams } from '../src/index.js';

interface Fixture {
  from: 'keepalived 2.2.7' | 'FRR 8.4.4';
  ttl: number;
  tos: number;
  srcPort: number;
  dstPort: number;
  payloadHex: string;
  tcpdump: string;
}

const fixtures = (JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/peers-bfd.json'), 'utf8')) as { packets: Fixture[] }).packets;

function packetOf(f: Fixture): ControlPacket {
  const r = decode(Buffer.from(f.payloadHex, 'hex'));
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.packet;
}

test('the captures cover both peers, every state, Poll and Final, and diags 1 and 3', (t) => {
  const seen = new Set(fixtures.map((f) => `${f.from}/${packetOf(f).state}`));
  for (const s of ['Down', 'Up']) for (const who of ['keepalived 2.2.7', 'FRR 8.4.4']) t.true(seen.has(`${who}/${s}`), `${who} ${s}`);
  t.true(seen.has('FRR 8.4.4/Init') && seen.has('FRR 8.4.4/AdminDown'));
  const ps = fixtures.map(packetOf);
  t.true(ps.some((p) => p.poll) && ps.some((p) => p.final));
  t.true(ps.some((p) => p.diag === 1) && ps.some((p) => p.diag === 3));
});

for (const [i, f] of fixtures.entries()) {
  test(`decodes and re-encodes ${f.from}'s packet ${i}, byte for byte`, (t) => {
    const bytes = Buffer.from(f.payloadHex, 'hex');
    const r = decode(bytes);
    if (!r.ok) return t.fail(`${r.reason}: ${r.detail}`);
    t.is(r.bytes, bytes.length);
    t.is(encodingLength(r.packet), bytes.length);
    t.deepEqual(encode(r.packet), bytes);
    // RFC 5881 §4/§5: UDP 3784, a source port of 49152-65535, TTL 255.
    t.is(f.dstPort, 3784);
    t.true(f.srcPort >= 49152);
    t.is(f.ttl, 255);
    if (f.from === 'keepalived 2.2.7') {
      // tcpdump's own BFD printer agrees with the codec.
      const m = /State (\w+), Flags: \[([^\]]*)\]/.exec(f.tcpdump)!;
      t.is(r.packet.state as string, m[1]!);
      t.is(r.packet.poll, m[2]!.includes('Poll'));
      t.is(r.packet.final, m[2]!.includes('Final'));
      t.is(r.packet.requiredMinEchoRxUs, 0);
      t.is(f.tos, 0);
    } else {
      // notes/bfd-interop.md: FRR always advertises Required Min Echo RX 50 ms, sends DSCP CS6 from port 49152.
      t.is(r.packet.requiredMinEchoRxUs, 50_000);
      t.is(f.tos, 0xc0);
      t.is(f.srcPort, 49152);
    }
  });
}

const params: SessionParams = { desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3, idleTxUs: 1_000_000, passive: false };
const find = (from: Fixture['from'], pred: (p: ControlPacket) => boolean): ControlPacket => packetOf(fixtures.find((f) => f.from === from && pred(packetOf(f)))!);

test("tandem's machine follows FRR's captured packets: Init -> Up, answers its Poll, AdminDown -> Down diag 3", (t) => {
  let s: MachineState = initialState(params, 0x1234, 7);
  const feed = (p: ControlPacket, now: number) => {
    const r = step(params, s, { kind: 'packet', packet: p }, now);
    s = r.state;
    return r.actions;
  };
  s = step(params, s, { kind: 'start' }, 0).state;
  feed(find('FRR 8.4.4', (p) => p.state === 'Init'), 10);
  t.is(s.state, 'Up');
  const answer = feed(find('FRR 8.4.4', (p) => p.state === 'Up' && p.poll), 20);
  t.like(answer[0], { kind: 'send', packet: { final: true, poll: false, state: 'Up' } });
  feed(find('FRR 8.4.4', (p) => p.state === 'AdminDown'), 30);
  t.is(s.state, 'Down');
  t.is(s.localDiag, 3);
});

test("tandem's machine follows keepalived's captured packets: Down -> Init, its Up -> Up, its Down diag 1 -> Down", (t) => {
  let s: MachineState = initialState(params, 0x1234, 7);
  const feed = (p: ControlPacket, now: number): void => {
    s = step(params, s, { kind: 'packet', packet: p }, now).state;
  };
  s = step(params, s, { kind: 'start' }, 0).state;
  feed(find('keepalived 2.2.7', (p) => p.state === 'Down' && p.diag === 0), 10);
  t.is(s.state, 'Init');
  feed(find('keepalived 2.2.7', (p) => p.state === 'Up' && p.poll), 20);
  t.is(s.state, 'Up');
  feed(find('keepalived 2.2.7', (p) => p.state === 'Down' && p.diag === 1), 30);
  t.is(s.state, 'Down');
  t.is(s.localDiag, 3);
});
