// Two tandemd with a BFD session over IPv6 (global addresses, hop limit 255) that VRRP tracks:
// the master `a` has `track_bfd peer` (weight 0: FAULT while the session is down). When a's
// cable is cut, the session goes Down at both ends on its Detection Time: a, which hears
// nothing else of it, goes to FAULT at once and drops the VIP; b takes it after
// Master_Down_Interval. With the cable back, the session is Up again, a leaves FAULT and takes
// the VIP back (it preempts), b returns to BACKUP. (`@tandem bfd_takeover` over IPv6, which
// must name the master's advert source beside the session's neighbor, is in
// bfd-takeover-ipv6.test.ts.)
import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { VIP } from '../lib/failover-run.js';
import { Lab, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { run, waitFor } from '../lib/sh.js';

interface Status {
  instances: Array<{ name: string; state: string }>;
  bfd: Array<{ name: string; state: string; remote: string; local: string | null; detectTimeMs: number; diag: string }>;
}

const status = async (d: Daemon): Promise<Status> => JSON.parse(await run('node', [TANDEMCTL, '--socket', d.socket, 'status', '--json'])) as Status;

function conf(lab: Lab, d: 'a' | 'b'): string {
  const other = d === 'a' ? 'b' : 'a';
  const bfd = `bfd_instance peer {\n    neighbor_ip ${lab.address(other, 6)}\n    source_ip ${lab.address(d, 6)}\n    hoplimit 255\n    min_rx 50\n    min_tx 50\n    multiplier 3\n}\n`;
  const text = vrrpConf({
    priority: d === 'a' ? 150 : 100,
    advertInt: 1,
    vips: [`${VIP}/24`],
    globalLines: ['bfd_rt_priority 10'],
    instanceLines: d === 'a' ? ['track_bfd {', '    peer', '}'] : [],
  });
  // keepalived finds a bfd_instance only once read: before the vrrp_instance naming it.
  return text.replace('\nvrrp_instance', `\n${bfd}\nvrrp_instance`);
}

test.serial('two tandemd, BFD over IPv6 tracked by VRRP: Up, a cut link takes it Down and a to FAULT on detection time, b takes over, then back', async (t) => {
  const lab = await Lab.create('b6', ['a', 'b'], 'tN');
  try {
    const a = await lab.startTandem('a', conf(lab, 'a'));
    const b = await lab.startTandem('b', conf(lab, 'b'));
    const session = async (d: Daemon): Promise<Status['bfd'][number] | undefined> => (await status(d)).bfd.find((s) => s.name === 'peer');
    const vrrp = async (d: Daemon): Promise<string | undefined> => (await status(d)).instances[0]?.state;
    await waitFor('the IPv6 session Up at both', 15_000, async () => ((await session(a))?.state === 'Up' && (await session(b))?.state === 'Up' ? true : undefined), 100);
    await waitFor('a MASTER, b BACKUP', 15_000, async () => ((await vrrp(a)) === 'MASTER' && (await vrrp(b)) === 'BACKUP' ? true : undefined), 100);
    t.like(await session(a), { state: 'Up', remote: lab.address('b', 6), local: lab.address('a', 6), detectTimeMs: 150 });
    t.like(await session(b), { state: 'Up', remote: lab.address('a', 6), local: lab.address('b', 6), detectTimeMs: 150 });
    await lab.waitHolder(VIP, 'a', 5000);

    const cutAt = Date.now();
    await lab.cut('a');
    await waitFor('a FAULT', 5000, async () => ((await vrrp(a)) === 'FAULT' ? true : undefined), 20);
    const faultMs = Date.now() - cutAt;
    t.log(`a in FAULT ${faultMs} ms after the cut (Detection Time 150 ms; the polling takes ~100 ms a round)`);
    // Only BFD tells a: as master it hears nothing it would act on. 1.5 s allows for a loaded host.
    t.true(faultMs < 1500, `${faultMs} ms`);
    // The cut also takes a's link down, which can fault VRRP before the Detection Time is out:
    // the session is read until it has gone Down.
    await waitFor('a\'s session Down', 2000, async () => ((await session(a))?.state === 'Down' ? true : undefined), 20);
    t.like(await session(a), { state: 'Down', diag: 'controlDetectionTimeExpired' });
    t.false(await lab.holds('a', VIP), 'a dropped the VIP in FAULT');
    await lab.waitHolder(VIP, 'b', 6000);
    t.like(await session(b), { state: 'Down', diag: 'controlDetectionTimeExpired' });

    await lab.restore('a');
    await waitFor('the session Up again at both', 15_000, async () => ((await session(a))?.state === 'Up' && (await session(b))?.state === 'Up' ? true : undefined), 100);
    await waitFor('a MASTER again, b BACKUP', 15_000, async () => ((await vrrp(a)) === 'MASTER' && (await vrrp(b)) === 'BACKUP' ? true : undefined), 100);
    await lab.waitHolder(VIP, 'a', 5000);
  } finally {
    await lab.cleanup();
  }
});
