import test from 'ava';
import { Lab } from '../lib/lab.js';
import { waitFor } from '../lib/sh.js';

/** The gratuitous ARPs for the VIPs a new master sends, as the client's tcpdump sees them: [seconds, address]. */
async function garpsOnBecomingMaster(name: string, garpInterval: number): Promise<Array<[number, string]>> {
  const lab = await Lab.create(name, ['a']);
  try {
    const capture = await lab.capture('client', ['-tt', '-c', '6', 'arp and (src host 192.0.2.100 or src host 192.0.2.101 or src host 192.0.2.102)']);
    await lab.startTandem(
      'a',
      `global_defs {
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 2
    vrrp_garp_interval ${garpInterval}
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24
        192.0.2.102/24
    }
}
`,
    );
    const lines = await waitFor('six gratuitous ARPs', 10_000, () => {
      const got = capture.output().split('\n').filter((l) => / ARP, (Request|Reply)/.test(l));
      return got.length >= 6 ? got : undefined;
    });
    return lines.map((l) => [Number(l.split(' ')[0]), /(192\.0\.2\.10[012])/.exec(l)![1]!]);
  } finally {
    await lab.cleanup();
  }
}

test.serial('vrrp_garp_interval: the gratuitous ARPs of a new master leave the interval apart; at 0 they leave together', async (t) => {
  const paced = await garpsOnBecomingMaster('garp1', 0.2);
  const gaps = paced.slice(1).map(([at], i) => at - paced[i]![0]);
  t.log(`gaps at 0.2 s: ${gaps.map((g) => g.toFixed(3)).join(' ')}`);
  t.true(gaps.every((g) => g >= 0.19), gaps.join(' '));
  t.deepEqual(paced.map(([, a]) => a), ['192.0.2.100', '192.0.2.101', '192.0.2.102', '192.0.2.100', '192.0.2.101', '192.0.2.102']);
  const burst = await garpsOnBecomingMaster('garp2', 0);
  t.log(`span at 0: ${(burst.at(-1)![0] - burst[0]![0]).toFixed(3)} s`);
  t.true(burst.at(-1)![0] - burst[0]![0] < 0.19);
});
