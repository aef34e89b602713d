import test from 'ava';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const VMAC = '00:00:5e:00:01:33'; // RFC 5798 §7.3, VRID 51

/** The lab's one-instance config with `use_vmac` (its VIP names dev eth0, which keepalived moves to the virtual MAC interface). */
function conf(priority: number): string {
  return vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], instanceLines: ['use_vmac'] });
}

test.serial('use_vmac: the VIP lives on vrrp.51 with the virtual MAC, so the client keeps one MAC across a failover', async (t) => {
  const lab = await Lab.create('vmac', ['a', 'b']);
  try {
    const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
    const sysctl = (d: string, key: string): Promise<string> => nsRun(lab.ns(d), 'cat', [`/proc/sys/net/ipv4/conf/${key}`]).then((x) => x.trim());
    const arpIgnoreBefore = await sysctl('a', 'eth0/arp_ignore');
    const a = await lab.startTandem('a', conf(150));
    await lab.startTandem('b', conf(100));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 5000);
    for (const d of ['a', 'b']) {
      t.regex(await ip(d, 'link', 'show', 'vrrp.51'), new RegExp(`vrrp\\.51@eth0: .*UP.*\\n\\s+link/ether ${VMAC} `), `${d} has the virtual MAC interface, up`);
      t.is(await sysctl(d, 'eth0/arp_ignore'), '1', `${d}'s eth0 answers ARP only for its own addresses`);
      t.is(await sysctl(d, 'vrrp.51/arp_ignore'), '1');
    }
    t.regex(await ip('a', '-4', 'addr', 'show', 'dev', 'vrrp.51'), new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/24`), 'the VIP is on the virtual MAC interface');
    t.notRegex(await ip('a', '-4', 'addr', 'show', 'dev', 'eth0'), new RegExp(VIP.replace(/\./g, '\\.')), 'not on eth0');
    t.notRegex(await ip('b', '-4', 'addr', 'show', 'dev', 'vrrp.51'), /inet /, 'the backup holds nothing');

    const probe = lab.startProber(VIP);
    await waitFor('answers from a', 3000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), VMAC, 'the client reaches the VIP at the virtual MAC');

    const cutAt = Date.now();
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    await waitFor('answers from b', 3000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), VMAC, 'the same MAC after the failover');
    await probe.stop();

    await lab.stopDaemon(a);
    t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', 'vrrp.51'], { allowFail: true })).trim(), '', 'stop removes the interface');
    t.is(await sysctl('a', 'eth0/arp_ignore'), arpIgnoreBefore, "and puts eth0's arp_ignore back");
  } finally {
    await lab.cleanup();
  }
});

for (const backup of ['tandem', 'keepalived'] as const) {
  test.serial(`use_vmac with IPv6 (tandem master, ${backup} backup): the virtual MAC 00:00:5e:00:02:VRID carries the base's link-local address, not one made from it; the client keeps one MAC across a failover`, async (t) => {
    const lab = await Lab.create(backup === 'tandem' ? 'vmac6' : 'vmac6k', ['a', 'b']);
    try {
      const VIP6 = '2001:db8::100';
      const VMAC6 = '00:00:5e:00:02:33';
      const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
      const conf6 = (priority: number): string =>
        vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP6}/64`], instanceLines: ['use_vmac'] });
      const a = await lab.startTandem('a', conf6(150));
      if (backup === 'tandem') await lab.startTandem('b', conf6(100));
      else await lab.startKeepalived('b', conf6(100));
      lab.startResponders();
      await lab.waitHolder(VIP6, 'a', 5000);
      for (const d of ['a', 'b']) {
        t.regex(await ip(d, 'link', 'show', 'vrrp.51'), new RegExp(`vrrp\\.51@eth0: .*UP.*\\n\\s+link/ether ${VMAC6} `), `${d} has the IPv6 virtual MAC interface, up`);
        const baseLl = /inet6 (fe80::[0-9a-f:]+)\/64/.exec(await ip(d, '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'))![1]!;
        const vmacLl = [...(await ip(d, '-6', 'addr', 'show', 'dev', 'vrrp.51', 'scope', 'link')).matchAll(/inet6 (fe80::[0-9a-f:]+)\/64/g)].map((m) => m[1]);
        t.deepEqual(vmacLl, [baseLl], `${d}: only eth0's link-local address on vrrp.51 (RFC 5798 §7.4)`);
      }
      t.regex(await ip('a', '-6', 'addr', 'show', 'dev', 'vrrp.51'), /inet6 2001:db8::100\/64/, 'the VIP is on the virtual MAC interface');
      t.notRegex(await ip('b', '-6', 'addr', 'show', 'dev', 'vrrp.51', 'scope', 'global'), /inet6 /, 'the backup holds nothing');

      const probe = lab.startProber(VIP6);
      await waitFor('answers from a', 5000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
      t.is(await lab.clientNeighbour(VIP6), VMAC6, 'the client reaches the VIP at the virtual MAC');
      const cutAt = Date.now();
      await lab.cut('a');
      await lab.waitHolder(VIP6, 'b', 3000);
      await waitFor('answers from b', 5000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
      t.is(await lab.clientNeighbour(VIP6), VMAC6, 'the same MAC after the failover');
      await probe.stop();
      await lab.stopDaemon(a);
      t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', 'vrrp.51'], { allowFail: true })).trim(), '', 'stop removes the interface');
    } finally {
      await lab.cleanup();
    }
  });
}

