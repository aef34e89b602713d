import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { nsRun, sleep } from '../lib/sh.js';

// track_src_ip against a real address removal: a's unicast_src_ip deleted from its eth0 takes
// a to FAULT and b holds the VIP; put back, a takes it back. That is what keepalived's manual
// says; keepalived 2.2.7 itself does not do it: its check (keepalived_netlink.c, is_tracking_saddr)
// compares the sockaddr_storage with the address and never matches, so it stays MASTER, sending
// from an address it no longer has, and b stays BACKUP. The second test records that.


const VIP = '192.0.2.100';

for (const who of ['tandem', 'keepalived'] as const) {
  const title = who === 'tandem' ? 'track_src_ip (tandem on a): a is in FAULT while its unicast_src_ip is off eth0, and b holds the VIP; back when the address is' : 'track_src_ip (keepalived 2.2.7 on a): a stays MASTER with the VIP when its unicast_src_ip goes, and b stays BACKUP (keepalived\'s check never matches)';
  test.serial(title, async (t) => {
    const lab = await Lab.create(`ts${who[0]}`, ['a', 'b'], 'tI');
    try {
      const conf = (me: 'a' | 'b', priority: number, lines: readonly string[]): string =>
        vrrpConf({ advertInt: 1, priority, vips: [`${VIP}/24`], unicastSrc: lab.address(me), peers: [lab.address(me === 'a' ? 'b' : 'a')], instanceLines: [...lines] });
      await lab.startTandem('b', conf('b', 100, []));
      const a = who === 'tandem' ? await lab.startTandem('a', conf('a', 150, ['track_src_ip'])) : await lab.startKeepalived('a', conf('a', 150, ['track_src_ip']));
      await lab.waitHolder(VIP, 'a', 10_000);
      await nsRun(lab.ns('a'), 'ip', ['addr', 'del', `${lab.address('a')}/24`, 'dev', 'eth0']);
      const at = Date.now();
      if (who === 'keepalived') {
        await sleep(6000);
        t.deepEqual(await lab.holders(VIP), ['a']);
        t.notRegex(a.child.output(), /Entering FAULT STATE/);
        return;
      }
      await lab.waitHolder(VIP, 'b', 10_000);
      t.log(`${who}: b holds the VIP ${Date.now() - at} ms after a's source address went (timings under shared load)`);
      if (who === 'tandem') t.is((await lab.ctl(a, 'status'))?.instances[0]?.state, 'FAULT');
      await nsRun(lab.ns('a'), 'ip', ['addr', 'add', `${lab.address('a')}/24`, 'dev', 'eth0']);
      await lab.waitHolder(VIP, 'a', 10_000);
      t.pass();
    } finally {
      await lab.cleanup();
    }
  });
}
