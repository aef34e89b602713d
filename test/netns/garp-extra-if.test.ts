import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { nsRun, run, waitFor } from '../lib/sh.js';

// garp_extra_if all N against a real interface: an address on a second interface of the
// master (a macvlan on eth0; this kernel has no VLAN driver) is announced again every N
// seconds from that interface's MAC, as keepalived does; the instance's own address is not.

test.serial('garp_extra_if all 1: the address on the other interface is announced every second from its MAC; the one on the instance interface only on becoming master', async (t) => {
  const lab = await Lab.create('tFgxi', ['a']);
  try {
    await nsRun(lab.ns('a'), 'ip', ['link', 'add', 'link', 'eth0', 'name', 'mvx', 'type', 'macvlan', 'mode', 'bridge']);
    await nsRun(lab.ns('a'), 'ip', ['link', 'set', 'mvx', 'up']);
    const mac = /link\/ether ([0-9a-f:]{17})/.exec(await run('ip', ['-n', lab.ns('a'), 'link', 'show', 'mvx']))![1]!;
    const capture = await lab.capture('client', ['-e', '-tt', 'arp and (src host 198.51.100.1 or src host 192.0.2.100)']);
    const conf = vrrpConf({
      priority: 255,
      state: 'MASTER',
      advertInt: 1,
      vips: ['192.0.2.100/24'],
      garpMasterDelay: 0,
      globalLines: ['vrrp_garp_master_repeat 1'],
      instanceLines: ['garp_extra_if all 1', 'virtual_ipaddress_excluded {', '    198.51.100.1/24 dev mvx', '}'],
    });
    const a = await lab.startTandem('a', conf);
    const arps = await waitFor('five gratuitous ARPs for the address on mvx', 10_000, () => {
      const got = capture.output().split('\n').filter((l) => /Request who-has 198\.51\.100\.1 /.test(l));
      return got.length >= 5 ? got : undefined;
    }).catch((err: Error) => {
      t.log(capture.output(), a.child.output());
      throw err;
    });
    const times = arps.map((l) => Number(l.split(' ')[0]));
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    t.log(`gaps: ${gaps.map((g) => g.toFixed(3)).join(' ')} s`);
    // The first is the burst on becoming master; then one a second.
    t.true(gaps.every((g) => g > 0.8 && g < 1.5), gaps.join(' '));
    t.true(arps.every((l) => l.includes(`${mac} >`)), `from mvx's MAC ${mac}: ${arps[0]}`);
    const own = capture.output().split('\n').filter((l) => /Request who-has 192\.0\.2\.100 /.test(l));
    t.is(own.length, 1, own.join('\n'));
  } finally {
    await lab.cleanup();
  }
});
