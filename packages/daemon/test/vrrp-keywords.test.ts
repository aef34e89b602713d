// keepalived keywords of the VRRP side on fake hosts and a fake clock.
import test from 'ava';
import { diff } from '@tandem/config';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { debounceDelays } from '../src/vrrp/link-debounce.js';
import { FakeHost, FakeSegment, configFrom, memoryLogger, runClock, settle } from './fake-host.js';

const instance = (extra = '', ifname = 'eth0'): string => `vrrp_instance VI_1 {
    state MASTER
    priority 255
    interface ${ifname}
    virtual_router_id 51
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
${extra}}
`;

const run = (clock: FakeClock, ms: number): Promise<void> => runClock(clock, ms, 100);

test('vrrp_delay_after_boot: the instances wait until that long after the host booted (the longer of it and vrrp_startup_delay)', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const service = new VrrpService({ host, clock, log: memoryLogger(), uptime: () => 40 });
  await service.start(vrrpPartOf(configFrom(`global_defs {\n    vrrp_delay_after_boot 100\n    vrrp_startup_delay 30\n}\n${instance()}`)));
  await settle();
  await run(clock, 59_000);
  t.is(service.status()[0]?.state, 'INIT');
  await run(clock, 1_500);
  t.is(service.status()[0]?.state, 'MASTER');
  // Booted long ago: no wait.
  const late = new VrrpService({ host: new FakeHost(new FakeSegment(clock), '192.0.2.12'), clock, log: memoryLogger(), uptime: () => 3600 });
  await late.start(vrrpPartOf(configFrom(`global_defs {\n    vrrp_delay_after_boot 100\n}\n${instance()}`)));
  await settle();
  t.is(late.status()[0]?.state, 'MASTER');
});

test('dynamic_interfaces: an instance on a missing interface waits in FAULT, starts when it appears, faults when it is deleted and starts again when it is back', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  const part = vrrpPartOf(configFrom(`global_defs {\n    dynamic_interfaces\n}\n${instance('', 'vlan7')}`));
  await service.start(part);
  await settle();
  t.like(service.status()[0], { name: 'VI_1', state: 'FAULT', interface: 'vlan7' });
  t.true(log.lines.some((l) => l.includes('interface vlan7 does not exist: FAULT until it appears')));
  host.addLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  t.deepEqual([...host.addresses], ['192.0.2.100/24']);
  host.deleteLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'FAULT');
  host.addLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER', 'back on the new interface (another index)');
  t.is(service.status().length, 1);
});

test('without dynamic_interfaces a missing interface stops the start, as before', async (t) => {
  const clock = new FakeClock(1000);
  const service = new VrrpService({ host: new FakeHost(new FakeSegment(clock), '192.0.2.11'), clock, log: memoryLogger() });
  await t.throwsAsync(service.start(vrrpPartOf(configFrom(instance('', 'vlan7')))), { message: /vlan7 does not exist/ });
});

test('unicast_fault_no_peer: an instance with unicast settings and no peer is in FAULT instead of sending multicast', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  await service.start(vrrpPartOf(configFrom(instance('    unicast_src_ip 192.0.2.11\n    unicast_peer {\n    }\n    unicast_fault_no_peer\n').replace('priority 255', 'priority 100').replace('state MASTER', 'state BACKUP'))));
  await run(clock, 2000);
  t.is(service.status()[0]?.state, 'FAULT');
  t.deepEqual([...host.addresses], []);
  t.is(host.sent.length, 0);
});

