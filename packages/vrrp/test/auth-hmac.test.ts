import test from 'ava';
import fc from 'fast-check';
import {
  appendTrailer,
  clockSequence,
  decode,
  decodeTrailer,
  defaultTimeWindow,
  encode,
  HMAC_TRAILER_LENGTH,
  HmacGuard,
  nextSequence,
  noAuthData,
  receiveAdvert,
  sequenceAfter,
  signTrailer,
  type Advertisement,
  type HmacBinding,
  type HmacSettings,
  type HmacVerdict,
  type ReceiveExpectations,
  FakeClock,
  InstanceRunner,
  type InstanceParams,
  type Transport,
} from '../src/index.js';

/**
 * The wire images of draft-cassen-vrrp-auth-hmac's appendix, as keepalived 2.4.3's
 * test/auth_hmac_test.c pins them: key 00..1f, VRID 51, priority 200, sequence
 * 0x6800000080000000. IPv4 from 198.51.100.10 (VIP 192.0.2.100), IPv6 from fe80::10
 * (VIP fe80::100, checksum for destination fe80::20 covering the trailer).
 */
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const SEQ = 0x6800000080000000n;
const VECTORS = [
  { family: 4 as const, src: '198.51.100.10', message: '3133c80100644402c0000264', trailer: '010100006800000080000000' + '1b84bc4e8e43892dc6d98448f8ee2265' },
  { family: 6 as const, src: 'fe80::10', message: '3133c8010064a2e9fe800000000000000000000000000100', trailer: '010100006800000080000000' + 'c8c56146ebfd66ee10ec4d8186461b78' },
];

const settings = (over: Partial<HmacSettings> = {}): HmacSettings => ({
  keys: new Map([[1, KEY]]),
  activeKey: 1,
  mode: 'enforce',
  antiReplay: 'time',
  timeWindowS: 5,
  ...over,
});
const binding = (v: (typeof VECTORS)[number], over: Partial<HmacBinding> = {}): HmacBinding => ({ family: v.family, version: 3, vrid: 51, src: v.src, ...over });
/** The vector's timestamp (0x68000000 s) as the receiver's wall clock, in ms. */
const AT_VECTOR = 0x68000000 * 1000;

for (const v of VECTORS) {
  test(`IPv${v.family}: signing the draft's advert at its sequence gives its trailer byte for byte`, (t) => {
    t.is(signTrailer(Buffer.from(v.message, 'hex'), binding(v), 1, KEY, SEQ).toString('hex'), v.trailer);
  });
  test(`IPv${v.family}: the draft's trailer verifies, in both anti_replay modes`, (t) => {
    const msg = Buffer.from(v.message, 'hex');
    t.is(new HmacGuard(settings({ antiReplay: 'monotonic' }), () => 0).check(msg, Buffer.from(v.trailer, 'hex'), binding(v)).verdict, 'ok');
    t.is(new HmacGuard(settings(), () => AT_VECTOR + 2000).check(msg, Buffer.from(v.trailer, 'hex'), binding(v)).verdict, 'ok');
  });
}

test('the checksum is read as zero: a changed checksum still verifies (the kernel writes the IPv6 one after signing)', (t) => {
  const v = VECTORS[1]!;
  const msg = Buffer.from(v.message, 'hex');
  msg[7] ^= 1;
  t.is(new HmacGuard(settings({ antiReplay: 'monotonic' })).check(msg, Buffer.from(v.trailer, 'hex'), binding(v)).verdict, 'ok');
});

