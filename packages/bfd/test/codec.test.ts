import test from 'ava';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { decode, encode, encodingLength, diagName, type ControlPacket, type DropReason, type SessionState } from '../src/index.js';

const base: ControlPacket = {
  diag: 0,
  state: 'Down',
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscriminator: 0x7ab9ceb5,
  yourDiscriminator: 0,
  desiredMinTxUs: 1_000_000,
  requiredMinRxUs: 10_000,
  requiredMinEchoRxUs: 0,
};

test('encodes the RFC 5880 §4.1 layout byte by byte', (t) => {
  const bytes = encode({ ...base, diag: 3, state: 'Up', poll: true, myDiscriminator: 0x01020304, yourDiscriminator: 0x0a0b0c0d, requiredMinEchoRxUs: 50_000 });
  t.is(
    bytes.toString('hex'),
    [
      '23', // version 1, diag 3
      'e0', // state Up (3), P
      '03', // detect mult
      '18', // length 24
      '01020304',
      '0a0b0c0d',
      '000f4240', // 1,000,000 µs
      '00002710', // 10,000 µs
      '0000c350', // 50,000 µs
    ].join(''),
  );
});

const packetArb: fc.Arbitrary<ControlPacket> = fc
  .record({
    diag: fc.integer({ min: 0, max: 31 }),
    state: fc.constantFrom<SessionState>('AdminDown', 'Down', 'Init', 'Up'),
    pf: fc.constantFrom([false, false], [true, false], [false, true]),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    detectMult: fc.integer({ min: 1, max: 255 }),
    myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
    yourDiscriminator: fc.integer({ min: 0, max: 0xffffffff }),
    desiredMinTxUs: fc.integer({ min: 0, max: 0xffffffff }),
    requiredMinRxUs: fc.integer({ min: 0, max: 0xffffffff }),
    requiredMinEchoRxUs: fc.integer({ min: 0, max: 0xffffffff }),
    auth: fc.option(fc.record({ type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ minLength: 1, maxLength: 40 }) }), { nil: undefined }),
  })
  .map(({ pf, auth, ...rest }) => ({ ...rest, poll: pf[0]!, final: pf[1]!, multipoint: false, ...(auth !== undefined ? { auth } : {}) }));

test('round trip: decode(encode(p)) is p, consumes encodingLength bytes, at any offset', (t) => {
  fc.assert(
    fc.property(packetArb, fc.integer({ min: 0, max: 16 }), (p, offset) => {
      const buf = Buffer.alloc(offset + encodingLength(p) + 3, 0xee);
      encode(p, buf, offset);
      const r = decode(buf, offset);
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      t.is(r.bytes, encodingLength(p));
      t.deepEqual({ ...r.packet, ...(r.packet.auth ? { auth: { type: r.packet.auth.type, data: Buffer.from(r.packet.auth.data) } } : {}) }, {
        ...p,
        ...(p.auth ? { auth: { type: p.auth.type, data: Buffer.from(p.auth.data) } } : {}),
      });
      t.deepEqual(encode(r.packet), encode(p));
    }),
  );
});

test('the decoder never throws on random bytes (100,000 buffers)', (t) => {
  let accepted = 0;
  let rejected = 0;
  t.notThrows(() => {
    for (let i = 0; i < 100_000; i++) {
      const bytes = randomBytes(i % 65);
      // One buffer in eight gets version 1, so that the later checks are reached too.
      if (bytes.length > 0 && i % 8 === 0) bytes[0] = (bytes[0]! & 0x1f) | 0x20;
      if (decode(bytes, i % 5).ok) accepted++;
      else rejected++;
    }
  });
  // Mostly rejected, but the checks are not so strict that nothing random gets through.
  t.true(accepted > 0 && rejected > accepted, `${accepted} accepted, ${rejected} rejected`);
  // A valid header with random tails still decodes.
  const head = encode(base);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => decode(Buffer.concat([head, tail])).ok));
});

function mutate(fn: (b: Buffer) => void, p: ControlPacket = base): Buffer {
  const b = encode(p);
  fn(b);
  return b;
}

const drops: Array<[string, Uint8Array, DropReason]> = [
  ['an empty datagram', Buffer.alloc(0), 'truncated'],
  ['version 0 (§6.8.6: version not 1)', mutate((b) => (b[0] = 0x00)), 'bad-version'],
  ['version 2', mutate((b) => (b[0] = 0x40)), 'bad-version'],
  ['three bytes', encode(base).subarray(0, 3), 'truncated'],
  ['Length 23 (§6.8.6: below 24)', mutate((b) => (b[3] = 23)), 'bad-length'],
  ['Length 25 with the A bit (§6.8.6: below 26)', mutate((b) => ((b[1] |= 0x04), (b[3] = 25))), 'bad-length'],
  ['Length beyond the UDP payload (§6.8.6)', mutate((b) => (b[3] = 40)), 'truncated'],
  ['a payload cut short of the header', encode(base).subarray(0, 20), 'truncated'],
  ['Detect Mult 0 (§6.8.6)', mutate((b) => (b[2] = 0)), 'bad-detect-mult'],
  ['the M bit (§6.8.6)', mutate((b) => (b[1] |= 0x01)), 'multipoint'],
  ['My Discriminator 0 (§6.8.6)', mutate((b) => b.writeUInt32BE(0, 4)), 'zero-my-discriminator'],
  ['an Auth Len past the Length (§4.2)', mutate((b) => (b[25] = 9), { ...base, auth: { type: 1, data: Uint8Array.of(1, 0x61) } }), 'bad-auth-length'],
];

for (const [what, bytes, reason] of drops) {
  test(`drops ${what} as ${reason}`, (t) => {
    const r = decode(bytes);
    t.false(r.ok);
    if (!r.ok) t.is(r.reason, reason);
  });
}

test('checks run in the order of §6.8.6: a bad version wins over a bad length and detect mult', (t) => {
  const r = decode(mutate((b) => ((b[0] = 0x40), (b[2] = 0), (b[3] = 1))));
  t.deepEqual(r.ok ? undefined : r.reason, 'bad-version');
  const r2 = decode(mutate((b) => ((b[2] = 0), b.writeUInt32BE(0, 4))));
  t.deepEqual(r2.ok ? undefined : r2.reason, 'bad-detect-mult');
});

test('encode refuses values that cannot be sent', (t) => {
  for (const bad of [
    { detectMult: 0 },
    { myDiscriminator: 0 },
    { poll: true, final: true },
    { desiredMinTxUs: 2 ** 32 },
    { diag: 32 },
  ] as Array<Partial<ControlPacket>>) {
    t.throws(() => encode({ ...base, ...bad }), { instanceOf: Error, message: /./ }, JSON.stringify(bad));
  }
  t.throws(() => encode(base, Buffer.alloc(10)), { message: /needs 24/ });
});

test('diagnostic names', (t) => {
  t.is(diagName(1), 'controlDetectionTimeExpired');
  t.is(diagName(7), 'administrativelyDown');
  t.is(diagName(20), 'unknown(20)');
});