test('notify_priority_changes: a FIFO line with the new effective priority; fifo_write_vrrp_states_on_reload: every state at a reload; groups end with priority 0', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const lines: string[] = [];
  const results = new Map<string, boolean>();
  const exec = async (s: { text: string }): Promise<{ code: number; signal: null; timedOut: boolean; output: string }> => ({ code: results.get(s.text) === false ? 1 : 0, signal: null, timedOut: false, output: '' });
  const service = new VrrpService({ host, clock, log: memoryLogger(), exec: exec as never });
  service.onNotifyLine = (l) => lines.push(l);
  const text = (extra: string): string =>
    `global_defs {\n    script_user root\n${extra}}\nvrrp_script chk {\n    script "/bin/true"\n    interval 1\n    weight -20\n}\nvrrp_sync_group G {\n    group {\n        VI_1\n    }\n    sync_group_tracking_weight\n}\n${instance('    notify_priority_changes\n    track_script {\n        chk\n    }\n').replace('priority 255', 'priority 200').replace('state MASTER', 'state BACKUP')}`;
  const before = vrrpPartOf(configFrom(text('')));
  await service.start(before);
  await run(clock, 5000);
  t.is(service.status()[0]?.state, 'MASTER');
  results.set('/bin/true', false);
  await run(clock, 3000);
  t.true(lines.includes('INSTANCE "VI_1" MASTER_PRIORITY 180'), lines.join('\n'));
  t.true(lines.includes('GROUP "G" MASTER 0'));
  lines.length = 0;
  const after = vrrpPartOf(configFrom(text('    fifo_write_vrrp_states_on_reload\n')));
  await service.reload(before, after, { instancesAdded: [], instancesRemoved: [], instancesChanged: [], instancesUnchanged: ['VI_1'] } as never);
  t.deepEqual(lines, ['INSTANCE "VI_1" MASTER 180', 'GROUP "G" MASTER 0']);
});

test('unicast_peer min_ttl / max_ttl: adverts from the peer outside the range are dropped (so each side stays master)', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const conf = (self: string, peer: string, prio: number): string =>
    instance(`    unicast_src_ip ${self}\n    unicast_peer {\n        ${peer} max_ttl 64\n    }\n`).replace('priority 255', `priority ${prio}`).replace('state MASTER', 'state BACKUP');
  const a = new VrrpService({ host: new FakeHost(seg, '192.0.2.11'), clock, log: memoryLogger() });
  const b = new VrrpService({ host: new FakeHost(seg, '192.0.2.12'), clock, log: memoryLogger() });
  await a.start(vrrpPartOf(configFrom(conf('192.0.2.11', '192.0.2.12', 150))));
  await b.start(vrrpPartOf(configFrom(conf('192.0.2.12', '192.0.2.11', 100))));
  await run(clock, 6000);
  // The fake segment delivers with TTL 255: above max_ttl 64.
  t.is(a.status()[0]?.state, 'MASTER');
  t.is(b.status()[0]?.state, 'MASTER');
  t.true((b.stats().instances['VI_1']?.dropped['bad-ttl'] ?? 0) > 0);
});

test('disable_local_igmp: igmp_link_local_mcast_reports is 0 while the VRRP side runs, and put back at stop', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  await service.start(vrrpPartOf(configFrom(`global_defs {\n    disable_local_igmp\n}\n${instance()}`)));
  t.is(host.sysctls.get('/proc/sys/net/ipv4/igmp_link_local_mcast_reports'), '0');
  await service.stop();
  t.false(host.sysctls.has('/proc/sys/net/ipv4/igmp_link_local_mcast_reports'));
});

