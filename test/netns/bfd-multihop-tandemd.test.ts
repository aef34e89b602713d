// tandemd's `multihop` bfd_instance (keepalived 2.2.8, RFC 5883) against FRR 8.4's bfdd
// `multihop` peer one router away (a — router — b): the session comes up over UDP 4784 with
// keepalived's TTL rule (`max_hops`), tracks a VRRP instance, goes Down when the router's link
// to FRR is cut and comes back; with `max_hops` 0 (keepalived's default) FRR's packets,
// one hop down at TTL 254, are dropped and the session never comes up.
import test from 'ava';
import { A, B_ROUTED, BfdLab } from '../lib/bfd-lab.js';
import { sleep, waitFor } from '../lib/sh.js';

const tandemConf = (maxHops: number): string => `global_defs {
    router_id tN-tandem
    bfd_rt_priority 10
}
bfd_instance to_b {
    neighbor_ip ${B_ROUTED}
    source_ip ${A}
    multihop
    max_hops ${maxHops}
    min_rx 50
    min_tx 50
    multiplier 3
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_bfd {
        to_b
    }
}
`;

const frrBlock = `bfd\n peer ${A} multihop local-address ${B_ROUTED}\n  detect-multiplier 3\n  receive-interval 50\n  transmit-interval 50\n  no shutdown\n`;

for (const tandemFirst of [false, true]) {
  test.serial(`tandemd multihop and FRR one router away (${tandemFirst ? 'tandemd' : 'FRR'} started first): Up over UDP 4784, a cut link faults track_bfd, back`, async (t) => {
    const lab = await BfdLab.create(tandemFirst ? 'mt' : 'mf', { routed: true, realtime: true, prefix: 'tN' });
    try {
      const wire = await lab.capture('a');
      const start = async (): Promise<Awaited<ReturnType<BfdLab['startTandemd']>>> => lab.startTandemd(tandemConf(2));
      let d: Awaited<ReturnType<BfdLab['startTandemd']>>;
      if (tandemFirst) {
        d = await start();
        await sleep(1500);
        await lab.startFrr(frrBlock);
      } else {
        await lab.startFrr(frrBlock);
        d = await start();
      }
      const explain = (): string => `${d.output().split('\n').filter((l) => /BFD|to_b|FAULT|MASTER/.test(l)).slice(-20).join('\n')}\nFRR: ${lab.read('frr-b/bfdd.log').split('\n').slice(-10).join('\n')}`;
      await waitFor('the session Up at both ends', 15_000, async () => ((await d.session('to_b'))?.state === 'Up' && (await lab.frrPeer())['status'] === 'up' ? true : undefined), 100).catch((err: Error) => {
        throw new Error(`${err.message}\n${explain()}`);
      });
      await waitFor('VI_1 MASTER', 10_000, async () => ((await d.instanceState('VI_1')) === 'MASTER' ? true : undefined), 100);
      await sleep(500);
      t.like(await d.session('to_b'), { state: 'Up', remote: B_ROUTED, local: A, remoteState: 'Up', txIntervalMs: 50, detectTimeMs: 150 });
      t.is((await lab.frrPeer())['multihop'], true);
      const packets = wire.packets().filter((p) => p.bfd !== undefined);
      // Ours leave at TTL 255 for port 4784; FRR's arrive one hop down, at 254.
      t.true(packets.some((p) => p.src === A) && packets.some((p) => p.src === B_ROUTED));
      t.true(packets.filter((p) => p.src === A).every((p) => p.dstPort === 4784 && p.ttl === 255));
      t.true(packets.filter((p) => p.src === B_ROUTED).every((p) => p.dstPort === 4784 && p.ttl === 254));

      // The router's link to FRR is cut: Down on detection time, VI_1 to FAULT; back: Up, MASTER.
      await lab.link('b', false);
      await waitFor('VI_1 FAULT', 5000, async () => ((await d.instanceState('VI_1')) === 'FAULT' ? true : undefined), 50);
      t.like(await d.session('to_b'), { state: 'Down', diag: 'controlDetectionTimeExpired' });
      await lab.link('b', true);
      await waitFor('Up again', 15_000, async () => ((await d.session('to_b'))?.state === 'Up' ? true : undefined), 100);
      await waitFor('VI_1 MASTER again', 10_000, async () => ((await d.instanceState('VI_1')) === 'MASTER' ? true : undefined), 100);
      await wire.stop();
    } finally {
      await lab.cleanup();
    }
  });
}

test.serial('tandemd multihop with max_hops 0 (keepalived\'s default): FRR\'s packets one hop down are dropped, the session stays Down and VI_1 in FAULT', async (t) => {
  const lab = await BfdLab.create('m0', { routed: true, prefix: 'tN' });
  try {
    await lab.startFrr(frrBlock);
    const d = await lab.startTandemd(tandemConf(0));
    await sleep(4000);
    t.like(await d.session('to_b'), { state: 'Down' });
    t.is(await d.instanceState('VI_1'), 'FAULT');
    const stats = await d.ctl<{ bfd: { sessions: Record<string, { dropped: Record<string, number> }> } }>('stats');
    t.true((stats.bfd.sessions['to_b']!.dropped['bad-ttl'] ?? 0) >= 2, JSON.stringify(stats.bfd.sessions['to_b']));
  } finally {
    await lab.cleanup();
  }
});
