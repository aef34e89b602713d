// use_ipvlan and VRF enslavement of the VRRP interfaces, tandem beside keepalived 2.2.7 doing the same.
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun } from '../lib/sh.js';

const VIP = '192.0.2.100';

/**
 * Whether this kernel makes links of `kind` (ipvlan, vrf): the development machines' kernel
 * is built without either (CONFIG_IPVLAN, CONFIG_NET_VRF), and then the tests needing one
 * are registered as skipped, saying so, rather than passing.
 */
function kernelMakes(kind: 'ipvlan' | 'vrf'): boolean {
  const ns = `tK-probe-${kind}`;
  const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args], { stdio: 'ignore' });
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    if (kind === 'ipvlan') ip('link', 'add', 'iv0', 'link', 'p0', 'type', 'ipvlan', 'mode', 'l2');
    else ip('link', 'add', 'v0', 'type', 'vrf', 'table', '10');
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}
const HAS_IPVLAN = kernelMakes('ipvlan');
const HAS_VRF = kernelMakes('vrf');

/** `ip -d link show NAME` reduced to what keepalived chose: kind, mode, flags, master, MAC and state. */
async function linkShape(lab: Lab, d: string, name: string): Promise<string> {
  const out = await nsRun(lab.ns(d), 'ip', ['-d', 'link', 'show', name]);
  const kind = /\n\s+(ipvlan|macvlan|vrf)\s+mode (\S+)\s*(bridge|private|vepa)?/.exec(out);
  const master = / master (\S+)/.exec(out)?.[1] ?? '-';
  return `${kind?.[1] ?? '?'} ${kind?.[2] ?? '?'} ${kind?.[3] ?? '-'} master ${master} ${/<[^>]*\bUP\b/.test(out) ? 'UP' : 'DOWN'}`;
}

(HAS_IPVLAN ? test.serial : test.serial.skip)('use_ipvlan NAME ADDRESS private: an L2 ipvlan with the base\'s MAC, up, the address and the VIP on it, adverts from that address; keepalived 2.2.7 as peer makes the same; stop removes it', async (t) => {
  const lab = await Lab.create('ipv', ['a', 'b'], 'tK');
  try {
    const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
    const conf = (priority: number, own: string): string => vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], instanceLines: [`use_ipvlan ipv.51 ${own}/24 private`] });
    const a = await lab.startTandem('a', conf(150, '192.0.2.21'));
    const b = await lab.startKeepalived('b', conf(100, '192.0.2.22'));
    await lab.waitHolder(VIP, 'a', 8000);
    t.is(await linkShape(lab, 'a', 'ipv.51'), await linkShape(lab, 'b', 'ipv.51'), 'tandem makes the interface keepalived makes');
    t.regex(await linkShape(lab, 'a', 'ipv.51'), /^ipvlan l2 private master - UP$/);
    const macOf = async (d: string, name: string): Promise<string> => /link\/ether (\S+)/.exec(await ip(d, 'link', 'show', name))![1]!;
    t.is(await macOf('a', 'ipv.51'), await macOf('a', 'eth0'), 'an ipvlan has its base\'s MAC');
    t.regex(await ip('a', '-4', 'addr', 'show', 'dev', 'ipv.51'), /inet 192\.0\.2\.21\/24[\s\S]*inet 192\.0\.2\.100\/24/, 'its own address, then the VIP');
    t.regex(await ip('b', '-4', 'addr', 'show', 'dev', 'ipv.51'), /inet 192\.0\.2\.22\/24/);
    t.notRegex(await ip('b', '-4', 'addr', 'show', 'dev', 'ipv.51'), /192\.0\.2\.100/, 'the backup holds nothing');
    t.is((await nsRun(lab.ns('a'), 'cat', ['/proc/sys/net/ipv6/conf/ipv.51/disable_ipv6'])).trim(), '1', 'no IPv6 on it for an IPv4 instance');
    // keepalived's status says whose adverts it follows: the ipvlan address is the source.
    const status = await lab.ctl(a, 'status');
    t.is(status?.instances[0]?.state, 'MASTER');
    const neighbour = await nsRun(lab.ns('b'), 'ip', ['-4', 'neigh', 'show', '192.0.2.21']);
    t.regex(neighbour, /192\.0\.2\.21/, 'b learned a\'s ipvlan address (from its adverts and ARP)');

    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    await lab.restore('a');
    await lab.waitHolder(VIP, 'a', 5000);
    await lab.stopDaemon(a);
    t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', 'ipv.51'], { allowFail: true })).trim(), '', 'stop removes the interface');
    await lab.waitHolder(VIP, 'b', 3000);
    await lab.stopDaemon(b);
  } finally {
    await lab.cleanup();
  }
});

for (const kind of ['use_vmac', 'use_ipvlan ipv.51 192.0.2.2X/24'] as const) {
  (HAS_VRF && (kind === 'use_vmac' || HAS_IPVLAN) ? test.serial : test.serial.skip)(`${kind.split(' ')[0]} on an interface enslaved to a VRF: the interface is enslaved to it too (as keepalived 2.2.7, beside it), the VIP's routes are in the VRF's table, failover works`, async (t) => {
    const lab = await Lab.create(kind === 'use_vmac' ? 'vrfm' : 'vrfi', ['a', 'b'], 'tK');
    try {
      const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
      for (const d of ['a', 'b']) {
        await ip(d, 'link', 'add', 'blue', 'type', 'vrf', 'table', '10');
        await ip(d, 'link', 'set', 'blue', 'up');
        await ip(d, 'link', 'set', 'eth0', 'master', 'blue');
      }
      const conf = (priority: number, n: number): string => vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], instanceLines: [kind.replace('X', String(n))] });
      const name = kind === 'use_vmac' ? 'vrrp.51' : 'ipv.51';
      const a = await lab.startTandem('a', conf(150, 1));
      const b = await lab.startKeepalived('b', conf(100, 2));
      await lab.waitHolder(VIP, 'a', 8000);
      t.is(await linkShape(lab, 'a', name), await linkShape(lab, 'b', name), 'tandem makes the interface keepalived makes');
      t.regex(await linkShape(lab, 'a', name), / master blue UP$/);
      t.regex(await ip('a', 'route', 'show', 'table', '10'), /192\.0\.2\.0\/24 dev \S+ proto kernel scope link src 192\.0\.2\.100/, 'the VIP\'s prefix route is in the VRF\'s table');
      t.notRegex(await ip('a', 'route', 'show', 'table', 'main'), /192\.0\.2\.100/);
      await lab.cut('a');
      await lab.waitHolder(VIP, 'b', 3000);
      await lab.restore('a');
      await lab.waitHolder(VIP, 'a', 5000);
      await lab.stopDaemon(a);
      t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', name], { allowFail: true })).trim(), '', 'stop removes the interface');
      await lab.stopDaemon(b);
    } finally {
      await lab.cleanup();
    }
  });
}