test('garp_extra_if all N: while MASTER, one gratuitous ARP every N seconds on each other interface with an address (the first there), none on its own; without all, none', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  host.addLink('eth1');
  host.addLink('eth2');
  const conf = (extraIf: string): string =>
    instance(`    ${extraIf}\n    virtual_ipaddress_excluded {\n        198.51.100.1/24 dev eth1\n        198.51.100.2/24 dev eth1\n        2001:db8::1/64 dev eth2\n    }\n`);
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  await service.start(vrrpPartOf(configFrom(`global_defs {\n    vrrp_garp_master_delay 0\n}\n${conf('garp_extra_if all 2')}`)));
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  t.deepEqual(host.sentFrames, [], 'the first round an interval after becoming MASTER, as keepalived');
  await run(clock, 5_000);
  const rounds = host.sentFrames.map((f) => `${f.ifname} ${f.frame.readUInt16BE(12) === 0x0806 ? 'arp' : 'na'}`);
  t.deepEqual(rounds, ['eth1 arp', 'eth2 na', 'eth1 arp', 'eth2 na']);
  t.deepEqual(host.sentFrames.map((f) => f.at - host.sentFrames[0]!.at), [0, 0, 2000, 2000]);
  // ARP for 198.51.100.1 (the first address on eth1) from eth1's MAC.
  const arp = host.sentFrames[0]!.frame;
  t.is([...arp.subarray(28, 32)].join('.'), '198.51.100.1');

  // A reload without all: no more rounds (keepalived sends only on virtual MAC interfaces of single addresses then).
  const first = configFrom(`global_defs {\n    vrrp_garp_master_delay 0\n}\n${conf('garp_extra_if all 2')}`);
  const second = configFrom(`global_defs {\n    vrrp_garp_master_delay 0\n}\n${conf('garp_extra_if 2')}`);
  const report = await service.reload(vrrpPartOf(first), vrrpPartOf(second), diff(first, second));
  t.deepEqual(report.updated, ['VI_1']);
  const sent = host.sentFrames.length;
  await run(clock, 5_000);
  t.is(host.sentFrames.length, sent);
  await service.stop();
});

test('garp_extra_if N without all, with use_vmac_addr: the rounds go to the virtual MAC interfaces made for the addresses elsewhere, not to other interfaces (keepalived\'s is_ours)', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  host.addLink('eth1');
  host.addLink('eth2');
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  const text = `global_defs {\n    vrrp_garp_master_delay 0\n}\n${instance('    garp_extra_if 2\n    use_vmac_addr\n    virtual_ipaddress_excluded {\n        198.51.100.1/24 dev eth1\n    }\n')}`;
  await service.start(vrrpPartOf(configFrom(text)));
  await run(clock, 5_500);
  t.is(service.status()[0]?.state, 'MASTER');
  t.deepEqual([...new Set(host.sentFrames.map((f) => f.ifname))], ['vrrp.51'], 'on the interface made for 198.51.100.1, not on its base eth1');
  t.true(host.sentFrames.length >= 2);
  await service.stop();
  // Without use_vmac_addr the address is on eth1 itself, which is not one tandem made: nothing.
  const plain = new FakeHost(new FakeSegment(clock), '192.0.2.12');
  plain.addLink('eth1');
  const other = new VrrpService({ host: plain, clock, log: memoryLogger() });
  await other.start(vrrpPartOf(configFrom(text.replace('    use_vmac_addr\n', ''))));
  await run(clock, 5_500);
  t.is(other.status()[0]?.state, 'MASTER');
  t.deepEqual(plain.sentFrames.filter((f) => f.ifname !== 'eth0'), []);
  await other.stop();
});

test('interface_up_down_delays: a link that bounces back within its delay changes nothing; one that stays down (or up) is seen after the delay; each instance caps the delay below two advert intervals', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  const transitions: string[] = [];
  service.onTransition = (e) => transitions.push(e.to);
  await service.start(vrrpPartOf(configFrom(`interface_up_down_delays {\n    eth0 1.5 0.5\n}\n${instance()}`)));
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  host.setLink(false);
  await run(clock, 1_000);
  host.setLink(true);
  await run(clock, 3_000);
  t.deepEqual(transitions, ['MASTER'], 'a 1 s bounce under a 1.5 s down delay');
  host.setLink(false);
  await run(clock, 1_400);
  t.is(service.status()[0]?.state, 'MASTER');
  await run(clock, 200);
  t.is(service.status()[0]?.state, 'FAULT');
  host.setLink(true);
  await run(clock, 400);
  t.is(service.status()[0]?.state, 'FAULT');
  await run(clock, 200);
  t.not(service.status()[0]?.state, 'FAULT');
  await service.stop();

  // 5 s with advert_int 1: keepalived's cap, 2 intervals less 1/256 of one.
  const capped = new VrrpService({ host: new FakeHost(new FakeSegment(clock), '192.0.2.12'), clock, log });
  await capped.start(vrrpPartOf(configFrom(`interface_up_down_delays {\n    eth0 5\n}\n${instance()}`)));
  t.true(log.lines.some((l) => l.includes('interface_up_down_delays of eth0 must stay below 2 advert intervals: down 1.99609375 s, up 0 s')), log.lines.join('\n'));
  await capped.stop();
});

