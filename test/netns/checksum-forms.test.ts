import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { sleep } from '../lib/sh.js';

// keepalived's VRRPv3 IPv4 checksum forms on the wire, between real peers: old_unicast_checksum
// (keepalived 2.2.7 itself as the peer, with the same keyword) and v3_checksum_as_v2 (keepalived
// 2.2.8; between two tandems). The same form on both sides: one master. Different forms: each
// drops the other's adverts as bad checksums, and both hold the address.

const VIP = '192.0.2.100';

/** Who holds the VIP over `ms` after a settled: the set of holders seen. */
async function holdersOver(lab: Lab, ms: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) for (const h of await lab.holders(VIP)) seen.add(h);
  return seen;
}

const conf = (lab: Lab, me: 'a' | 'b', priority: number, lines: readonly string[]): string =>
  vrrpConf({ advertInt: 1, version: 3, priority, vips: [`${VIP}/24`], unicastSrc: lab.address(me), peers: [lab.address(me === 'a' ? 'b' : 'a')], instanceLines: [...lines] });

for (const [name, aLines, bLines, together] of [
  ['old_unicast_checksum on tandem and on keepalived 2.2.7: one master', ['old_unicast_checksum'], ['old_unicast_checksum'], true],
  ['old_unicast_checksum on keepalived 2.2.7 only: it drops tandem\'s RFC checksums, both hold the VIP', [], ['old_unicast_checksum'], false],
] as const) {
  test.serial(name, async (t) => {
    const lab = await Lab.create(`ck${together ? 'o' : 'x'}`, ['a', 'b'], 'tI');
    try {
      await lab.startTandem('a', conf(lab, 'a', 150, aLines));
      const b = await lab.startKeepalived('b', conf(lab, 'b', 100, bLines));
      await lab.waitHolder(VIP, 'a', 10_000).catch(() => undefined);
      await sleep(4500);
      const seen = await holdersOver(lab, 3000);
      t.deepEqual([...seen].sort(), together ? ['a'] : ['a', 'b'], b.child.output().split('\n').filter((l) => /checksum/i.test(l)).join('\n'));
      if (!together) t.regex(b.child.output(), /Invalid VRRPv3 checksum/);
    } finally {
      await lab.cleanup();
    }
  });
}

for (const [name, aLines, bLines, together] of [
  ['v3_checksum_as_v2 on both tandems: one master', ['v3_checksum_as_v2'], ['v3_checksum_as_v2'], true],
  ['v3_checksum_as_v2 on one tandem only: both hold the VIP, each dropping the other\'s adverts', ['v3_checksum_as_v2'], [], false],
] as const) {
  test.serial(name, async (t) => {
    const lab = await Lab.create(`cv${together ? 'o' : 'x'}`, ['a', 'b'], 'tI');
    try {
      await lab.startTandem('a', conf(lab, 'a', 150, aLines));
      const b = await lab.startTandem('b', conf(lab, 'b', 100, bLines));
      await sleep(4500);
      const seen = await holdersOver(lab, 3000);
      t.deepEqual([...seen].sort(), together ? ['a'] : ['a', 'b']);
      const stats = (await lab.ctl(b, 'stats')) as unknown as { channels?: Array<{ dropped?: Record<string, number> }> };
      const badChecksums = (stats.channels ?? []).reduce((n, c) => n + (c.dropped?.['bad-checksum'] ?? 0), 0);
      if (together) t.is(badChecksums, 0);
      else t.true(badChecksums > 0, JSON.stringify(stats.channels));
    } finally {
      await lab.cleanup();
    }
  });
}
