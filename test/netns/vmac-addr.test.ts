// use_vmac_addr and vmac_addr_prefix: the virtual MAC interfaces keepalived makes for addresses
// off the instance's own interface or family, tandem beside keepalived 2.2.7 doing the same.
import test from 'ava';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun } from '../lib/sh.js';

const VIP = '192.0.2.100';

test.serial('use_vmac_addr: the IPv6 address of an IPv4 instance goes on va.51 (vmac_addr_prefix) with the virtual MAC 00:00:5e:00:02:VRID, made as keepalived 2.2.7 makes it, held only by the master, removed at stop', async (t) => {
  const lab = await Lab.create('vma', ['a', 'b'], 'tK');
  try {
    const ip = (d: string, ...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
    const conf = (priority: number): string =>
      vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], globalLines: ['vmac_addr_prefix va'], instanceLines: ['use_vmac_addr', 'virtual_ipaddress_excluded {', '    2001:db8::100/64', '}'] });
    const a = await lab.startTandem('a', conf(150));
    const b = await lab.startKeepalived('b', conf(100));
    await lab.waitHolder(VIP, 'a', 8000);
    const shape = async (d: string): Promise<string> => {
      const out = await ip(d, '-d', 'link', 'show', 'va.51');
      return `${/va\.51@(\S+?):/.exec(out)?.[1]} ${/link\/ether (\S+)/.exec(out)?.[1]} ${/\n\s+(macvlan mode \S+)/.exec(out)?.[1]} ${/<[^>]*\bUP\b/.test(out) ? 'UP' : 'DOWN'}`;
    };
    t.is(await shape('a'), 'eth0 00:00:5e:00:02:33 macvlan mode private UP');
    t.is(await shape('a'), await shape('b'), 'tandem makes the interface keepalived makes');
    t.regex(await ip('a', '-6', 'addr', 'show', 'dev', 'va.51'), /inet6 2001:db8::100\/64/, 'the IPv6 address is on the virtual MAC interface');
    t.notRegex(await ip('a', '-6', 'addr', 'show', 'dev', 'eth0'), /2001:db8::100\//, 'not on eth0');
    t.regex(await ip('a', '-4', 'addr', 'show', 'dev', 'eth0'), /inet 192\.0\.2\.100\/24/, 'the instance\'s own address stays on eth0 (no use_vmac)');
    t.notRegex(await ip('b', '-6', 'addr', 'show', 'dev', 'va.51', 'scope', 'global'), /inet6 /, 'the backup holds nothing');
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    t.regex(await ip('b', '-6', 'addr', 'show', 'dev', 'va.51'), /inet6 2001:db8::100\/64/, 'keepalived, now master, puts it on its own va.51');
    await lab.restore('a');
    await lab.waitHolder(VIP, 'a', 5000);
    t.regex(await ip('a', '-6', 'addr', 'show', 'dev', 'va.51'), /inet6 2001:db8::100\/64/);
    await lab.stopDaemon(a);
    t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', 'va.51'], { allowFail: true })).trim(), '', 'stop removes the interface');
    await lab.stopDaemon(b);
  } finally {
    await lab.cleanup();
  }
});