test('interface_up_down_delays with down_timer_adverts 1: none, as keepalived', (t) => {
  const c = configFrom(`interface_up_down_delays {\n    eth0 1 1\n}\n${instance('    down_timer_adverts 1\n')}`);
  const notes: string[] = [];
  t.deepEqual(debounceDelays(c.interfaceDelays, c.vrrpInstances, notes).get('eth0'), { downMs: 0, upMs: 0 });
  t.regex(notes.join(), /cannot be used with down_timer_adverts 1/);
});

test('track_group: the group\'s instances are in FAULT while the interface of a static address, route or rule naming it is down; others are not; a reload that drops it ends that', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  host.addLink('eth1');
  host.addLink('eth2');
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  const second = instance().replace('VI_1', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52').replace('192.0.2.100/24', '192.0.2.101/24');
  const tracked = `track_group TG {\n    group {\n        VI_1\n    }\n}\nstatic_ipaddress {\n    198.51.100.1/24 dev eth1 track_group TG\n}\nstatic_rules {\n    iif eth2 table 100 preference 7 track_group TG\n}\n${instance()}${second}`;
  const part = vrrpPartOf(configFrom(tracked));
  t.deepEqual(part.staticTrack, { VI_1: ['eth1', 'eth2'] });
  await service.start(part);
  await run(clock, 500);
  const states = (): string[] => service.status().map((s) => `${s.name} ${s.state}`);
  t.deepEqual(states(), ['VI_1 MASTER', 'VI_2 MASTER']);
  host.setExtraLink('eth1', false);
  await run(clock, 200);
  t.deepEqual(states(), ['VI_1 FAULT', 'VI_2 MASTER']);
  host.setExtraLink('eth1', true);
  await run(clock, 200);
  t.deepEqual(states(), ['VI_1 MASTER', 'VI_2 MASTER']);
  host.setExtraLink('eth2', false);
  await run(clock, 200);
  t.deepEqual(states(), ['VI_1 FAULT', 'VI_2 MASTER']);
  // The same file without the track_group on the rule: eth2 no longer counts.
  const next = vrrpPartOf(configFrom(tracked.replace('preference 7 track_group TG', 'preference 7')));
  const before = configFrom(tracked);
  await service.reload(part, next, diff(before, configFrom(tracked.replace('preference 7 track_group TG', 'preference 7'))));
  await run(clock, 4_000);
  t.is(service.status()[0]?.state, 'MASTER');
  await service.stop();
});

test('track_src_ip: FAULT while unicast_src_ip is not on the instance\'s interface, back when it returns; without it the instance does not care', async (t) => {
  for (const tracked of [true, false]) {
    const clock = new FakeClock(1000);
    const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
    const service = new VrrpService({ host, clock, log: memoryLogger() });
    await service.start(vrrpPartOf(configFrom(instance(`    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12\n    }\n${tracked ? '    track_src_ip\n' : ''}`))));
    await run(clock, 500);
    t.is(service.status()[0]?.state, 'MASTER');
    host.setOwnAddress(false);
    await run(clock, 200);
    t.is(service.status()[0]?.state, tracked ? 'FAULT' : 'MASTER', `track_src_ip ${tracked}`);
    host.setOwnAddress(true);
    await run(clock, 500);
    t.is(service.status()[0]?.state, 'MASTER');
    await service.stop();
  }
});

