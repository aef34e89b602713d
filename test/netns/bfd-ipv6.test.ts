// tandem's BFD over IPv6 against real peers in namespaces (test/lib/bfd-interop.ts, the IPv4
// scenario of bfd.test.ts on global IPv6 addresses): keepalived 2.2.7's bfd process (with
// `hoplimit 255`: its IPv6 default is 64) and FRR 8.4's bfdd, each started before and after
// tandem. Up at 10 ms x 3 with the timers negotiated, hop limit 255 on the wire, Down within the
// Detection Time when either link is cut, AdminDown both ways (FRR; keepalived never sends it),
// and back Up each time.
import test from 'ava';
import { interopScenario } from '../lib/bfd-interop.js';

for (const peer of ['keepalived', 'frr'] as const) {
  for (const tandemFirst of [false, true]) {
    const order = tandemFirst ? 'tandem started first' : `${peer} started first`;
    test.serial(`IPv6, ${peer} (${order}): Up at 10 ms x 3, down within the Detection Time when either link is cut or on AdminDown, and back`, (t) =>
      interopScenario(t, peer, tandemFirst, `6${peer[0]}${tandemFirst ? 1 : 0}`, 6, 'tP'),
    );
  }
}
