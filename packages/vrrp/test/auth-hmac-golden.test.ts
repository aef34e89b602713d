import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addressToBytes,
  appendTrailer,
  bytesToAddress,
  decode,
  decodeTrailer,
  encode,
  HMAC_TRAILER_LENGTH,
  HmacGuard,
  receiveAdvert,
  signTrailer,
  vrrpChecksum,
  type HmacBinding,
  type HmacSettings,
  type IpContext,
  type ReceiveExpectations,
} from '../src/index.js';

interface Fixture {
  family: 4 | 6;
  ttl: number;
  src: string;
  dst: string;
  payloadHex: string;
  tcpdump: string;
}

/** Adverts keepalived 2.4.3 sent with auth_hmac (test/tools/capture-keepalived-hmac.sh): the proof of the wire format. */
const fixtures = (JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/keepalived-2.4.3-hmac-adverts.json'), 'utf8')) as { packets: Fixture[] }).packets;
const KEYS = new Map<number, Uint8Array>([
  [1, Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')],
  [2, Buffer.from('tandem-auth-hmac-fixture-key-two-0123456789', 'latin1')],
]);
const settings = (over: Partial<HmacSettings> = {}): HmacSettings => ({ keys: KEYS, activeKey: 1, mode: 'enforce', antiReplay: 'monotonic', timeWindowS: 5, ...over });

function parts(f: Fixture): { ctx: IpContext; payload: Buffer; message: Buffer; trailer: Buffer | undefined; binding: HmacBinding } {
  const ctx: IpContext = { family: f.family, src: bytesToAddress(addressToBytes(f.src)), dst: bytesToAddress(addressToBytes(f.dst)) };
  const payload = Buffer.from(f.payloadHex, 'hex');
  const r = decode(payload, ctx);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  const trailer = payload.length > r.bytes ? payload.subarray(r.bytes) : undefined;
  return { ctx, payload, message: payload.subarray(0, r.bytes), trailer, binding: { family: f.family, version: r.advert.version, vrid: r.advert.vrid, src: ctx.src } };
}

const signedOnes = fixtures.filter((f) => parts(f).trailer !== undefined);

test('the capture holds signed VRRPv2, v3, unicast (key 2), IPv6 and priority-0 adverts, and receive-only ones without trailer', (t) => {
  const kinds = new Set(signedOnes.map((f) => `${f.payloadHex.slice(0, 2)}/${f.family}/${f.dst.startsWith('224') || f.dst.startsWith('ff02') ? 'mc' : 'uc'}`));
  t.deepEqual([...kinds].sort(), ['21/4/mc', '31/4/mc', '31/4/uc', '31/6/mc']);
  t.true(signedOnes.some((f) => f.payloadHex.slice(4, 6) === '00'));
  t.true(signedOnes.some((f) => decodeTrailer(parts(f).trailer!)!.keyId === 2));
  t.true(fixtures.some((f) => parts(f).trailer === undefined && f.tcpdump.includes('vrid 75')));
});

for (const f of signedOnes) {
  const label = `IPv${f.family} ${f.tcpdump.replace(/^.*Advertisement, /, '').replace(/, intvl.*$/, '')}`;
  test(`keepalived 2.4.3's ${label}: signing it again at its key and sequence gives the same bytes`, (t) => {
    const p = parts(f);
    const tr = decodeTrailer(p.trailer!)!;
    t.is(p.trailer!.length, HMAC_TRAILER_LENGTH);
    const again = signTrailer(p.message, p.binding, tr.keyId, KEYS.get(tr.keyId)!, tr.seq);
    t.is(again.toString('hex'), p.trailer!.toString('hex'));
    // The whole payload too: over IPv6 the checksum covers the trailer, over IPv4 the message alone.
    const r = decode(p.payload, p.ctx);
    if (!r.ok) return t.fail(r.detail);
    t.is(appendTrailer(r.advert.version, encode(r.advert, p.ctx), again, p.ctx).toString('hex'), f.payloadHex);
  });

  test(`keepalived 2.4.3's ${label}: accepted; at its own time within the window, stale a minute later`, (t) => {
    const p = parts(f);
    t.is(new HmacGuard(settings()).check(p.message, p.trailer, p.binding).verdict, 'ok');
    const sentMs = Number(decodeTrailer(p.trailer!)!.seq >> 32n) * 1000;
    t.is(new HmacGuard(settings({ antiReplay: 'time' }), () => sentMs + 1500).check(p.message, p.trailer, p.binding).verdict, 'ok');
    t.is(new HmacGuard(settings({ antiReplay: 'time' }), () => sentMs + 60_000).check(p.message, p.trailer, p.binding).verdict, 'stale');
  });

  test(`keepalived 2.4.3's ${label}: tampered (priority raised, checksum made right again), replayed, or under another key, it is dropped`, (t) => {
    const p = parts(f);
    const local: ReceiveExpectations = { version: p.binding.version, intervalCs: 100, authType: 0, authData: new Uint8Array(8), addresses: decodeAddresses(p), owner: false, unicast: !/^(224|ff02)/.test(f.dst), hmac: new HmacGuard(settings()), ...(/^(224|ff02)/.test(f.dst) ? {} : { unicastPeers: [p.ctx.src] }) };
    const meta = { ...p.ctx, ttl: 255 };
    const reason = (payload: Buffer, l: ReceiveExpectations = local): string => {
      const r = receiveAdvert(payload, meta, () => l);
      return r.ok ? 'ok' : r.reason;
    };
    const tampered = Buffer.from(p.payload);
    tampered[2] = 254;
    tampered.writeUInt16BE(0, 6);
    const sum = p.ctx.family === 4 ? vrrpChecksum(p.binding.version, tampered.subarray(0, p.message.length), p.ctx) : vrrpChecksum(p.binding.version, tampered, p.ctx);
    tampered.writeUInt16BE(sum, 6);
    t.is(reason(tampered), 'hmac-bad');
    t.is(reason(p.payload), 'ok');
    t.is(reason(p.payload), 'hmac-replay');
    const other = new Map(KEYS);
    const id = decodeTrailer(p.trailer!)!.keyId;
    other.set(id, Buffer.alloc(32, 0xee));
    t.is(reason(p.payload, { ...local, hmac: new HmacGuard(settings({ keys: other })) }), 'hmac-bad');
    t.is(reason(p.payload, { ...local, hmac: new HmacGuard(settings({ keys: new Map([[id === 1 ? 2 : 1, KEYS.get(1)!]]) })) }), 'hmac-unknown-key');
    // Without auth_hmac configured the trailer makes it too long, as keepalived 2.2.7 sees it.
    t.is(reason(p.payload, { ...local, hmac: undefined }), 'bad-length');
  });
}

function decodeAddresses(p: ReturnType<typeof parts>): string[] {
  const r = decode(p.payload, p.ctx);
  return r.ok ? [...r.advert.addresses] : [];
}

test("keepalived 2.4.3's receive-only advert carries no trailer: enforce drops it as missing, permissive takes it", (t) => {
  const f = fixtures.find((x) => x.tcpdump.includes('vrid 75') && !x.tcpdump.includes('prio 0'))!;
  const p = parts(f);
  t.is(p.trailer, undefined);
  t.is(new HmacGuard(settings()).check(p.message, undefined, p.binding).verdict, 'missing');
  t.is(new HmacGuard(settings({ mode: 'permissive' })).check(p.message, undefined, p.binding).verdict, 'ok');
});