test.serial('use_vmac NAME MAC (five octets: the VRID is the sixth): tandem and keepalived 2.2.7 make the same interface, and the client keeps that MAC across a failover between them', async (t) => {
  const lab = await Lab.create('vmacm', ['a', 'b']);
  try {
    const MAC = '02:11:22:33:44:33'; // 02:11:22:33:44 and VRID 51
    const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
    const confM = (priority: number): string => vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], instanceLines: ['use_vmac vm51 02:11:22:33:44'] });
    await lab.startTandem('a', confM(150));
    await lab.startKeepalived('b', confM(100));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 5000);
    for (const d of ['a', 'b']) t.regex(await ip(d, 'link', 'show', 'vm51'), new RegExp(`vm51@eth0: .*\\n\\s+link/ether ${MAC} `), `${d}'s vm51 has the configured MAC`);
    const probe = lab.startProber(VIP);
    await waitFor('answers from a', 3000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), MAC);
    const cutAt = Date.now();
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    await waitFor('answers from b', 3000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), MAC, 'the same MAC from keepalived after the failover');
    await probe.stop();
  } finally {
    await lab.cleanup();
  }
});

test.serial('use_vmac, IPv4: the macvlan has no IPv6 and addrgenmode none (no link-local address from the virtual MAC, RFC 5798 §7.4), as keepalived 2.2.7 makes it beside it', async (t) => {
  const lab = await Lab.create('vmag', ['a', 'b'], 'tO');
  try {
    const ipv6Shape = async (d: string): Promise<string> => {
      const link = await nsRun(lab.ns(d), 'ip', ['-d', 'link', 'show', 'vrrp.51']);
      const disabled = (await nsRun(lab.ns(d), 'cat', ['/proc/sys/net/ipv6/conf/vrrp.51/disable_ipv6'])).trim();
      const inet6 = await nsRun(lab.ns(d), 'ip', ['-6', 'addr', 'show', 'dev', 'vrrp.51']);
      return `addrgenmode ${/addrgenmode (\S+)/.exec(link)?.[1] ?? '?'} disable_ipv6 ${disabled} inet6 ${inet6.includes('inet6') ? 'yes' : 'none'}`;
    };
    await lab.startTandem('a', conf(150));
    await lab.startKeepalived('b', conf(100));
    await lab.waitHolder(VIP, 'a', 5000);
    t.is(await ipv6Shape('a'), 'addrgenmode none disable_ipv6 1 inet6 none');
    t.is(await ipv6Shape('a'), await ipv6Shape('b'), 'tandem\'s vrrp.51 as keepalived\'s');
  } finally {
    await lab.cleanup();
  }
});
