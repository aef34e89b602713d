// garp_group pacing (keepalived 2.2.7 vrrp_arp.c / vrrp_ndisc.c) with a fake clock.
import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import type { GarpGroup } from '@tandem/config';
import { AnnouncePacers } from '../src/vrrp/announce-pacing.js';

const pos = { file: 'k.conf', line: 1, col: 1 };

/** An ARP frame (ethertype 0x0806) or an IPv6 one (an NA), tagged in its last byte. */
function frame(arp: boolean, tag: number): Buffer {
  const f = Buffer.alloc(60);
  f.writeUInt16BE(arp ? 0x0806 : 0x86dd, 12);
  f[59] = tag;
  return f;
}

function recorder(clock: FakeClock, name: string, log: string[]) {
  return () => ({ send: (f: Buffer) => void log.push(`${clock.now()} ${name} ${f.readUInt16BE(12) === 0x0806 ? 'arp' : 'na'} ${f[59]}`) });
}

test('interfaces of one garp_group share its pacing; an interface outside it is paced by vrrp_garp_interval alone', (t) => {
  const clock = new FakeClock(0);
  const log: string[] = [];
  const pacers = new AnnouncePacers(clock, () => undefined);
  const groups: GarpGroup[] = [{ pos, garpInterval: 1, interfaces: ['eth1', 'eth2'] }];
  pacers.configure({ vrrpGarpInterval: 0.25, vrrpGnaInterval: 0 }, groups);
  const eth1 = pacers.frames(11, 'eth1', recorder(clock, 'eth1', log));
  const eth2 = pacers.frames(12, 'eth2', recorder(clock, 'eth2', log));
  const eth3 = pacers.frames(13, 'eth3', recorder(clock, 'eth3', log));
  eth1.send(frame(true, 1));
  eth2.send(frame(true, 2));
  eth1.send(frame(true, 3));
  eth3.send(frame(true, 4));
  eth3.send(frame(true, 5));
  // gna_interval is not set in the group: its NAs go at once (the global vrrp_gna_interval does not apply there).
  eth2.send(frame(false, 6));
  eth2.send(frame(false, 7));
  for (let i = 0; i < 30; i++) clock.advance(100);
  t.deepEqual(log, ['0 eth1 arp 1', '0 eth3 arp 4', '0 eth2 na 6', '0 eth2 na 7', '250 eth3 arp 5', '1000 eth2 arp 2', '2000 eth1 arp 3']);
});

test('a reload with other garp_groups replaces the pacers; the same groups (moved in the file) keep them', (t) => {
  const clock = new FakeClock(0);
  const log: string[] = [];
  const pacers = new AnnouncePacers(clock, () => undefined);
  const g = { vrrpGarpInterval: 0, vrrpGnaInterval: 0 };
  pacers.configure(g, [{ pos, gnaInterval: 1, interfaces: ['eth1'] }]);
  const first = pacers.frames(11, 'eth1', recorder(clock, 'eth1', log));
  pacers.configure(g, [{ pos: { ...pos, line: 9 }, gnaInterval: 1, interfaces: ['eth1'] }]);
  t.is(pacers.frames(11, 'eth1', recorder(clock, 'eth1', log)), first);
  pacers.configure(g, [{ pos, gnaInterval: 2, interfaces: ['eth1'] }]);
  const second = pacers.frames(11, 'eth1', recorder(clock, 'eth1', log));
  t.not(second, first);
  second.send(frame(false, 1));
  second.send(frame(false, 2));
  for (let i = 0; i < 25; i++) clock.advance(100);
  t.deepEqual(log, ['0 eth1 na 1', '2000 eth1 na 2']);
  pacers.close();
});
