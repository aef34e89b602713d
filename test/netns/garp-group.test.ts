import test from 'ava';
import { Lab } from '../lib/lab.js';
import { nsRun, waitFor } from '../lib/sh.js';

// garp_group against real interfaces: a new master's gratuitous ARPs on eth0 and eth1, as
// tcpdump in the director's namespace sees them leave. In one group the two interfaces share
// one pacing; outside it each is paced on its own. keepalived 2.2.7 in the same place is the oracle.

const conf = (group: boolean): string => `global_defs {
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 2
${group ? '' : '    vrrp_garp_interval 0.4\n'}}
${group ? 'garp_group {\n    garp_interval 0.4\n    interfaces {\n        eth0 eth1\n    }\n}\n' : ''}vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24 dev eth0
        198.51.100.100/24 dev eth1
    }
}
`;

/**
 * [seconds, interface] of the first `count` gratuitous ARPs for the two addresses. keepalived
 * 2.2.7 sends only three of the four in a group (an address already queued is queued once:
 * vrrp_arp.c queue_garp's garp_gna_pending), so it is asked for three.
 */
async function garps(who: 'tandem' | 'keepalived', group: boolean, count: number): Promise<Array<[number, string]>> {
  const lab = await Lab.create(`gg${who[0]}${group ? 'g' : 'n'}`, ['a'], 'tI');
  try {
    const ns = lab.ns('a');
    await nsRun(ns, 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    for (const i of ['eth1p', 'eth1']) await nsRun(ns, 'ip', ['link', 'set', i, 'up']);
    const capture = lab.spawnIn('a', 'tcpdump', ['-i', 'any', '-n', '-l', '-tt', '-Q', 'out', 'arp and (src host 192.0.2.100 or src host 198.51.100.100)']);
    await waitFor('tcpdump listening', 5000, () => (capture.output().includes('listening on') ? true : undefined));
    if (who === 'tandem') await lab.startTandem('a', conf(group));
    else await lab.startKeepalived('a', conf(group));
    const lines = await waitFor(`${count} gratuitous ARPs`, 15_000, () => {
      const got = capture.output().split('\n').filter((l) => / ARP, (Request|Reply)/.test(l));
      return got.length >= count ? got.slice(0, count) : undefined;
    });
    return lines.map((l) => [Number(l.split(' ')[0]), /\b(eth[01])\b/.exec(l)![1]!]);
  } finally {
    await lab.cleanup();
  }
}

const gaps = (g: Array<[number, string]>): number[] => g.slice(1).map(([at], i) => at - g[i]![0]);

for (const who of ['tandem', 'keepalived'] as const) {
  test.serial(`garp_group { garp_interval 0.4; interfaces { eth0 eth1 } } (${who}): the two interfaces' gratuitous ARPs leave 0.4 s apart, whichever interface they are for; without the group, vrrp_garp_interval 0.4 paces each interface alone`, async (t) => {
    const grouped = await garps(who, true, who === 'tandem' ? 4 : 3);
    t.log(`${who}, grouped: ${grouped.map(([at, i]) => `${i}@${(at - grouped[0]![0]).toFixed(3)}`).join(' ')}`);
    t.true(gaps(grouped).every((g) => g >= 0.38), gaps(grouped).join(' '));
    t.deepEqual(new Set(grouped.map(([, i]) => i)), new Set(['eth0', 'eth1']));
    const alone = await garps(who, false, 3);
    t.log(`${who}, alone: ${alone.map(([at, i]) => `${i}@${(at - alone[0]![0]).toFixed(3)}`).join(' ')}`);
    // The first ARP on each interface leaves at once: two within a moment, then the second round 0.4 s later.
    t.true(alone[1]![0] - alone[0]![0] < 0.2, gaps(alone).join(' '));
    t.not(alone[0]![1], alone[1]![1]);
  });
}