// keepalived 2.4.3's mutation table (one flipped bit each) against the IPv6 image.
const MUTATIONS: Array<[string, number, HmacVerdict]> = [
  ['priority', 2, 'bad-hmac'],
  ['advert interval', 5, 'bad-hmac'],
  ['address', 8 + 15, 'bad-hmac'],
  ['ext_type', 24 + 0, 'malformed'],
  ['key id', 24 + 1, 'unknown-key'],
  ['reserved', 24 + 2, 'malformed'],
  ['seconds', 24 + 4, 'bad-hmac'],
  ['counter', 24 + 10, 'bad-hmac'],
  ['hmac', 24 + 12, 'bad-hmac'],
];
for (const [what, at, verdict] of MUTATIONS) {
  test(`a tampered ${what} is refused as ${verdict}`, (t) => {
    const v = VECTORS[1]!;
    const img = Buffer.from(v.message + v.trailer, 'hex');
    img[at] ^= 1;
    const r = new HmacGuard(settings({ antiReplay: 'monotonic' })).check(img.subarray(0, 24), img.subarray(24), binding(v));
    t.is(r.verdict, verdict);
  });
}

test('the pseudo-header binds the source address, the VRID, the version and the family', (t) => {
  const v = VECTORS[1]!;
  const g = (): HmacGuard => new HmacGuard(settings({ antiReplay: 'monotonic' }));
  const check = (b: HmacBinding): string => g().check(Buffer.from(v.message, 'hex'), Buffer.from(v.trailer, 'hex'), b).verdict;
  t.is(check(binding(v, { src: 'fe80::20' })), 'bad-hmac');
  t.is(check(binding(v, { vrid: 52 })), 'bad-hmac');
  t.is(check(binding(v, { version: 2 })), 'bad-hmac');
  t.is(check(binding(v)), 'ok');
});

test('time mode: a timestamp more than the window away is stale, either way, before the key is looked at', (t) => {
  const v = VECTORS[0]!;
  const msg = Buffer.from(v.message, 'hex');
  const tr = Buffer.from(v.trailer, 'hex');
  tr[1] = 9; // an unknown key: stale still wins, as keepalived checks the window first
  t.is(new HmacGuard(settings(), () => AT_VECTOR + 100_000).check(msg, tr, binding(v)).verdict, 'stale');
  t.is(new HmacGuard(settings(), () => AT_VECTOR - 100_000).check(msg, tr, binding(v)).verdict, 'stale');
  const r = new HmacGuard(settings(), () => AT_VECTOR + 6_000).check(msg, Buffer.from(v.trailer, 'hex'), binding(v));
  t.deepEqual([r.verdict, r.skewS], ['stale', 6]);
  t.deepEqual(new HmacGuard(settings(), () => AT_VECTOR + 5_999).check(msg, Buffer.from(v.trailer, 'hex'), binding(v)).skewS, 5);
});

test('a replayed advert is refused; a copy at another receiver is not', (t) => {
  const v = VECTORS[0]!;
  const msg = Buffer.from(v.message, 'hex');
  const tr = Buffer.from(v.trailer, 'hex');
  const g = new HmacGuard(settings({ antiReplay: 'monotonic' }));
  t.is(g.check(msg, tr, binding(v)).verdict, 'ok');
  t.is(g.check(msg, tr, binding(v)).verdict, 'replay');
  t.is(new HmacGuard(settings({ antiReplay: 'monotonic' })).check(msg, tr, binding(v)).verdict, 'ok');
});

test('a forged advert moves no replay mark', (t) => {
  const v = VECTORS[0]!;
  const msg = Buffer.from(v.message, 'hex');
  const g = new HmacGuard(settings({ antiReplay: 'monotonic' }));
  const forged = signTrailer(msg, binding(v), 1, Buffer.alloc(32, 7), SEQ + 100n);
  t.is(g.check(msg, forged, binding(v)).verdict, 'bad-hmac');
  t.is(g.check(msg, Buffer.from(v.trailer, 'hex'), binding(v)).verdict, 'ok');
});

