import test from 'ava';
import { join } from 'node:path';
import { Lab, REPO, longestGap } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun, sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const FLOODER = join(REPO, 'test', 'dist', 'lib', 'flooder.js');

test.serial('a backup bombarded with malformed, wrong-TTL, wrong-checksum and random packets keeps still, counts them, and still takes over', async (t) => {
  const lab = await Lab.create('flood', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`], password: 'secret12' };
    await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    const flood = nsRun(lab.client, 'node', [FLOODER, lab.address('client'), '4000', 'secret12']);
    let held = false;
    let done = false;
    void flood.finally(() => (done = true));
    while (!done) {
      if (await lab.holds('b', VIP)) held = true;
      await sleep(50);
    }
    const sent = Number((await flood).trim());
    t.log(`flooded ${sent} datagrams`);
    t.true(sent > 1000);
    t.false(held, 'the backup never took the VIP');
    t.is(b.child.exitCode, null, 'the backup is still running');
    const stats = (await lab.ctl(b, 'stats')) as unknown as {
      channels: Array<{ dropped: Record<string, number> }>;
      instances: Record<string, { dropped: Record<string, number>; advertsReceived: number }>;
    };
    const dropped = stats.channels[0]!.dropped;
    t.log(JSON.stringify(dropped));
    for (const reason of ['bad-checksum', 'auth-failed', 'auth-type-mismatch', 'interval-mismatch', 'address-mismatch', 'bad-version', 'bad-address-count', 'bad-type', 'bad-ttl']) {
      t.true((dropped[reason] ?? 0) > 0, `${reason} counted`);
    }
    t.deepEqual(await lab.holders(VIP), ['a']);
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 5000);
  } finally {
    await lab.cleanup();
  }
});

for (const [label, version, advertInt] of [['v2 advert 1 s', 2, 1], ['v3 advert 0.1 s', 3, 0.1]] as const) {
  test.serial(`split brain heals to one master and the client reaches it within two advert intervals, ${label}`, async (t) => {
    const lab = await Lab.create(`sb${version}`, ['a', 'b']);
    try {
      const common = { advertInt, ...(version === 3 ? { version: 3 as const } : {}), vips: [`${VIP}/24`] };
      await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
      const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
      lab.startResponders();
      await lab.waitHolder(VIP, 'a', 8000);
      const probe = lab.startProber(VIP, 5);
      const intervalMs = advertInt * 1000;
      for (let round = 1; round <= 3; round++) {
        await lab.blockVrrp();
        // Both claim the VIP; b's gratuitous ARP moves the client to b.
        await waitFor(`both masters in round ${round}`, 10_000, async () => ((await lab.holders(VIP)).length === 2 ? true : undefined)).catch(async (err: Error) => {
          t.log(b.child.output().split('\n').slice(-6).join('\n'));
          throw err;
        });
        await waitFor('client on b', 5000, () => (probe.answers.at(-1)?.from === 'b' ? true : undefined));
        await sleep(1200); // past b's delayed gratuitous ARP burst
        const logBefore = b.child.output().length;
        await lab.unblockVrrp();
        await lab.waitHolder(VIP, 'a', 10 * intervalMs + 2000);
        // The VRRP side's lines reach the log through the supervisor, a moment after the VIP moves.
        const release = await waitFor('b to log its step down', 2000, () => /(\S+) info \[VI_LAB\]: \(VI_LAB\) MASTER -> BACKUP/.exec(b.child.output().slice(logBefore)) ?? undefined).catch(() => null);
        t.truthy(release, 'b logged its step down');
        const releasedAt = Date.parse(release![1]!);
        await waitFor('client on a', 5000, () => (probe.answers.some((x) => x.from === 'a' && x.sentAt >= releasedAt) ? true : undefined));
        const firstOnA = probe.answers.find((x) => x.from === 'a' && x.sentAt >= releasedAt)!;
        const reach = firstOnA.sentAt - releasedAt;
        const gap = longestGap(probe.answers, releasedAt - 50, firstOnA.sentAt).gapMs;
        t.log(`round ${round}: client reached a ${reach} ms after b released the VIP (longest gap ${gap} ms)`);
        t.true(reach <= 2 * intervalMs, `round ${round}: ${reach} ms`);
        t.deepEqual(await lab.holders(VIP), ['a']);
      }
      await probe.stop();
    } finally {
      await lab.cleanup();
    }
  });
}
