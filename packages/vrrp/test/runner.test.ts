import test from 'ava';
import {
  FakeClock,
  InstanceRunner,
  decode,
  masterDownIntervalMs,
  receiveAdvert,
  skewTimeMs,
  type InstanceParams,
  type Transport,
  type TransitionEvent,
} from '../src/index.js';

/** A shared in-memory segment: every send reaches every other attached runner with TTL 255. */
class Segment {
  readonly runners: InstanceRunner[] = [];
  readonly vips = new Map<string, Set<string>>();
  announcements: string[] = [];
  readonly sends: Array<{ from: string; at: number }> = [];
  blocked = false;
  constructor(private readonly clock?: FakeClock) {}
  deliver(from: string, payload: Buffer, dst: string): void {
    this.sends.push({ from, at: this.clock?.now() ?? 0 });
    if (this.blocked) return;
    for (const r of this.runners) {
      const me = (r as unknown as { transport: Transport }).transport.sourceAddress;
      if (me === from) continue;
      const res = receiveAdvert(payload, { family: 4, src: from, dst, ttl: 255 }, (vrid) => (vrid === r.vrid ? r.expectations : undefined));
      if (res.ok) r.receive(res.advert, from);
      else r.countDrop(res.reason);
    }
  }
}

function node(seg: Segment, clock: FakeClock, address: string, p: Partial<InstanceParams>): { runner: InstanceRunner; transitions: TransitionEvent[]; down: { v: boolean } } {
  const params: InstanceParams = {
    version: 2, family: 4, priority: 100, intervalCs: 100, preempt: true, preemptDelayMs: 0,
    startState: 'BACKUP', primaryAddress: address, downTimerAdverts: 3, higherPrioSendAdvert: true, ...p,
  };
  const down = { v: false };
  const transport: Transport = {
    sourceAddress: address,
    destinations: ['224.0.0.18'],
    send: (payload, dst) => {
      if (down.v) throw new Error('ENETDOWN');
      t.true(decode(payload, { family: 4, src: address, dst }).ok);
      seg.deliver(address, payload, dst);
    },
    addAddresses: async () => { seg.vips.set(address, new Set(['192.0.2.100'])); },
    removeAddresses: async () => { seg.vips.delete(address); },
    announce: () => { seg.announcements.push(address); },
  };
  const t = { true: (x: boolean) => { if (!x) throw new Error('sent an invalid advert'); } };
  const runner = new InstanceRunner({ name: `VI_${address}`, vrid: 51, params, addresses: ['192.0.2.100'] }, transport, clock);
  const transitions: TransitionEvent[] = [];
  runner.on('transition', (e) => transitions.push(e));
  seg.runners.push(runner);
  return { runner, transitions, down };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** a (150) and b (100) on `seg`, started and left 5 s to elect a. */
function electedPair(seg: Segment, clock: FakeClock) {
  const a = node(seg, clock, '192.0.2.10', { priority: 150 });
  const b = node(seg, clock, '192.0.2.20', { priority: 100 });
  a.runner.start();
  b.runner.start();
  clock.advance(5000);
  return { a, b };
}

/** a (150) and b (100) elected, then VRRP blocked until both are master. */
function splitBrain(clock: FakeClock, recordSends: boolean) {
  const seg = recordSends ? new Segment(clock) : new Segment();
  const { a, b } = electedPair(seg, clock);
  seg.blocked = true;
  clock.advance(5000);
  return { clock, seg, a, b };
}

test('two routers elect the higher priority; a silent master is replaced after Master_Down_Interval', async (t) => {
  const clock = new FakeClock();
  const seg = new Segment();
  const { a, b } = electedPair(seg, clock);
  await flush();
  t.is(a.runner.state, 'MASTER');
  t.is(b.runner.state, 'BACKUP');
  t.deepEqual([...seg.vips.keys()], ['192.0.2.10']);
  t.is(seg.announcements.filter((x) => x === '192.0.2.10').length, 5);
  // The master goes silent (its sends fail): B takes over within Master_Down_Interval.
  a.down.v = true;
  const silentAt = clock.now();
  let tookOver = -1;
  b.runner.on('transition', (e) => { if (e.to === 'MASTER') tookOver = clock.now(); });
  clock.advance(10_000);
  t.true(tookOver > silentAt);
  t.true(tookOver - silentAt <= masterDownIntervalMs(2, 100, 100));
  t.true(tookOver - silentAt >= masterDownIntervalMs(2, 100, 100) - 1000);
});

test('shutdown of the master hands over after Skew_Time', async (t) => {
  const clock = new FakeClock();
  const seg = new Segment();
  const a = node(seg, clock, '192.0.2.10', { priority: 150, version: 3, intervalCs: 10 });
  const b = node(seg, clock, '192.0.2.20', { priority: 100, version: 3, intervalCs: 10 });
  a.runner.start();
  b.runner.start();
  clock.advance(2000);
  const stoppedAt = clock.now();
  await a.runner.stop();
  t.is(a.runner.stats.priorityZeroSent, 1);
  let tookOver = -1;
  b.runner.on('transition', (e) => { if (e.to === 'MASTER') tookOver = clock.now(); });
  clock.advance(1000);
  t.is(tookOver - stoppedAt, skewTimeMs(3, 100, 10));
});

test('preemption: a recovered higher priority router takes the master role back; with nopreempt it does not', async (t) => {
  for (const preempt of [true, false]) {
    const clock = new FakeClock();
    const seg = new Segment();
    const b = node(seg, clock, '192.0.2.20', { priority: 100 });
    b.runner.start();
    clock.advance(5000);
    t.is(b.runner.state, 'MASTER');
    const a = node(seg, clock, '192.0.2.10', { priority: 150, preempt });
    a.runner.start();
    clock.advance(10_000);
    t.is(a.runner.state, preempt ? 'MASTER' : 'BACKUP');
    t.is(b.runner.state, preempt ? 'BACKUP' : 'MASTER');
  }
});

test('split brain heals to one master, which re-announces the addresses', async (t) => {
  const { clock, seg, a, b } = splitBrain(new FakeClock(), false);
  t.is(b.runner.state, 'MASTER');
  seg.announcements = [];
  seg.blocked = false;
  clock.advance(1000);
  await flush();
  t.is(a.runner.state, 'MASTER');
  t.is(b.runner.state, 'BACKUP');
  t.true(seg.announcements.includes('192.0.2.10'));
  t.deepEqual([...seg.vips.keys()], ['192.0.2.10']);
});

test('a mismatched peer (other password) is dropped and counted, and both become master', (t) => {
  const clock = new FakeClock();
  const seg = new Segment();
  const a = node(seg, clock, '192.0.2.10', { priority: 150 });
  const b = node(seg, clock, '192.0.2.20', { priority: 100 });
  (b.runner as unknown as { authType: number }).authType = 1;
  a.runner.start();
  b.runner.start();
  clock.advance(5000);
  t.is(a.runner.state, 'MASTER');
  t.is(b.runner.state, 'MASTER');
  t.true((b.runner.stats.dropped['auth-type-mismatch'] ?? 0) > 0);
});

test('split brain heals when the winner\'s advert arrives first: the loser\'s last advert makes the winner re-announce', async (t) => {
  const { clock, seg, a, b } = splitBrain(new FakeClock(), true);
  t.is(b.runner.state, 'MASTER');
  // Unblock right after b's (blocked) advert, so that a's next advert reaches b before b's next reaches a.
  while (seg.sends.at(-1)!.from !== '192.0.2.20' || seg.sends.at(-1)!.at <= clock.now() - 1) clock.advance(1);
  const sendsBefore = seg.sends.length;
  await flush(); // let earlier announcements (queued behind address changes) happen first
  seg.announcements = [];
  seg.blocked = false;
  clock.advance(1000);
  await flush();
  t.is(seg.sends[sendsBefore]!.from, '192.0.2.10', 'a spoke first after the heal');
  t.is(a.runner.state, 'MASTER');
  t.is(b.runner.state, 'BACKUP');
  t.true(seg.announcements.includes('192.0.2.10'), 'the winner re-announced');
});

test('gratuitous ARP schedule: a burst on becoming master, a second after garp_master_delay, then refreshes', async (t) => {
  const clock = new FakeClock();
  const seg = new Segment(clock);
  const times: number[] = [];
  const a = node(seg, clock, '192.0.2.10', { priority: 255 });
  const runner = new InstanceRunner(
    {
      name: 'VI_G',
      vrid: 51,
      params: { ...a.runner.params },
      addresses: ['192.0.2.100'],
      announce: { masterRepeat: 3, masterDelayMs: 2000, masterRefreshMs: 10_000, masterRefreshRepeat: 2, lowerPrioRepeat: 1 },
    },
    {
      sourceAddress: '192.0.2.10',
      destinations: ['224.0.0.18'],
      send: () => undefined,
      addAddresses: async () => undefined,
      removeAddresses: async () => undefined,
      announce: () => times.push(clock.now()),
    },
    clock,
  );
  runner.start();
  await flush();
  t.deepEqual(times, [0, 0, 0], 'priority 255: master at once, burst of garp_master_repeat');
  clock.advance(2000);
  t.deepEqual(times.slice(3), [2000, 2000, 2000], 'second burst after garp_master_delay');
  clock.advance(20_000);
  t.deepEqual(times.slice(6), [10_000, 10_000, 20_000, 20_000], 'refreshes of garp_master_refresh_repeat');
  await runner.stop();
  clock.advance(20_000);
  t.is(times.length, 10, 'no announcements after leaving MASTER');
});

test('skip_check_adv_addr: a backup trusts the addresses of the master it follows, only while it follows it', (t) => {
  const clock = new FakeClock();
  const transport: Transport = { sourceAddress: '192.0.2.20', destinations: ['224.0.0.18'], send: () => undefined, addAddresses: async () => undefined, removeAddresses: async () => undefined, announce: () => undefined };
  const params: InstanceParams = { version: 2, family: 4, priority: 100, intervalCs: 100, preempt: true, preemptDelayMs: 0, startState: 'BACKUP', primaryAddress: '192.0.2.20', downTimerAdverts: 3, higherPrioSendAdvert: false };
  const make = (skip: boolean): InstanceRunner => new InstanceRunner({ name: 'VI', vrid: 51, params, addresses: ['192.0.2.100'], skipCheckAdvertAddresses: skip }, transport, clock);
  const advert = { version: 2 as const, vrid: 51, priority: 150, intervalCs: 100, addresses: ['192.0.2.100'], authType: 0, authData: new Uint8Array(8) };
  const skipping = make(true);
  skipping.start();
  t.is(skipping.expectations.trustedMaster, undefined, 'no master followed yet');
  skipping.receive(advert, '192.0.2.10');
  t.is(skipping.expectations.trustedMaster, '192.0.2.10');
  clock.advance(10_000);
  t.is(skipping.state, 'MASTER');
  t.is(skipping.expectations.trustedMaster, undefined, 'a master checks every advert');
  const checking = make(false);
  checking.start();
  checking.receive(advert, '192.0.2.10');
  t.is(checking.expectations.trustedMaster, undefined);
});

test('check_unicast_src: a unicast instance expects adverts from its peers only; a multicast one from anyone', (t) => {
  const clock = new FakeClock();
  const params: InstanceParams = { version: 2, family: 4, priority: 100, intervalCs: 100, preempt: true, preemptDelayMs: 0, startState: 'BACKUP', primaryAddress: '192.0.2.20', downTimerAdverts: 3, higherPrioSendAdvert: false };
  const runner = (destinations: string[], check: boolean): InstanceRunner =>
    new InstanceRunner(
      { name: 'VI', vrid: 51, params, addresses: ['192.0.2.100'], checkUnicastSource: check },
      { sourceAddress: '192.0.2.20', destinations, send: () => undefined, addAddresses: async () => undefined, removeAddresses: async () => undefined, announce: () => undefined },
      clock,
    );
  t.deepEqual(runner(['192.0.2.30', '192.0.2.31'], true).expectations.peers, ['192.0.2.30', '192.0.2.31']);
  t.is(runner(['192.0.2.30'], false).expectations.peers, undefined);
  t.is(runner(['224.0.0.18'], true).expectations.peers, undefined);
});

test('garp_lower_prio_delay: a lower-priority master is answered with a round of announcements now and another after the delay', (t) => {
  const clock = new FakeClock();
  const announced: number[] = [];
  const params: InstanceParams = { version: 2, family: 4, priority: 200, intervalCs: 100, preempt: true, preemptDelayMs: 0, startState: 'BACKUP', primaryAddress: '192.0.2.20', downTimerAdverts: 3, higherPrioSendAdvert: false };
  const runner = new InstanceRunner(
    { name: 'VI', vrid: 51, params, addresses: ['192.0.2.100'], announce: { masterRepeat: 1, masterDelayMs: 0, masterRefreshMs: 0, masterRefreshRepeat: 1, lowerPrioRepeat: 2, lowerPrioDelayMs: 2000 } },
    { sourceAddress: '192.0.2.20', destinations: ['224.0.0.18'], send: () => undefined, addAddresses: async () => undefined, removeAddresses: async () => undefined, announce: () => void announced.push(clock.now()) },
    clock,
  );
  runner.start();
  clock.advance(5000);
  t.is(runner.state, 'MASTER');
  announced.length = 0;
  const at = clock.now();
  runner.receive({ version: 2, vrid: 51, priority: 100, intervalCs: 100, addresses: ['192.0.2.100'], authType: 0, authData: new Uint8Array(8) }, '192.0.2.10');
  clock.advance(3000);
  t.deepEqual(announced, [at, at, at + 2000, at + 2000]);
});

test('bfd_takeover: a backup told its master\'s BFD session went down takes over after its skew on the Detection Time, not Master_Down_Interval', async (t) => {
  const clock = new FakeClock();
  const seg = new Segment();
  const { b } = electedPair(seg, clock);
  await flush();
  t.is(b.runner.masterAddress, '192.0.2.10');
  // The master's link is cut: its adverts stop, and BFD (faster than VRRP) says so.
  seg.blocked = true;
  const downAt = clock.now();
  let tookOver = -1;
  b.runner.on('transition', (e) => {
    if (e.to === 'MASTER') tookOver = clock.now();
  });
  b.runner.peerDown('192.0.2.10', 'BFD session to 192.0.2.10 down', 30);
  clock.advance(5000);
  t.is(tookOver - downAt, ((256 - 100) * 30) / 256);
  t.true(tookOver - downAt < skewTimeMs(2, 100, 100));
  t.regex(b.transitions.at(-1)!.reason, /^BFD session to 192\.0\.2\.10 down: master 192\.0\.2\.10 taken over after 18\.3 ms$/);
});