test('unicast: each peer has its own mark', (t) => {
  const v = VECTORS[0]!;
  const peers = ['198.51.100.10', '198.51.100.11'];
  const g = new HmacGuard(settings({ antiReplay: 'monotonic' }));
  const msg = Buffer.from(v.message, 'hex');
  const a = { ...binding(v), src: '198.51.100.10' };
  const b = { ...binding(v), src: '198.51.100.11' };
  t.is(g.check(msg, signTrailer(msg, a, 1, KEY, SEQ + 5n), a, peers).verdict, 'ok');
  t.is(g.check(msg, signTrailer(msg, b, 1, KEY, SEQ + 1n), b, peers).verdict, 'ok');
  t.is(g.check(msg, signTrailer(msg, a, 1, KEY, SEQ + 5n), a, peers).verdict, 'replay');
});

test('multicast: four senders are remembered; a fifth evicts the least recently used', (t) => {
  const g = new HmacGuard(settings({ antiReplay: 'monotonic' }));
  const msg = Buffer.from(VECTORS[0]!.message, 'hex');
  const from = (i: number): HmacBinding => ({ family: 4, version: 3, vrid: 51, src: `192.0.2.${i}` });
  for (let i = 1; i <= 5; i++) t.is(g.check(msg, signTrailer(msg, from(i), 1, KEY, SEQ), from(i)).verdict, 'ok');
  // 192.0.2.1 was evicted: its old sequence is accepted again; 192.0.2.5's is not.
  t.is(g.check(msg, signTrailer(msg, from(1), 1, KEY, SEQ), from(1)).verdict, 'ok');
  t.is(g.check(msg, signTrailer(msg, from(5), 1, KEY, SEQ), from(5)).verdict, 'replay');
});

test('time mode: a mark outside the window expires (a sender reset after a clock step is heard again)', (t) => {
  const v = VECTORS[0]!;
  const msg = Buffer.from(v.message, 'hex');
  let now = AT_VECTOR;
  const g = new HmacGuard(settings(), () => now);
  t.is(g.check(msg, signTrailer(msg, binding(v), 1, KEY, SEQ + (3n << 32n)), binding(v)).verdict, 'ok');
  // The same sender, back on the right clock: 3 s earlier than its last mark, within the window.
  t.is(g.check(msg, signTrailer(msg, binding(v), 1, KEY, SEQ), binding(v)).verdict, 'replay');
  now = AT_VECTOR - 3000;
  t.is(g.check(msg, signTrailer(msg, binding(v), 1, KEY, SEQ - (3n << 32n)), binding(v)).verdict, 'ok');
});

test('mode: enforce refuses an advert without trailer, permissive and receive-only accept it', (t) => {
  const msg = Buffer.from(VECTORS[0]!.message, 'hex');
  t.is(new HmacGuard(settings()).check(msg, undefined, binding(VECTORS[0]!)).verdict, 'missing');
  t.is(new HmacGuard(settings({ mode: 'permissive' })).check(msg, undefined, binding(VECTORS[0]!)).verdict, 'ok');
  t.is(new HmacGuard(settings({ mode: 'receive-only' })).check(msg, undefined, binding(VECTORS[0]!)).verdict, 'ok');
  t.is(new HmacGuard(settings({ mode: 'receive-only' })).sign(msg, binding(VECTORS[0]!)), undefined);
});

test('the send sequence: the clock, else one more than the last; a stranded future one restarts in time mode only', (t) => {
  const now = 1_800_000_000_500;
  const clock = clockSequence(now);
  t.is(clock, (1_800_000_000n << 32n) | (32768n << 16n));
  t.is(nextSequence(0n, now, { antiReplay: 'time', timeWindowS: 5 }), clock);
  t.is(nextSequence(clock, now, { antiReplay: 'time', timeWindowS: 5 }), clock + 1n);
  const future = (1_800_003_600n << 32n);
  t.is(nextSequence(future, now, { antiReplay: 'time', timeWindowS: 5 }), clock);
  t.is(nextSequence(future, now, { antiReplay: 'monotonic', timeWindowS: 0 }), future + 1n);
  t.true(sequenceAfter(0n, (1n << 64n) - 1n), 'serial order survives the wrap');
});

