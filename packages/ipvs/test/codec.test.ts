import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { addressToInetAddr, inetAddrAt } from '../src/address.js';
import { CmdAttr, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../src/constants.js';
import { decodeDaemon, decodeDestination, decodeFamilyId, decodeInfo, decodeService, decodeTimeouts, type Decoded } from '../src/decode.js';
import { decodeReplies, encodeMessage, endsAnswer, lastRequest } from '../src/framing.js';
import { operationCmd, writeDaemon, writeDestination, writeOperation, writeService } from '../src/messages.js';
import { encodeAttrs, MessageWriter } from '../src/nlattr.js';
import type { Operation } from '../src/operations.js';
import type { Destination, Service, SyncDaemon } from '../src/types.js';

// Codec properties: what is encoded decodes to itself, the writer's bytes do not depend on
// how often its buffer grew, and no input makes a decoder throw (mqtt-packet's testRandom).

const arbIPv4 = fc.ipV4();
// Addresses as the kernel's bytes print them (RFC 5952), so a decoded key compares equal.
const arbIPv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => inetAddrAt(b, 0, 'inet6'));
const arbService: fc.Arbitrary<Service> = fc.oneof(
  fc.record({
    key: fc.oneof(
      fc.record({ family: fc.constant('inet' as const), protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const), address: arbIPv4, port: fc.integer({ min: 0, max: 65535 }) }),
      fc.record({ family: fc.constantFrom('inet' as const, 'inet6' as const), fwmark: fc.integer({ min: 1, max: 0xffffffff }) }),
    ),
    scheduler: fc.constantFrom('rr', 'wlc', 'sh', 'mh', 'none'),
    flags: fc.constantFrom(0, 1, 4, 8, 0x18, 0x1d),
    timeout: fc.integer({ min: 0, max: 86400 }),
    netmask: fc.integer({ min: 0, max: 32 }),
  }),
  fc.record({
    key: fc.record({ family: fc.constant('inet6' as const), protocol: fc.constantFrom('tcp' as const, 'udp' as const), address: arbIPv6, port: fc.integer({ min: 0, max: 65535 }) }),
    scheduler: fc.constantFrom('rr', 'wrr'),
    flags: fc.constantFrom(0, 1),
    timeout: fc.integer({ min: 0, max: 86400 }),
    netmask: fc.integer({ min: 1, max: 128 }),
    pe: fc.constantFrom('sip'),
  }),
);
const arbDestination: fc.Arbitrary<Destination> = fc.record({
  address: arbIPv4,
  port: fc.integer({ min: 0, max: 65535 }),
  forward: fc.constantFrom('masq' as const, 'droute' as const, 'local' as const, 'bypass' as const),
  weight: fc.integer({ min: 0, max: 0xffffffff }),
  upperThreshold: fc.integer({ min: 0, max: 0xffffffff }),
  lowerThreshold: fc.integer({ min: 0, max: 0xffffffff }),
});
const arbTunnelled: fc.Arbitrary<Destination> = fc.record({
  address: arbIPv4,
  port: fc.integer({ min: 0, max: 65535 }),
  forward: fc.constant('tunnel' as const),
  weight: fc.integer({ min: 0, max: 100 }),
  upperThreshold: fc.constant(0),
  lowerThreshold: fc.constant(0),
  tunnel: fc.record({ type: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const), port: fc.integer({ min: 0, max: 65535 }), checksum: fc.constantFrom('nocsum' as const, 'csum' as const, 'remcsum' as const) }),
});

function value<T>(t: ExecutionContext, d: Decoded<T>): T | undefined {
  if (!d.ok) t.fail(d.detail);
  return d.ok ? d.value : undefined;
}

test('a service decodes to what was encoded (a request carries the attributes a dump does)', (t) => {
  fc.assert(
    fc.property(arbService, (s) => {
      const d = value(t, decodeService(encodeAttrs((w) => writeService(w, s))));
      if (d === undefined) return;
      const { stats, ...rest } = d;
      t.deepEqual(rest, { ...structuredClone(s), flags: s.flags & ~2 }, 'HASHED (2) is the kernel\'s own flag');
      t.is(stats.conns, 0n);
    }),
  );
});

