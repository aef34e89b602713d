// tandemd itself (its BFD side, the VRRP side and the checkers) against real BFD peers in
// namespaces: keepalived 2.2.7's bfd process and FRR 8.4's bfdd. The session comes up and
// shows in `tandemctl status`; when the peer's link is cut, track_bfd faults the instance
// and BFD_CHECK takes the real server down, and both recover when it is back. The BFD side
// killed with -9 is restarted without faulting anything, and a reload renegotiates timers
// without the session going Down. tandemd runs with bfd_rt_priority, the peers under SCHED_RR.
import test from 'ava';
import { A, B, BfdLab, type Peer, type PeerView } from '../lib/bfd-lab.js';
import { sleep, waitFor } from '../lib/sh.js';

const tandemConf = (minTx = 50): string => `global_defs {
    router_id tD-tandem
    bfd_rt_priority 10
}
bfd_instance to_b {
    neighbor_ip ${B}
    source_ip ${A}
    min_rx 50
    min_tx ${minTx}
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
virtual_server 192.0.2.100 80 {
    protocol TCP
    real_server ${B} 80 {
        BFD_CHECK {
            name to_b
        }
    }
}
`;

const keepalivedConf = `global_defs {
    router_id tD-peer
    bfd_rt_priority 10
}
bfd_instance tandem {
    neighbor_ip ${A}
    source_ip ${B}
    min_rx 50
    min_tx 50
    multiplier 3
}
`;
const frrPeerLine = `peer ${A} local-address ${B} interface eth0`;
const frrBlock = `bfd\n ${frrPeerLine}\n  detect-multiplier 3\n  receive-interval 50\n  transmit-interval 50\n  no shutdown\n`;

interface RealJson {
  address: string;
  up: boolean;
  reason: string;
}

async function real(d: Awaited<ReturnType<BfdLab['startTandemd']>>): Promise<RealJson> {
  const s = await d.ctl<{ virtualServers: Array<{ reals: RealJson[] }> }>('status');
  return s.virtualServers[0]!.reals[0]!;
}

/** The lines tandemd logged since `from` (an offset into its output) that match `re`. */
const logged = (out: string, from: number, re: RegExp): string[] => out.slice(from).split('\n').filter((l) => re.test(l));

