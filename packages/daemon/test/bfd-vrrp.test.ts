// track_bfd and bfd_takeover in the VRRP service, on fake hosts and the fake clock: what
// keepalived's vrrp_handle_bfd_event does with a session's events (FAULT with weight 0,
// reverse, weights moving the priority, sync groups), and tandem's fast takeover.
import test from 'ava';
import { FakeClock, masterDownIntervalMs, skewTimeMs } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { BfdTracking, trackedBfds } from '../src/vrrp/bfd-tracking.js';
import { FakeHost, FakeSegment, configFrom, instanceText, memoryLogger, runClock, settle } from './fake-host.js';

const bfd = (name: string, neighbor: string, extra = ''): string => `bfd_instance ${name} {\n    neighbor_ip ${neighbor}\n${extra}}\n`;

function instance(name: string, vrid: number, priority: number, extra: readonly string[] = []): string {
  return instanceText(name, vrid, priority, { extra });
}

async function director(seg: FakeSegment, clock: FakeClock, address: string, text: string) {
  const host = new FakeHost(seg, address);
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  const status = (name: string) => service.status().find((i) => i.name === name)!;
  return { host, service, lines: log.lines, state: (name: string) => status(name).state, priority: (name: string) => status(name).effectivePriority };
}

const run = (clock: FakeClock, ms: number): Promise<void> => runClock(clock, ms);

test('track_bfd weight 0: FAULT until the session is first Up (keepalived starts it down), FAULT again when it goes Down', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', bfd('b1', '192.0.2.12') + instance('VI_1', 51, 150, ['track_bfd {', '    b1', '}']));
  await run(clock, 100);
  t.is(a.state('VI_1'), 'FAULT');
  a.service.bfdEvent('b1', true);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  a.service.bfdEvent('b1', false);
  await settle();
  t.is(a.state('VI_1'), 'FAULT');
  t.deepEqual([...a.host.addresses], []);
  t.true(a.lines.some((l) => l.includes('(VI_1) tracked BFD session b1 is Down')));
});

test('track_bfd weight 0 reverse: FAULT while the session is Up', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', bfd('b1', '192.0.2.12', '    weight 0 reverse\n') + instance('VI_1', 51, 150, ['track_bfd {', '    b1', '}']));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER', 'never Up: not a fault with reverse');
  a.service.bfdEvent('b1', true);
  await settle();
  t.is(a.state('VI_1'), 'FAULT');
});

test('track_bfd weights move the priority: positive while Up, negative while Down, reverse negates; the peer preempts', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const conf = bfd('up10', '192.0.2.21') + bfd('down30', '192.0.2.22', '    weight -30\n') + bfd('rev5', '192.0.2.23', '    weight 5 reverse\n') + instance('VI_1', 51, 150, ['track_bfd {', '    up10 weight 10', '    down30', '    rev5', '}']);
  const a = await director(seg, clock, '192.0.2.11', conf);
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 130));
  await run(clock, 5000);
  t.is(a.priority('VI_1'), 150 - 30, 'all Down at start: only the negative weight applies');
  t.is(a.state('VI_1'), 'BACKUP');
  t.is(b.state('VI_1'), 'MASTER');
  for (const name of ['up10', 'down30', 'rev5']) a.service.bfdEvent(name, true);
  await settle();
  t.is(a.priority('VI_1'), 150 + 10 - 5);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER', '155 preempts 130');
  t.is(b.state('VI_1'), 'BACKUP');
  a.service.bfdEvent('up10', true);
  t.is(a.priority('VI_1'), 155, 'a repeated event changes nothing');
});