test('a destination decodes to what was encoded, tunnel settings included', (t) => {
  fc.assert(
    fc.property(fc.oneof(arbDestination, arbTunnelled), (d) => {
      const decoded = value(t, decodeDestination(encodeAttrs((w) => writeDestination(w, { family: 'inet', fwmark: 1 }, d)), 'inet'));
      if (decoded === undefined) return;
      const counters = ['stats', 'activeConns', 'inactiveConns', 'persistConns'];
      t.deepEqual(Object.fromEntries(Object.entries(decoded).filter(([k]) => !counters.includes(k))), structuredClone(d));
    }),
  );
});

test('a sync daemon decodes to what was encoded', (t) => {
  const arbDaemon: fc.Arbitrary<SyncDaemon> = fc.record(
    {
      state: fc.constantFrom('master' as const, 'backup' as const),
      interface: fc.constantFrom('eth0', 'bond0.100', 'x'),
      syncId: fc.integer({ min: 0, max: 255 }),
      maxlen: fc.integer({ min: 0, max: 65535 }),
      group: fc.oneof(fc.constantFrom('224.0.0.81', '239.1.2.3'), fc.constantFrom('ff02::81', 'ff05::1:3')),
      port: fc.integer({ min: 1, max: 65535 }),
      ttl: fc.integer({ min: 1, max: 255 }),
    },
    { requiredKeys: ['state', 'interface', 'syncId'] },
  );
  fc.assert(fc.property(arbDaemon, (d) => void t.deepEqual(value(t, decodeDaemon(encodeAttrs((w) => writeDaemon(w, d)))), structuredClone(d))));
});

test('the writer gives the same bytes however small its first buffer, and a message header says its length', (t) => {
  const arbOp: fc.Arbitrary<Operation> = fc.oneof(
    arbService.map((service) => ({ op: 'add-service' as const, service })),
    fc.tuple(arbService, fc.oneof(arbDestination, arbTunnelled)).map(([s, destination]) => ({ op: 'update-destination' as const, key: s.key, destination })),
    fc.tuple(arbService, arbDestination).map(([s, destination]) => ({ op: 'delete-destination' as const, key: s.key, destination })),
  );
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (ops, first) => {
      const encode = (size: number): Buffer[] => {
        const w = new MessageWriter(size);
        return ops.map((op, i) => {
          w.begin(0x22, NLM_F_REQUEST, i + 1, operationCmd(op), 1);
          writeOperation(w, op);
          w.end();
          return w.take();
        });
      };
      const small = encode(first);
      t.deepEqual(small, encode(1 << 16));
      for (const m of small) t.is(m.readUInt32LE(0), m.length);
    }),
  );
  t.deepEqual(encodeMessage(0x10, NLM_F_REQUEST, 7, 3, 1, (w) => w.str(2, 'IPVS')), Buffer.from('20000000 1000 0100 07000000 00000000 0301 0000 0900 0200 49505653 00000000'.replace(/ /g, ''), 'hex'));
});

test('an exchange waits for the last request of each datagram: its ack, its dump DONE, or a get without ack its reply', (t) => {
  const request = (seq: number, flags: number): Buffer => encodeMessage(0x22, flags, seq, 4, 1);
  const reply = (seq: number, type: number, flags = 0): Buffer => {
    const b = Buffer.alloc(type === NLMSG_ERROR ? 36 : 20);
    b.writeUInt32LE(b.length, 0);
    b.writeUInt16LE(type, 4);
    b.writeUInt16LE(flags, 6);
    b.writeUInt32LE(seq, 8);
    return b;
  };
  const batch = lastRequest(Buffer.concat([request(1, NLM_F_REQUEST), request(2, NLM_F_REQUEST | NLM_F_ACK)]));
  t.deepEqual(batch, { seq: 2, dump: false, ack: true });
  t.false(endsAnswer(reply(1, NLMSG_ERROR), batch), 'a refusal of an earlier request is not the end');
  t.true(endsAnswer(Buffer.concat([reply(1, NLMSG_ERROR), reply(2, NLMSG_ERROR)]), batch));
  const dump = lastRequest(request(5, NLM_F_REQUEST | NLM_F_DUMP));
  t.false(endsAnswer(reply(5, 0x22, NLM_F_MULTI), dump));
  t.true(endsAnswer(Buffer.concat([reply(5, 0x22, NLM_F_MULTI), reply(5, NLMSG_DONE)]), dump));
  const get = lastRequest(request(9, NLM_F_REQUEST));
  t.true(endsAnswer(reply(9, 0x22), get));
  t.false(endsAnswer(reply(8, 0x22), get), 'another sequence number');
});

// ---- random input: every decoder answers with a value or a reason, never an exception ----

const RUNS = 20_000;

