import assert from 'node:assert/strict';
import { klog, ktest } from './harness.js';
import { script, sh, sleep, until } from './guest-sh.js';
import { AnycastLab, BFD_DETECT_MS, BGP_HOLD_MS, DIRECTORS } from './anycast-lab.js';

// examples/anycast end to end on the real kernel (anycast-lab.ts): three directors announce the
// VIP over BGP while their virtual server has quorum, the router spreads flows over them by
// ECMP, and each way a director stops serving takes its path away at the router.

interface AnnounceStatus {
  announce?: { interface: string | null; prefixes: Array<{ prefix: string; announced: boolean; reason: string }> };
}

ktest('anycast: three directors announce the VIP through FRR; flows spread over them; lost quorum, a link cut (BFD), kill -9 and stop each withdraw a path', async () => {
  const lab = await AnycastLab.start();
  try {
    const t0 = Date.now();
    for (const ns of DIRECTORS) lab.startTandem(ns);
    await lab.waitPaths([1, 2, 3], 200_000);
    klog(`all three paths at the router ${Date.now() - t0} ms after the tandemds started (TCG guest)`);
    for (const ns of DIRECTORS) {
      const s = lab.ctl<AnnounceStatus>(ns, 'status').announce;
      assert.deepEqual(s?.prefixes.map((p) => [p.prefix, p.announced]), [['10.60.0.0/24', true]], `${ns}: ${JSON.stringify(s)}`);
      assert.equal(s?.interface, 'tandem-anycast');
    }

    // Spread: new connections (new source ports) hash over the three paths (L4 hash).
    const before = lab.scheduled();
    const answers = lab.ask(30);
    assert.deepEqual(answers.filter((a) => !/^as[1-4]$/.test(a)), [], `every request answered by a real server: ${answers.join(' ')}`);
    const after = lab.scheduled();
    const per = Object.fromEntries(DIRECTORS.map((ns) => [ns, (after[ns] ?? 0) - (before[ns] ?? 0)]));
    klog(`30 connections: scheduled by ${JSON.stringify(per)}; served by ${JSON.stringify(answers.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {}))}`);
    for (const ns of DIRECTORS) assert.ok((per[ns] ?? 0) > 0, `${ns} scheduled none of 30 connections: ${JSON.stringify(per)}`);

    // ad1's real servers all fail (its checks cannot reach them): quorum lost, path withdrawn.
    script('for i in 1 2 3 4; do ip -n ad1 route add prohibit 10.52.0.2$i/32; done');
    const lost = await lab.waitPaths([2, 3], 60_000);
    klog(`ad1's real servers unreachable: its path gone ${lost} ms later (checks: delay_loop 2, connect_timeout 5 in the guest)`);
    assert.match(lab.ctl<AnnounceStatus>('ad1', 'status').announce?.prefixes[0]?.reason ?? '', /lost its quorum/);
    assert.deepEqual(lab.ask(6).filter((a) => !/^as[1-4]$/.test(a)), [], 'the other two serve every request');
    script('for i in 1 2 3 4; do ip -n ad1 route del prohibit 10.52.0.2$i/32; done');
    klog(`ad1 back ${await lab.waitPaths([1, 2, 3], 60_000)} ms after its real servers came back`);

    // ad2's link cut behind the router's own port: the router's link stays up, BFD tells bgpd,
    // long before the BGP hold time would (20-30 s after the cut).
    script('ip link set ab2-d down');
    const cut = await lab.waitPaths([1, 3], BGP_HOLD_MS);
    klog(`ad2's link cut: its path gone ${cut} ms later (BFD detection ${BFD_DETECT_MS} ms; polled with ip route, ~50-100 ms a poll under TCG)`);
    assert.ok(cut < BGP_HOLD_MS - 10_000, `withdrawn ${cut} ms after the cut: BFD did not act`);
    assert.match(await lab.vtysh('ar', 'show bfd peers brief'), /10\.51\.2\.2\s+down/i);

    // tandemd killed -9 in ad3 (its side processes too): the TUN interface goes, and the route.
    await lab.crash('ad3');
    const crashed = await lab.waitPaths([1], 10_000);
    klog(`tandemd in ad3 killed -9: its path gone ${crashed} ms later`);
    assert.match(sh('sh', '-c', 'ip -n ad3 link show tandem-anycast 2>&1 || true'), /does not exist/);

    // tandemd stopped in ad1: withdrawn first, then IPVS serves announce_withdraw_delay (1 s) longer.
    const stopAt = Date.now();
    lab.directors.get('ad1')!.child!.kill('SIGTERM');
    await lab.waitPaths([], 10_000);
    klog(`tandemd in ad1 stopped: no path ${Date.now() - stopAt} ms after SIGTERM`);
    await until('tandemd in ad1 to exit', 20_000, () => (lab.directors.get('ad1')!.child!.exitCode !== null ? true : undefined));
    assert.match(lab.directors.get('ad1')!.out, /withdrawn: tandemd is stopping/);
    await sleep(100);
  } catch (err) {
    for (const d of lab.directors.values()) klog(`--- tandemd in ${d.ns}:\n${d.out.slice(-2500)}`);
    klog(`--- router: ${sh('ip', '-n', 'ar', 'route')}`);
    klog(await lab.vtysh('ar', 'show bgp summary', 'show bfd peers brief').catch((e: unknown) => String(e)));
    for (const n of [1, 2, 3]) klog(`10.51.${n}.2: ${(await lab.vtysh('ar', `show bgp neighbors 10.51.${n}.2`).catch((e: unknown) => String(e))).split('\n').filter((l) => /Last reset|established|dropped|BFD/i.test(l)).join(' / ')}`);
    klog(`--- ad1: ${sh('ip', '-n', 'ad1', 'route')}\n${await lab.vtysh('ad1', 'show ip route', 'show bgp ipv4 unicast', 'show bgp neighbors 10.51.1.1 advertised-routes', 'show interface brief').catch((e: unknown) => String(e))}`);
    klog(`--- ad1 FRR:\n${lab.frrLog('ad1').split('\n').filter((l) => !/Ignoring event|No such command/.test(l)).slice(-25).join('\n')}`);
    klog(lab.frrLog('ar').split('\n').filter((l) => !/Ignoring event|No such command/.test(l)).slice(-40).join('\n'));
    throw err;
  } finally {
    await lab.teardown();
  }
}, 400_000);