test('track_bfd in a sync group: the group\'s weight wins over an instance\'s weighted entry, a zero one stays (add_vrrp_to_track_bfd)', (t) => {
  const config = configFrom(
    bfd('b1', '192.0.2.21', '    weight 7\n') +
      bfd('b2', '192.0.2.22') +
      instance('VI_1', 51, 100, ['track_bfd {', '    b1 weight 0', '    b2 weight 0', '}']) +
      'vrrp_sync_group G {\n    group {\n        VI_1\n    }\n    track_bfd {\n        b1\n        b2 weight -9 reverse\n    }\n}\n',
  );
  const sessions = new Map(config.bfdInstances.map((b) => [b.name, b]));
  t.deepEqual(trackedBfds(config.vrrpInstances[0]!, config.syncGroups[0], sessions), [
    { name: 'b1', weight: 0, reverse: false },
    { name: 'b2', weight: 0, reverse: false },
  ]);
  const solo = configFrom(bfd('b1', '192.0.2.21', '    weight 7\n') + instance('VI_1', 51, 100, ['track_bfd {', '    b1', '}']) + instance('VI_2', 52, 100) + 'vrrp_sync_group G {\n    group {\n        VI_2\n    }\n    track_bfd {\n        b1 weight -9 reverse\n    }\n}\n');
  const m = new Map(solo.bfdInstances.map((b) => [b.name, b]));
  t.deepEqual(trackedBfds(solo.vrrpInstances[0]!, undefined, m), [{ name: 'b1', weight: 7, reverse: false }], 'the bfd_instance\'s weight');
  t.deepEqual(trackedBfds(solo.vrrpInstances[1]!, solo.syncGroups[0], m), [{ name: 'b1', weight: -9, reverse: true }]);
});

test('bfd_takeover: the backup takes over its skew on the Detection Time after its master\'s session goes Down, not Master_Down_Interval', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', bfd('to_b', '192.0.2.12') + instance('VI_1', 51, 150, ['@tandem bfd_takeover to_b']));
  const b = await director(seg, clock, '192.0.2.12', bfd('to_a', '192.0.2.11') + instance('VI_1', 51, 100, ['@tandem bfd_takeover to_a']));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  t.is(b.state('VI_1'), 'BACKUP');
  // a's cable is pulled: its adverts stop reaching b, and b's BFD session to a goes Down.
  seg.drop = (_payload, src) => src === '192.0.2.11';
  const cut = clock.now();
  b.service.bfdEvent('to_a', true, 150);
  b.service.bfdEvent('to_a', false, 150);
  a.service.bfdEvent('to_b', false, 150);
  for (let ms = 0; ms < 3000 && b.state('VI_1') !== 'MASTER'; ms += 10) await run(clock, 10);
  t.is(b.state('VI_1'), 'MASTER');
  const took = clock.now() - cut;
  const skew = ((256 - 100) * 150) / 256;
  t.true(took >= skew && took <= skew + 20, `took over after ${took} ms (skew ${skew} ms on a 150 ms Detection Time)`);
  t.true(took < skewTimeMs(2, 100, 100), 'sooner than the RFC Skew_Time at advert 1 s');
  t.true(took < masterDownIntervalMs(2, 100, 100) / 10);
  t.is(a.state('VI_1'), 'MASTER', 'the master ignores its own session going Down');
  t.true(b.lines.some((l) => l.includes('bfd_takeover: BFD session to_a to 192.0.2.11 went Down: master 192.0.2.11 taken over after 91.4 ms')));
});

test('bfd_takeover: a session to a router that is not the master changes nothing', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  await director(seg, clock, '192.0.2.11', instance('VI_1', 51, 150));
  const b = await director(seg, clock, '192.0.2.12', bfd('other', '192.0.2.99') + instance('VI_1', 51, 100, ['@tandem bfd_takeover other']));
  await run(clock, 5000);
  b.service.bfdEvent('other', true);
  b.service.bfdEvent('other', false);
  await run(clock, 2000);
  t.is(b.state('VI_1'), 'BACKUP');
});

function instance6(name: string, vrid: number, priority: number, extra: readonly string[] = []): string {
  return instanceText(name, vrid, priority, { vip: `2001:db8::${vrid}`, prefix: 64, extra });
}