/** Random attribute runs with valid headers, some nested under the command attribute, so the decoders' inner checks are reached too. */
const u16le = (n: number): Uint8Array => Uint8Array.of(n & 0xff, n >> 8);
const arbPayload = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  // Values the decoders look for: address families, protocols, 4- and 16-byte addresses.
  fc.constantFrom(u16le(2), u16le(10), u16le(6), u16le(17), u16le(132)),
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
const arbAttrs: fc.Arbitrary<Buffer> = fc
  .array(fc.record({ type: fc.integer({ min: 0, max: 16 }), payload: arbPayload }), { maxLength: 14 })
  .map((attrs) => encodeAttrs((w) => attrs.forEach((a) => w.bytes(a.type, a.payload))));
// Sometimes a valid start: a service's family and protocol, or a destination's address and port.
const arbPrefix = fc.option(
  fc.oneof(
    fc.tuple(fc.constantFrom(2, 10), fc.constantFrom(6, 17, 132)).map(([af, proto]) =>
      encodeAttrs((w) => {
        w.u16(1, af);
        w.u16(2, proto);
      }),
    ),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((addr) =>
      encodeAttrs((w) => {
        w.bytes(1, addr);
        w.be16(2, 80);
      }),
    ),
  ),
);
const arbNested: fc.Arbitrary<Buffer> = fc.tuple(fc.constantFrom(CmdAttr.Service, CmdAttr.Dest, CmdAttr.Daemon), arbPrefix, arbAttrs, fc.uint8Array({ maxLength: 8 })).map(([type, prefix, attrs, tail]) => {
  const inner = Buffer.concat([prefix ?? Buffer.alloc(0), attrs]);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + inner.length, 0);
  head.writeUInt16LE(type | 0x8000, 2);
  return Buffer.concat([head, inner, tail]);
});
const arbInput = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), arbAttrs, arbNested);

const decoders: Array<[string, (b: Buffer) => Decoded<unknown>]> = [
  ['decodeService', (b) => decodeService(b)],
  ['decodeDestination', (b) => decodeDestination(b, 'inet6')],
  ['decodeDaemon', (b) => decodeDaemon(b)],
  ['decodeTimeouts', (b) => decodeTimeouts(b)],
  ['decodeInfo', (b) => decodeInfo(b)],
  ['decodeFamilyId', (b) => decodeFamilyId(b)],
  ['decodeReplies', (b) => decodeReplies(b)],
];

for (const [name, decode] of decoders) {
  test(`random bytes: ${name} never throws, and tells why it refuses`, (t) => {
    let refused = 0;
    fc.assert(
      fc.property(arbInput, fc.nat({ max: 7 }), (bytes, cut) => {
        // Also at an offset into a larger buffer, as the client passes payloads in place.
        const r = decode(bytes.subarray(Math.min(cut, bytes.length)));
        if (!r.ok) {
          refused++;
          t.true(r.detail.length > 0);
        }
      }),
      { numRuns: RUNS },
    );
    t.log(`${refused} of ${RUNS} refused`);
    t.true(refused < RUNS, 'some inputs decode: the checks past the first are reached');
  });
}

test('random bytes at an offset: the decoders read only inside [start, end)', (t) => {
  fc.assert(
    fc.property(arbInput, fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes, pad) => {
      // A payload between other bytes decodes as it does alone.
      const framed = Buffer.concat([Buffer.from(pad), bytes, Buffer.from(pad)]);
      const start = pad.length;
      const end = start + bytes.length;
      t.deepEqual(decodeService(framed, start, end), decodeService(bytes));
      t.deepEqual(decodeDestination(framed, 'inet', start, end), decodeDestination(bytes, 'inet'));
      t.deepEqual(decodeDaemon(framed, start, end), decodeDaemon(bytes));
    }),
    { numRuns: 5000 },
  );
});

test('IPv4 text parses as node:net reads it: four decimal octets, no leading zeros, nothing else', (t) => {
  fc.assert(
    fc.property(fc.ipV4(), (a) => {
      t.deepEqual([...addressToInetAddr(a).subarray(0, 4)], a.split('.').map(Number));
      t.true(addressToInetAddr(a).subarray(4).every((b) => b === 0));
    }),
  );
  for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.', '256.1.1.1', '1..2.3', '', '1.2.3.4 ', '1.2.3.-4', '1.2.3.4000']) t.throws(() => addressToInetAddr(bad), { instanceOf: TypeError }, bad);
  t.deepEqual([...addressToInetAddr('::ffff:1.2.3.4')], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
});
