// tandem's fast takeover over IPv6, through two real tandemd in namespaces: a VRRPv3 IPv6
// instance at advert 1 s (Master_Down_Interval 3.6 s), whose master advertises from its
// link-local address (RFC 5798 §5.1.2.1), and a BFD session between the directors' global
// addresses at 10 ms x 3, hop limit 255. Each director names the other's link-local address on
// its `@tandem bfd_takeover` line. When the master's link is cut, the backup takes over on the
// session's Down, in a fraction of Master_Down_Interval. keepalived, reading the same files,
// skips the @tandem line.
import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { run, waitFor } from '../lib/sh.js';

const VIP6 = '2001:db8::100';

interface Status {
  instances: Array<{ name: string; state: string; master?: string }>;
  bfd: Array<{ name: string; state: string; detectTimeMs: number }>;
}

const status = async (d: Daemon): Promise<Status> => JSON.parse(await run('node', [TANDEMCTL, '--socket', d.socket, 'status', '--json'])) as Status;

/** A director's link-local address on eth0. */
async function linkLocal(lab: Lab, d: string): Promise<string> {
  const out = await run('ip', ['-n', lab.ns(d), '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
  return /inet6 (fe80::[0-9a-f:]+)\//.exec(out)![1]!;
}

function conf(lab: Lab, d: 'a' | 'b', otherLinkLocal: string): string {
  const other = d === 'a' ? 'b' : 'a';
  const bfd = `bfd_instance peer {\n    neighbor_ip ${lab.address(other, 6)}\n    source_ip ${lab.address(d, 6)}\n    hoplimit 255\n    min_rx 10\n    min_tx 10\n    multiplier 3\n}\n`;
  const text = vrrpConf({
    priority: d === 'a' ? 150 : 100,
    advertInt: 1,
    version: 3,
    vips: [`${VIP6}/64`],
    globalLines: ['bfd_rt_priority 10'],
    instanceLines: [`@tandem bfd_takeover peer ${otherLinkLocal}`],
  });
  return text.replace('\nvrrp_instance', `\n${bfd}\nvrrp_instance`);
}

test.serial('bfd_takeover over IPv6: VRRPv3 from link-local sources, BFD to global addresses at 10 ms x 3; the backup takes over on the session\'s Down, well under Master_Down_Interval', async (t) => {
  const lab = await Lab.create('b6t', ['a', 'b'], 'tP');
  try {
    const ll = { a: await linkLocal(lab, 'a'), b: await linkLocal(lab, 'b') };
    const a = await lab.startTandem('a', conf(lab, 'a', ll.b));
    const b = await lab.startTandem('b', conf(lab, 'b', ll.a));
    const vrrp = async (d: Daemon): Promise<Status['instances'][number] | undefined> => (await status(d)).instances[0];
    const up = async (d: Daemon): Promise<boolean> => (await status(d)).bfd.find((s) => s.name === 'peer')?.state === 'Up';
    await waitFor('the IPv6 session Up at both', 15_000, async () => ((await up(a)) && (await up(b)) ? true : undefined), 100);
    await waitFor('a MASTER, b BACKUP', 15_000, async () => ((await vrrp(a))?.state === 'MASTER' && (await vrrp(b))?.state === 'BACKUP' ? true : undefined), 100);
    await lab.waitHolder(VIP6, 'a', 5000);
    // b follows a by a's link-local address, not by the session's neighbor.
    t.like(await vrrp(b), { state: 'BACKUP', master: ll.a });
    // Let the session settle at its fast timers after the adverts began.
    await new Promise((r) => setTimeout(r, 1000));

    // The client sees the adverts: b's first one after the cut is its takeover.
    const wire = lab.spawnIn('client', 'tcpdump', ['-i', 'eth0', '-n', '-tt', '-l', 'ip6 proto 112']);
    await waitFor('tcpdump listening', 5000, () => (wire.output().includes('listening on') ? true : undefined));
    const cutAt = Date.now();
    await lab.cut('a');
    await waitFor('b MASTER', 5000, async () => ((await vrrp(b))?.state === 'MASTER' ? true : undefined), 10);
    const line = b.child.output().split('\n').find((l) => l.includes('bfd_takeover: BFD session peer')) ?? '';
    t.regex(line, new RegExp(`BACKUP -> MASTER.*bfd_takeover: BFD session peer to ${lab.address('a', 6)} went Down: master ${ll.a} taken over after 18\\.3 ms`));
    const advertsOf = (src: string): number[] =>
      wire.output().split('\n').flatMap((l) => {
        const m = /^(\d+\.\d+) IP6 (\S+) > ff02::12/.exec(l);
        return m !== null && m[2] === src ? [Number(m[1]) * 1000] : [];
      });
    await waitFor("b's first advert", 3000, () => (advertsOf(ll.b).some((x) => x > cutAt) ? true : undefined), 20);
    const tookMs = Math.round(advertsOf(ll.b).find((x) => x > cutAt)! - cutAt);
    t.log(`b's first advert ${tookMs} ms after the cut (Master_Down_Interval 3609 ms; detection 30 ms + skew 18.3 ms); b: ${line.trim()}`);
    // Well under Master_Down_Interval (3.6 s), with room for a loaded host.
    t.true(tookMs < 500, `${tookMs} ms`);
    await lab.waitHolder(VIP6, 'b', 3000);

    await lab.restore('a');
    await waitFor('a MASTER again (it preempts), b BACKUP', 15_000, async () => ((await vrrp(a))?.state === 'MASTER' && (await vrrp(b))?.state === 'BACKUP' ? true : undefined), 100);

    // keepalived takes the same file, skipping the @tandem line.
    const path = lab.writeConfig('b', conf(lab, 'b', ll.a), 'keepalived.conf');
    const out = await run('keepalived', ['-t', '-f', path, '-l'], { withStderr: true });
    t.notRegex(out, /bfd_takeover|Unknown keyword|Configuration error/, out);
  } finally {
    await lab.cleanup();
  }
});