for (const peer of ['keepalived', 'frr'] as const satisfies readonly Peer[]) {
  test.serial(`tandemd and ${peer}: session Up in tandemctl status; a cut link faults track_bfd and takes BFD_CHECK's real server down; both recover${peer === 'frr' ? '; an AdminDown from FRR is no failure' : ''}`, async (t) => {
    const lab = await BfdLab.create(`d${peer[0]}`, { realtime: true });
    let explain = (): string => '';
    try {
      const view: PeerView = await lab.startPeer(peer, keepalivedConf, frrBlock);
      const d = await lab.startTandemd(tandemConf());
      explain = () => `tandemd: ${logged(d.output(), 0, /BFD|to_b|FAULT|MASTER|SIGXCPU/).slice(-30).join('\n')}\n${peer}: ${view.explain()}`;
      await waitFor('the session Up at both ends', 15_000, async () => ((await d.session('to_b'))?.state === 'Up' && (await view.isUp()) ? true : undefined), 100);
      await waitFor('VI_1 MASTER', 10_000, async () => ((await d.instanceState('VI_1')) === 'MASTER' ? true : undefined), 100);
      await sleep(500);
      t.like(await d.session('to_b'), { state: 'Up', remote: B, local: A, remoteState: 'Up', txIntervalMs: 50, rxIntervalMs: 50, detectTimeMs: 150, diag: 'none' });
      t.like(await real(d), { address: B, up: true });
      const stats = await d.ctl<{ bfd: { sessions: Record<string, { packetsSent: number; packetsReceived: number; upTransitions: number }> }; sides: { bfd: { pid: number; restarts: number } } }>('stats');
      t.true(stats.bfd.sessions['to_b']!.packetsReceived > 5 && stats.bfd.sessions['to_b']!.packetsSent > 5);
      t.is(stats.sides.bfd.restarts, 0);

      // The peer's cable is pulled: the session goes Down on detection time, VI_1 to FAULT, the real server down.
      let mark = d.output().length;
      await lab.link('b', false);
      await waitFor('VI_1 FAULT', 5000, async () => ((await d.instanceState('VI_1')) === 'FAULT' ? true : undefined), 50);
      t.like(await d.session('to_b'), { state: 'Down', diag: 'controlDetectionTimeExpired' });
      t.like(await real(d), { up: false, reason: 'BFD session to_b is Down' });
      t.true(logged(d.output(), mark, /MASTER -> FAULT: bfd to_b is down/).length === 1, d.output().slice(mark));
      t.true(logged(d.output(), mark, /BFD check of \[to_b\] RS\(192\.0\.2\.2:80\) is DOWN/).length === 1);

      // The cable is back: Up again, VI_1 leaves FAULT (the address owner is MASTER at once), the real server is up.
      mark = d.output().length;
      await lab.link('b', true);
      await waitFor('the session Up again', 15_000, async () => ((await d.session('to_b'))?.state === 'Up' ? true : undefined), 100);
      await waitFor('VI_1 MASTER again', 5000, async () => ((await d.instanceState('VI_1')) === 'MASTER' ? true : undefined), 50);
      await waitFor('the real server up again', 5000, async () => ((await real(d)).up ? true : undefined), 50);
      t.like(await real(d), { reason: 'BFD session to_b is Up' });

      if (peer === 'frr') {
        // FRR says AdminDown (`shutdown`): the session goes Down, but as keepalived's bfd process,
        // tandem reports no failure (RFC 5882 §3.2): VI_1 stays MASTER, the real server up.
        mark = d.output().length;
        await lab.vtysh('configure terminal', 'bfd', frrPeerLine, 'shutdown');
        await waitFor('the session Down on AdminDown', 5000, async () => ((await d.session('to_b'))?.state === 'Down' ? true : undefined), 50);
        t.like(await d.session('to_b'), { remoteState: 'AdminDown', diag: 'neighborSignaledSessionDown' });
        await sleep(500);
        t.is(await d.instanceState('VI_1'), 'MASTER');
        t.like(await real(d), { up: true });
        t.deepEqual(logged(d.output(), mark, /-> FAULT|real server .* DOWN/), []);
        await lab.vtysh('configure terminal', 'bfd', frrPeerLine, 'no shutdown');
        await waitFor('the session Up after no shutdown', 15_000, async () => ((await d.session('to_b'))?.state === 'Up' ? true : undefined), 100);
      }

      // The BFD side is killed: restarted, the session comes back, and nothing faults meanwhile.
      await waitFor('both Up', 15_000, async () => ((await view.isUp()) && (await d.session('to_b'))?.state === 'Up' ? true : undefined), 100);
      mark = d.output().length;
      const before = await d.ctl<{ sides: { bfd: { pid: number } } }>('stats');
      process.kill(before.sides.bfd.pid, 'SIGKILL');
      await waitFor('the BFD side restarted, its session Up', 15_000, async () => {
        const s = await d.ctl<{ sides: { bfd: { pid?: number; restarts: number } } }>('stats').catch(() => undefined);
        return s !== undefined && s.sides.bfd.restarts === 1 && s.sides.bfd.pid !== undefined && (await d.session('to_b').catch(() => undefined))?.state === 'Up' ? true : undefined;
      }, 100);
      await sleep(500);
      t.deepEqual(logged(d.output(), mark, /-> FAULT|real server .* DOWN/), [], 'no fault while the BFD side was away');
      t.is(await d.instanceState('VI_1'), 'MASTER');

      // A reload with slower timers on tandem's side: renegotiated while Up (a Poll Sequence), never Down.
      await waitFor('the peer Up after the restart', 15_000, async () => ((await view.isUp()) ? true : undefined), 100);
      await sleep(1000);
      mark = d.output().length;
      const r = await d.reload(tandemConf(200));
      t.true(r.applied, JSON.stringify(r));
      await waitFor('tx at 200 ms', 5000, async () => ((await d.session('to_b'))?.txIntervalMs === 200 ? true : undefined), 100);
      await sleep(1000);
      t.like(await d.session('to_b'), { state: 'Up', txIntervalMs: 200 });
      t.deepEqual(logged(d.output(), mark, /Entering Down|-> FAULT/), []);
      t.true(logged(d.output(), mark, /\(to_b\) new timers: min_tx 200 ms/).length === 1);
    } catch (err) {
      t.log(explain());
      throw err;
    } finally {
      await lab.cleanup();
    }
  });
}
