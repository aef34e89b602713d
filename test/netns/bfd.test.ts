// tandem's BFD (the package, driven by test/lib/bfd-harness) against real peers in
// namespaces: keepalived 2.2.7's bfd process and FRR 8.4's bfdd, each started before and
// after tandem. Sessions come up, the negotiated timers are read off the wire, cutting
// either side's link takes both sessions down within the Detection Time, AdminDown is
// signalled both ways, and the session comes back each time.
import test from 'ava';
import { A, BfdLab } from '../lib/bfd-lab.js';
import { interopScenario, params } from '../lib/bfd-interop.js';
import { sleep, waitFor } from '../lib/sh.js';

const MS = 1000;

for (const peer of ['keepalived', 'frr'] as const) {
  for (const tandemFirst of [false, true]) {
    const order = tandemFirst ? 'tandem started first' : `${peer} started first`;
    test.serial(`${peer} (${order}): Up at 10 ms x 3, down within the Detection Time when either link is cut or on AdminDown, and back`, (t) =>
      interopScenario(t, peer, tandemFirst, `${peer[0]}${tandemFirst ? 1 : 0}`, 4),
    );
  }
}

test.serial('frr multihop (RFC 5883) one router away: Up over UDP 4784 at TTL 254 with max_hops 2, never Up with max_hops 1', async (t) => {
  const lab = await BfdLab.create('fm', { routed: true, realtime: true });
  try {
    const wire = await lab.capture('a');
    await lab.startFrr(`bfd\n peer ${A} multihop local-address ${lab.peerAddress}\n  detect-multiplier 3\n  receive-interval 10\n  transmit-interval 10\n  no shutdown\n`);
    const tandem = await lab.startTandem(params, { maxHops: 2 });
    await waitFor('the multihop session Up', 8000, async () => ((await tandem.status()).state === 'Up' && (await lab.frrPeer())['status'] === 'up' ? true : undefined), 50);
    await sleep(500);
    const status = await tandem.status();
    t.like(status, { state: 'Up', txIntervalUs: 10 * MS, detectTimeUs: 30 * MS });
    const packets = wire.packets().filter((p) => p.bfd !== undefined);
    // Ours leave with TTL 255 to port 4784; FRR's arrive one hop down, at 254.
    t.true(packets.filter((p) => p.src === A).every((p) => p.dstPort === 4784 && p.ttl === 255));
    t.true(packets.filter((p) => p.src === lab.peerAddress).every((p) => p.dstPort === 4784 && p.ttl === 254));
    t.true((await lab.frrPeer())['multihop'] === true);
    // The router's link to FRR is cut: Down on detection time.
    const mark = tandem.events.length;
    await lab.link('b', false);
    t.is((await tandem.transition('Down', 2000, mark))['diag'], 1);
    await lab.link('b', true);
    await waitFor('Up again', 8000, async () => ((await tandem.status()).state === 'Up' ? true : undefined), 50);
    tandem.command('remove peer');
    await wire.stop();
  } finally {
    await lab.cleanup();
  }
  const strict = await BfdLab.create('fs', { routed: true });
  try {
    await strict.startFrr(`bfd\n peer ${A} multihop local-address ${strict.peerAddress}\n  detect-multiplier 3\n  receive-interval 10\n  transmit-interval 10\n  no shutdown\n`);
    const tandem = await strict.startTandem(params, { maxHops: 1 });
    await sleep(3500);
    const from = tandem.events.length;
    tandem.command('status');
    const e = await tandem.next('status', (x) => x.event === 'status', 2000, from);
    const s = (e['sessions'] as Array<{ state: string }>)[0]!;
    t.is(s.state, 'Down');
    t.true(((e['dropped'] as Record<string, number>)['bad-ttl'] ?? 0) >= 2, JSON.stringify(e['dropped']));
  } finally {
    await strict.cleanup();
  }
});