test('a guard signs with increasing sequences on one wall-clock millisecond', (t) => {
  const g = new HmacGuard(settings(), () => 1_800_000_000_000);
  const msg = Buffer.from(VECTORS[0]!.message, 'hex');
  const a = decodeTrailer(g.sign(msg, binding(VECTORS[0]!))!)!;
  const b = decodeTrailer(g.sign(msg, binding(VECTORS[0]!))!)!;
  t.is(b.seq, a.seq + 1n);
});

test('the default time_window: three advert intervals in whole seconds, 5-300', (t) => {
  t.deepEqual([0.5, 1, 2, 3, 50, 200].map(defaultTimeWindow), [5, 5, 6, 9, 150, 300]);
});

test('decodeTrailer and check never throw on random bytes', (t) => {
  const g = new HmacGuard(settings());
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 28, maxLength: 28 }), (msg, tr) => {
      decodeTrailer(msg);
      g.check(Buffer.from(msg.length >= 8 ? msg : new Uint8Array(8)), tr, binding(VECTORS[0]!));
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

// receiveAdvert: where the trailer is found and which reason a refusal is counted under.
const advert: Advertisement = { version: 3, vrid: 51, priority: 200, intervalCs: 100, addresses: ['192.0.2.100'], authType: 0, authData: noAuthData };
const meta = { family: 4 as const, src: '198.51.100.10', dst: '224.0.0.18', ttl: 255 };
const local = (over: Partial<ReceiveExpectations> = {}): ReceiveExpectations => ({ version: 3, intervalCs: 100, authType: 0, authData: noAuthData, addresses: ['192.0.2.100'], owner: false, ...over });
const signed = (m = meta, seq = SEQ): Buffer => {
  const msg = encode(advert, m);
  return appendTrailer(3, msg, signTrailer(msg, { family: m.family, version: 3, vrid: 51, src: m.src }, 1, KEY, seq), m);
};

test('receive: a signed advert is accepted; without auth_hmac its 28 extra bytes make it too long, as keepalived', (t) => {
  t.true(receiveAdvert(signed(), meta, () => local({ hmac: new HmacGuard(settings({ antiReplay: 'monotonic' })) })).ok);
  const r = receiveAdvert(signed(), meta, () => local());
  t.deepEqual(r.ok ? 'ok' : r.reason, 'bad-length');
});

test('receive: refusals are counted by reason', (t) => {
  const g = new HmacGuard(settings({ antiReplay: 'monotonic' }));
  const reason = (p: Buffer, l: ReceiveExpectations, m = meta): string => {
    const r = receiveAdvert(p, m, () => l);
    return r.ok ? 'ok' : r.reason;
  };
  t.is(reason(encode(advert, meta), local({ hmac: g })), 'hmac-missing');
  t.is(reason(signed(), local({ hmac: g })), 'ok');
  t.is(reason(signed(), local({ hmac: g })), 'hmac-replay');
  const bad = signed(meta, SEQ + 1n);
  bad[bad.length - 1] ^= 1;
  t.is(reason(bad, local({ hmac: g })), 'hmac-bad');
  // Unicast: the sender must be a configured peer (it anchors the replay mark).
  t.is(reason(signed(meta, SEQ + 2n), local({ hmac: g, unicast: true, unicastPeers: ['198.51.100.99'] })), 'unknown-peer');
});

test('IPv6: the checksum covers the trailer (the kernel computes it so for keepalived); IPv4: the message alone', (t) => {
  const m6 = { family: 6 as const, src: 'fe80::10', dst: 'ff02::12', ttl: 255 };
  const a6: Advertisement = { ...advert, addresses: ['fe80::100'] };
  const msg6 = encode(a6, m6);
  const full6 = appendTrailer(3, msg6, signTrailer(msg6, { family: 6, version: 3, vrid: 51, src: 'fe80::10' }, 1, KEY, SEQ), m6);
  t.true(decode(full6, m6).ok);
  t.false(decode(Buffer.concat([msg6, full6.subarray(msg6.length)]), m6).ok, 'the message checksum alone does not do over IPv6');
  const full4 = signed();
  t.deepEqual(full4.subarray(0, 12), encode(advert, meta));
  const r = decode(full4, meta);
  t.true(r.ok && r.bytes === full4.length - HMAC_TRAILER_LENGTH);
});

// The runner: two routers on one in-memory segment, signing and checking as keepalived.
function pair(a: Partial<HmacSettings>, b: Partial<HmacSettings>, unicast = false): { runners: InstanceRunner[]; sent: Buffer[]; clock: FakeClock } {
  const clock = new FakeClock();
  const sent: Buffer[] = [];
  const runners: InstanceRunner[] = [];
  const mk = (address: string, priority: number, hmac: Partial<HmacSettings>, peers: string[]): InstanceRunner => {
    const transport: Transport = {
      sourceAddress: address,
      destinations: unicast ? peers : ['224.0.0.18'],
      send: (payload, dst) => {
        sent.push(payload);
        for (const r of runners) {
          if (r === runner) continue;
          const res = receiveAdvert(payload, { family: 4, src: address, dst, ttl: 255 }, (vrid) => (vrid === r.vrid ? r.expectations : undefined));
          if (res.ok) r.receive(res.advert, address);
          else r.countDrop(res.reason);
        }
      },
      addAddresses: async () => {},
      removeAddresses: async () => {},
      announce: () => {},
    };
    const params: InstanceParams = { version: 3, family: 4, priority, intervalCs: 100, preempt: true, preemptDelayMs: 0, startState: 'BACKUP', primaryAddress: address, downTimerAdverts: 3, higherPrioSendAdvert: true };
    const runner = new InstanceRunner({ name: address, vrid: 51, params, addresses: ['192.0.2.100'], hmac: settings(hmac), wallClock: () => 1_800_000_000_000 + clock.now() }, transport, clock);
    runners.push(runner);
    return runner;
  };
  mk('198.51.100.10', 200, a, ['198.51.100.11']);
  mk('198.51.100.11', 100, b, ['198.51.100.10']);
  for (const r of runners) r.start();
  clock.advance(10_000);
  return { runners, sent, clock };
}

test('runner: signed adverts hold the backup; the same keys on both sides drop nothing', (t) => {
  const { runners, sent } = pair({}, {});
  t.deepEqual(runners.map((r) => r.state), ['MASTER', 'BACKUP']);
  t.true(sent.every((p) => p.length === 12 + HMAC_TRAILER_LENGTH));
  t.deepEqual(runners[1]!.stats.dropped, {});
  t.true(runners[1]!.stats.advertsReceived >= 5);
});

test('runner: a wrong key is refused and counted, so the backup takes over (as it would from keepalived)', (t) => {
  const { runners } = pair({}, { keys: new Map([[1, Buffer.alloc(32, 9)]]) });
  t.deepEqual(runners.map((r) => r.state), ['MASTER', 'MASTER']);
  t.true((runners[1]!.stats.dropped['hmac-bad'] ?? 0) > 0);
});

test('runner: receive-only sends plain adverts, which an enforcing peer drops as missing and a permissive one takes', (t) => {
  const enforce = pair({ mode: 'receive-only' }, {});
  t.true(enforce.sent.some((p) => p.length === 12));
  t.true((enforce.runners[1]!.stats.dropped['hmac-missing'] ?? 0) > 0);
  const permissive = pair({ mode: 'receive-only' }, { mode: 'permissive' });
  t.deepEqual(permissive.runners.map((r) => r.state), ['MASTER', 'BACKUP']);
});

test('runner: unicast, each peer\'s replay mark anchored on its configuration: nothing dropped', (t) => {
  const { runners } = pair({}, {}, true);
  t.deepEqual(runners.map((r) => r.state), ['MASTER', 'BACKUP']);
  t.deepEqual(runners[1]!.stats.dropped, {});
});