test('vrf: the instance\'s channel is the VRF device, whose link state is not tracked (keepalived has no interface then) but its addresses\' interfaces are; track_src_ip finds the source on an interface enslaved to it', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  host.addLink('red');
  host.enslave('red');
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  const vrf = instance('    vrf red\n    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12\n    }\n    track_src_ip\n').replace('    interface eth0\n', '').replace('192.0.2.100/24', '192.0.2.100/24 dev eth0');
  await service.start(vrrpPartOf(configFrom(vrf)));
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  t.deepEqual([...host.addresses], ['192.0.2.100/24']);
  host.setExtraLink('red', false);
  await run(clock, 200);
  t.is(service.status()[0]?.state, 'MASTER', 'the VRF device is no interface of the instance\'s');
  host.setExtraLink('red', true);
  host.setOwnAddress(false);
  await run(clock, 200);
  t.is(service.status()[0]?.state, 'FAULT', 'the source left eth0, the VRF\'s interface');
  host.setOwnAddress(true);
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  host.setLink(false);
  await run(clock, 200);
  t.is(service.status()[0]?.state, 'FAULT', 'the address\'s interface (dev eth0) is tracked, as keepalived tracks it');
  host.setLink(true);
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  await service.stop();
});

test('timer_expired_backup: a master whose process did not run for longer than a takeover takes goes to BACKUP and removes its addresses instead of sending its late advert; without it, it stays MASTER', async (t) => {
  const stalled = async (extra: string): Promise<{ state: string | undefined; adverts: number; addresses: string[]; log: string[] }> => {
    const clock = new FakeClock(1000);
    const segment = new FakeSegment(clock);
    const host = new FakeHost(segment, '192.0.2.11');
    const log = memoryLogger();
    const service = new VrrpService({ host, clock, log });
    await service.start(vrrpPartOf(configFrom(instance(`    nopreempt\n${extra}`).replace('state MASTER', 'state BACKUP').replace('priority 255', 'priority 200'))));
    await settle();
    await run(clock, 5_000);
    t.is(service.status()[0]?.state, 'MASTER');
    const before = host.sent.length;
    // 3 s + the skew of priority 250 (0.02 s) without running: a backup at 250 would have taken over.
    clock.stall(3_100);
    await runClock(clock, 10, 10);
    const r = { state: service.status()[0]?.state, adverts: host.sent.length - before, addresses: [...host.addresses], log: log.lines };
    await service.stop();
    return r;
  };
  const withRule = await stalled('    timer_expired_backup 250\n');
  t.is(withRule.state, 'BACKUP');
  t.is(withRule.adverts, 0);
  t.deepEqual(withRule.addresses, []);
  t.true(withRule.log.some((l) => l.includes('timer_expired_backup')), withRule.log.join('\n'));
  const without = await stalled('');
  t.is(without.state, 'MASTER');
  t.true(without.adverts > 0);
  t.deepEqual(without.addresses, ['192.0.2.100/24']);
});

test('an address on another interface (dev eth1) tracks that interface as keepalived\'s TRACK_ADDR: its loss is FAULT, unless the address says no_track', async (t) => {
  for (const noTrack of [false, true]) {
    const clock = new FakeClock(1000);
    const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
    host.addLink('eth1');
    const service = new VrrpService({ host, clock, log: memoryLogger() });
    await service.start(vrrpPartOf(configFrom(instance().replace('192.0.2.100/24\n', `192.0.2.100/24\n        198.51.100.7/24 dev eth1${noTrack ? ' no_track' : ''}\n`))));
    await settle();
    await run(clock, 500);
    t.is(service.status()[0]?.state, 'MASTER');
    host.setExtraLink('eth1', false);
    await run(clock, 300);
    t.is(service.status()[0]?.state, noTrack ? 'MASTER' : 'FAULT', noTrack ? 'no_track: eth1 is not tracked' : 'eth1 down: FAULT');
    host.setExtraLink('eth1', true);
    await run(clock, 500);
    t.is(service.status()[0]?.state, 'MASTER');
    await service.stop();
  }
});
