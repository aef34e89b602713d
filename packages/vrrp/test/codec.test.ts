import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bytesToAddress,
  addressToBytes,
  decode,
  encode,
  encodingLength,
  internetChecksum,
  passwordAuthData,
  noAuthData,
  type Advertisement,
  type IpContext,
  type DropReason,
} from '../src/index.js';

interface Fixture {
  family: 4 | 6;
  ttl: number;
  src: string;
  dst: string;
  payloadHex: string;
  tcpdump: string;
}

const fixtures = (
  JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/keepalived-2.2.7-adverts.json'), 'utf8')) as {
    packets: Fixture[];
  }
).packets;

test('fixtures cover v2 with and without auth, v3 over IPv4, IPv6 and unicast, and priority 0', (t) => {
  const kinds = new Set(fixtures.map((f) => `${f.payloadHex.slice(0, 2)}/${f.family}/${f.dst.startsWith('224') || f.dst.startsWith('ff02') ? 'mc' : 'uc'}`));
  t.true(kinds.has('21/4/mc'));
  t.true(kinds.has('31/4/mc'));
  t.true(kinds.has('31/6/mc'));
  t.true(kinds.has('31/4/uc'));
  t.true(fixtures.some((f) => f.payloadHex.slice(4, 6) === '00'));
});

for (const f of fixtures) {
  const label = f.tcpdump.replace(/^.*Advertisement, /, '');
  test(`decodes and re-encodes keepalived's ${label}`, (t) => {
    const bytes = Buffer.from(f.payloadHex, 'hex');
    const ctx: IpContext = { family: f.family, src: bytesToAddress(addressToBytes(f.src)), dst: bytesToAddress(addressToBytes(f.dst)) };
    const r = decode(bytes, ctx);
    if (!r.ok) return t.fail(`${r.reason}: ${r.detail}`);
    const m = /vrid (\d+), prio (\d+)/.exec(f.tcpdump)!;
    t.is(r.advert.vrid, Number(m[1]));
    t.is(r.advert.priority, Number(m[2]));
    const addrs = /addrs(?:\(\d+\))?: ([^ ]+)/.exec(f.tcpdump)![1]!.split(',');
    t.deepEqual([...r.advert.addresses], addrs);
    const intvl = /intvl (\d+)(cs|s)/.exec(f.tcpdump)!;
    t.is(r.advert.intervalCs, Number(intvl[1]) * (intvl[2] === 's' ? 100 : 1));
    t.is(r.bytes, bytes.length);
    t.deepEqual(encode(r.advert, ctx), bytes);
    t.is(encodingLength(r.advert, f.family), bytes.length);
  });
}

test('v2 simple password auth data matches keepalived', (t) => {
  const f = fixtures.find((x) => x.tcpdump.includes('authtype simple'))!;
  const r = decode(Buffer.from(f.payloadHex, 'hex'), { family: 4, src: f.src, dst: f.dst });
  if (!r.ok) return t.fail();
  t.is(r.advert.authType, 1);
  t.deepEqual(Buffer.from(r.advert.authData), Buffer.from(passwordAuthData('secret12')));
});

const ctx4: IpContext = { family: 4, src: '192.0.2.1', dst: '224.0.0.18' };
const base: Advertisement = {
  version: 2,
  vrid: 7,
  priority: 100,
  intervalCs: 100,
  addresses: ['192.0.2.100'],
  authType: 0,
  authData: noAuthData,
};

const rejections: Array<[string, (b: Buffer) => Buffer, DropReason]> = [
  ['truncated', (b) => b.subarray(0, 7), 'truncated'],
  ['version 4', (b) => { b[0] = 0x41; return b; }, 'bad-version'],
  ['version 1', (b) => { b[0] = 0x11; return b; }, 'bad-version'],
  ['type 2', (b) => { b[0] = 0x22; return b; }, 'bad-type'],
  ['count beyond the length', (b) => { b[3] = 3; return b; }, 'bad-address-count'],
  ['missing auth data', (b) => b.subarray(0, 12), 'bad-address-count'],
  ['checksum off by one', (b) => { b[7] = (b[7]! + 1) & 0xff; return b; }, 'bad-checksum'],
  ['flipped priority', (b) => { b[2] = 99; return b; }, 'bad-checksum'],
];
for (const [name, mutate, reason] of rejections) {
  test(`rejects ${name} as ${reason}`, (t) => {
    const r = decode(mutate(encode(base, ctx4)), ctx4);
    t.false(r.ok);
    if (!r.ok) t.is(r.reason, reason);
  });
}

test("keepalived 2.2.7's VRRPv2 over IPv6 (version 2 in an IPv6 instance, not strict): no auth data, checksum with the pseudo-header", (t) => {
  // Captured from keepalived 2.2.7 as master: vrid 42, priority 200, advert_int 1, two VIPs.
  const ctx6: IpContext = { family: 6, src: 'fe80::9c66:ccff:fe58:9271', dst: 'ff02::12' };
  const wire = Buffer.from('212ac8020001c27b' + '20010db8000000000000000000000042' + '20010db8000000000000000000000043', 'hex');
  const advert: Advertisement = { version: 2, vrid: 42, priority: 200, intervalCs: 100, addresses: ['2001:db8::42', '2001:db8::43'], authType: 0, authData: noAuthData };
  t.deepEqual(encode(advert, ctx6), wire);
  const r = decode(wire, ctx6);
  t.true(r.ok);
  if (r.ok) t.deepEqual({ ...r.advert, authData: [...r.advert.authData] }, { ...advert, authData: [...noAuthData] });
});

