import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ahAuthentic,
  AuthType,
  decode,
  encode,
  noAuthData,
  openAh,
  passwordAuthData,
  receiveAdvert,
  sealAh,
  type ReceiveExpectations,
} from '../src/index.js';

interface Fixture {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly datagramHex: string;
  readonly tcpdump: string;
}
const fixtures = (
  JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/keepalived-2.2.7-ah-adverts.json'), 'utf8')) as { packets: Fixture[] }
).packets;
const key = passwordAuthData('ahsecret');
const unicast = (f: Fixture): boolean => f.dst !== '224.0.0.18';

test('the fixtures hold keepalived AH adverts, multicast and unicast, with priority 0', (t) => {
  t.true(fixtures.some((f) => unicast(f)));
  t.true(fixtures.some((f) => !unicast(f)));
  t.true(fixtures.some((f) => f.tcpdump.includes('prio 0')));
});

for (const f of fixtures) {
  const what = f.tcpdump.replace(/.*vrid (\d+), prio (\d+).*/, 'vrid $1 prio $2') + (unicast(f) ? ' unicast' : ' multicast');
  const datagram = Buffer.from(f.datagramHex, 'hex');

  test(`keepalived's ${what}: authentic with its password, not with another`, (t) => {
    const opened = openAh(datagram);
    if (!opened.ok) return t.fail(opened.detail);
    t.true(ahAuthentic(opened.envelope, key, unicast(f)));
    t.false(ahAuthentic(opened.envelope, passwordAuthData('ahsecreT'), unicast(f)));
    const d = decode(opened.payload, { family: 4, src: f.src, dst: f.dst });
    t.true(d.ok);
    if (d.ok) t.is(d.advert.authType, AuthType.ah);
  });

  test(`keepalived's ${what}: tandem seals the same advert to the same bytes`, (t) => {
    const opened = openAh(datagram);
    if (!opened.ok) return t.fail(opened.detail);
    const sealed = sealAh(opened.payload, { src: f.src, dst: f.dst, ipId: datagram.readUInt16BE(4), seq: opened.envelope.seq, key, unicast: unicast(f) });
    // The kernel fills in the IP checksum on the way out; tandem leaves it 0.
    const wire = Buffer.from(datagram);
    wire.writeUInt16BE(0, 10);
    t.is(sealed.toString('hex'), wire.toString('hex'));
  });
}

test('the ICV leaves out TOS, the checksum and, for unicast, the TTL; a changed advert fails it', (t) => {
  const mc = Buffer.from(fixtures.find((f) => !unicast(f))!.datagramHex, 'hex');
  const uc = Buffer.from(fixtures.find((f) => unicast(f))!.datagramHex, 'hex');
  const check = (d: Buffer, isUnicast: boolean): boolean => {
    const o = openAh(d);
    return o.ok && ahAuthentic(o.envelope, key, isUnicast);
  };
  const changed = (d: Buffer, at: number, v: number): Buffer => {
    const c = Buffer.from(d);
    c[at] = v;
    return c;
  };
  t.true(check(changed(mc, 1, 0x00), false), 'TOS');
  t.true(check(changed(mc, 10, 0x12), false), 'checksum');
  t.false(check(changed(mc, 8, 64), false), 'multicast TTL is covered');
  t.true(check(changed(uc, 8, 64), true), 'unicast TTL is not');
  t.false(check(changed(mc, 44 + 2, 254), false), 'priority');
  t.false(check(changed(mc, 20 + 4, 1), false), 'SPI other than the source');
});

test('openAh refuses what is not VRRP inside AH, and never throws on short input', (t) => {
  const d = Buffer.from(fixtures[0]!.datagramHex, 'hex');
  for (let n = 0; n < d.length; n++) t.notThrows(() => openAh(d.subarray(0, n)));
  t.false(openAh(d.subarray(0, 30)).ok);
  const esp = Buffer.from(d);
  esp[20] = 50;
  const r = openAh(esp);
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'bad-type');
});

const local: ReceiveExpectations = {
  version: 2,
  intervalCs: 100,
  authType: AuthType.ah,
  authData: key,
  ahSequence: 0,
  unicast: false,
  addresses: ['192.0.2.161'],
  owner: false,
};
const advert = { version: 2 as const, vrid: 61, priority: 150, intervalCs: 100, addresses: ['192.0.2.161'], authType: AuthType.ah, authData: noAuthData };
const ip = { family: 4 as const, src: '192.0.2.10', dst: '224.0.0.18' };
const receive = (seq: number, l: Partial<ReceiveExpectations> = {}, password = 'ahsecret'): ReturnType<typeof receiveAdvert> => {
  const d = sealAh(encode(advert, ip), { ...ip, ipId: 7, seq, key: passwordAuthData(password), unicast: false });
  const o = openAh(d);
  if (!o.ok) throw new Error(o.detail);
  return receiveAdvert(o.payload, { ...ip, ttl: 255, ah: o.envelope }, () => ({ ...local, ...l }));
};

test('receive: an authentic AH advert is accepted with its sequence number', (t) => {
  const r = receive(5, { ahSequence: 4 });
  t.true(r.ok);
  if (r.ok) t.is(r.ahSequence, 5);
});

test('receive: a sequence number already seen is a replay', (t) => {
  const r = receive(4, { ahSequence: 4 });
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'replayed');
});

test('receive: another password fails authentication', (t) => {
  const r = receive(5, {}, 'other');
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'auth-failed');
});

test('receive: AH on one side only is an auth type mismatch, both ways', (t) => {
  const r = receive(5, { authType: AuthType.simple });
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'auth-type-mismatch');
  const plain = encode({ ...advert, authType: AuthType.none }, ip);
  const p = receiveAdvert(plain, { ...ip, ttl: 255 }, () => local);
  t.false(p.ok);
  if (!p.ok) t.is(p.reason, 'auth-type-mismatch');
});