test('bfd_takeover over IPv6: VRRPv3 adverts come from the master\'s link-local address, the session runs to its global one; the line names the link-local address', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  // The hosts' addresses are their adverts' sources: link-local, as RFC 5798 §5.1.2.1 has them.
  const a = await director(seg, clock, 'fe80::11', bfd('to_b', '2001:db8::12') + instance6('VI_6', 51, 150, ['@tandem bfd_takeover to_b fe80::12']));
  const b = await director(seg, clock, 'fe80::12', bfd('to_a', '2001:db8::11') + instance6('VI_6', 51, 100, ['@tandem bfd_takeover to_a FE80:0::11']));
  await run(clock, 5000);
  t.is(a.state('VI_6'), 'MASTER');
  t.is(b.state('VI_6'), 'BACKUP');
  t.is(b.service.status().find((i) => i.name === 'VI_6')!.master, 'fe80::11');
  seg.drop = (_payload, src) => src === 'fe80::11';
  const cut = clock.now();
  b.service.bfdEvent('to_a', true, 30);
  b.service.bfdEvent('to_a', false, 30);
  for (let ms = 0; ms < 4000 && b.state('VI_6') !== 'MASTER'; ms += 5) await run(clock, 5);
  t.is(b.state('VI_6'), 'MASTER');
  const took = clock.now() - cut;
  const skew = ((256 - 100) * 30) / 256;
  t.true(took >= skew && took <= skew + 10, `took over after ${took} ms (skew ${skew} ms on a 30 ms Detection Time)`);
  t.true(took < masterDownIntervalMs(3, 100, 100) / 100, 'well under Master_Down_Interval');
  t.true(b.lines.some((l) => l.includes('bfd_takeover: BFD session to_a to 2001:db8::11 went Down: master fe80::11 taken over after 18.3 ms')), b.lines.join('\n'));
});

test('bfd_takeover over IPv6 without the master\'s link-local address: the session never stands for the master, and the backup waits Master_Down_Interval', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  await director(seg, clock, 'fe80::11', instance6('VI_6', 51, 150));
  const b = await director(seg, clock, 'fe80::12', bfd('to_a', '2001:db8::11') + instance6('VI_6', 51, 100, ['@tandem bfd_takeover to_a']));
  await run(clock, 5000);
  seg.drop = (_payload, src) => src === 'fe80::11';
  const cut = clock.now();
  b.service.bfdEvent('to_a', true, 30);
  b.service.bfdEvent('to_a', false, 30);
  for (let ms = 0; ms < 5000 && b.state('VI_6') !== 'MASTER'; ms += 10) await run(clock, 10);
  t.true(clock.now() - cut >= masterDownIntervalMs(3, 100, 100) - 1000, `${clock.now() - cut} ms: the master-down timer, counted from the last advert`);
  t.false(b.lines.some((l) => l.includes('bfd_takeover')));
});

test('takeoverMaster: the session stands for the master when its neighbor_ip or a named address is the master\'s advert source, however spelled, of one family', (t) => {
  const config = configFrom(
    bfd('g6', '2001:db8::2') + bfd('v4', '192.0.2.2') + instance('VI_4', 4, 100, ['@tandem bfd_takeover g6 192.0.2.2', '@tandem bfd_takeover v4']) + instance6('VI_6', 6, 100, ['@tandem bfd_takeover g6 fe80::2']),
  );
  const tracking = new BfdTracking();
  tracking.configure(config.bfdInstances);
  const [v4, v6] = config.vrrpInstances;
  t.is(tracking.takeoverMaster(v4!, 'g6', '192.0.2.2'), '192.0.2.2', 'the IPv4 address named on the line');
  t.is(tracking.takeoverMaster(v4!, 'g6', '192.0.2.3'), undefined, 'another master');
  t.is(tracking.takeoverMaster(v4!, 'v4', '192.0.2.2'), '192.0.2.2', 'neighbor_ip itself');
  t.is(tracking.takeoverMaster(v6!, 'g6', 'fe80:0:0::2'), 'fe80:0:0::2', 'the link-local address, spelled otherwise');
  t.is(tracking.takeoverMaster(v6!, 'g6', '2001:db8:0::2'), '2001:db8:0::2', 'a master advertising from the global address (unicast)');
  t.is(tracking.takeoverMaster(v6!, 'g6', 'fe80::3'), undefined);
  t.is(tracking.takeoverMaster(v6!, 'g6', undefined), undefined, 'no master heard');
  t.is(tracking.takeoverMaster(v6!, 'v4', '192.0.2.2'), undefined, 'a session the instance does not name');
});