test('v3 checksum covers the pseudo-header: another source fails it', (t) => {
  const v3: Advertisement = { ...base, version: 3, intervalCs: 10 };
  const bytes = encode(v3, ctx4);
  t.true(decode(bytes, ctx4).ok);
  const r = decode(bytes, { ...ctx4, src: '192.0.2.2' });
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'bad-checksum');
});

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => bytesToAddress(b));

test('property: v2 and v3 IPv4 adverts round-trip', (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom<2 | 3>(2, 3),
      fc.integer({ min: 1, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 1, max: 255 }),
      fc.array(v4, { minLength: 0, maxLength: 20 }),
      fc.string({ maxLength: 8 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
      (version, vrid, priority, interval, addresses, password) => {
        const advert: Advertisement = {
          version,
          vrid,
          priority,
          intervalCs: version === 2 ? interval * 100 : interval * 10,
          addresses,
          authType: version === 2 && password !== '' ? 1 : 0,
          authData: version === 2 && password !== '' ? passwordAuthData(password) : noAuthData,
        };
        const bytes = encode(advert, ctx4);
        const r = decode(bytes, ctx4);
        if (!r.ok) return false;
        return encode(r.advert, ctx4).equals(bytes) && r.bytes === encodingLength(advert, 4) && r.advert.priority === priority;
      },
    ),
  );
  t.pass();
});

test('property: v3 IPv6 adverts round-trip', (t) => {
  const ctx6: IpContext = { family: 6, src: 'fe80::1', dst: 'ff02::12' };
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 4095 }), fc.array(v6, { maxLength: 10 }), (vrid, interval, addresses) => {
      const advert: Advertisement = { version: 3, vrid, priority: 100, intervalCs: interval, addresses, authType: 0, authData: noAuthData };
      const r = decode(encode(advert, ctx6), ctx6);
      return r.ok && r.advert.addresses.every((a, i) => a === addresses[i]) && r.advert.intervalCs === interval;
    }),
  );
  t.pass();
});

test('random bytes never throw and are rejected with a reason or decoded', (t) => {
  let rejected = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom<4 | 6>(4, 6), (bytes, family) => {
      const ctx: IpContext = family === 4 ? ctx4 : { family: 6, src: 'fe80::1', dst: 'ff02::12' };
      const r = decode(bytes, ctx);
      if (!r.ok) rejected++;
      return r.ok ? r.bytes === bytes.length : typeof r.reason === 'string';
    }),
    { numRuns: 50_000 },
  );
  t.true(rejected > 0);
});

test('keepalived\'s VRRPv3 IPv4 checksum forms: old_unicast_checksum (the multicast group as pseudo-header destination) and v3_checksum_as_v2 (no pseudo-header); each decodes only in its own form; IPv6 keeps RFC 5798\'s', (t) => {
  const advert = { version: 3 as const, vrid: 51, priority: 150, intervalCs: 100, addresses: ['192.0.2.100'], authType: 0, authData: new Uint8Array(8) };
  const base = { family: 4 as const, src: '192.0.2.11', dst: '192.0.2.12' };
  const rfc = encode(advert, base);
  const old = encode(advert, { ...base, checksum: { pseudoHeaderDst: '224.0.0.18' } });
  const asV2 = encode(advert, { ...base, checksum: { noPseudoHeader: true } });
  // The old form is the RFC checksum of the same advert sent to the group.
  t.deepEqual(old, encode(advert, { ...base, dst: '224.0.0.18' }));
  // As v2: the Internet checksum of the message alone.
  const zeroed = Buffer.from(asV2);
  zeroed.writeUInt16BE(0, 6);
  t.is(asV2.readUInt16BE(6), internetChecksum([zeroed]));
  t.is(new Set([rfc.readUInt16BE(6), old.readUInt16BE(6), asV2.readUInt16BE(6)]).size, 3);
  for (const [buf, form] of [[rfc, undefined], [old, { pseudoHeaderDst: '224.0.0.18' }], [asV2, { noPseudoHeader: true }]] as const) {
    t.true(decode(buf, { ...base, ...(form !== undefined ? { checksum: form } : {}) }).ok);
  }
  t.like(decode(old, base), { ok: false, reason: 'bad-checksum' });
  t.like(decode(asV2, base), { ok: false, reason: 'bad-checksum' });
  t.like(decode(rfc, { ...base, checksum: { noPseudoHeader: true } }), { ok: false, reason: 'bad-checksum' });
  const v6 = { family: 6 as const, src: 'fe80::1', dst: 'ff02::12' };
  const a6 = { ...advert, addresses: ['2001:db8::100'] };
  t.deepEqual(encode(a6, { ...v6, checksum: { noPseudoHeader: true, pseudoHeaderDst: 'ff02::1' } }), encode(a6, v6));
});
