// tandem's BFD (the package, driven by test/lib/bfd-harness) against a real peer in a BfdLab:
// keepalived 2.2.7's bfd process or FRR 8.4's bfdd, started before or after tandem, over IPv4
// (netns/bfd.test.ts) or IPv6 (netns/bfd-ipv6.test.ts). The session comes up, the negotiated
// timers are read off the wire, cutting either side's link takes both sides down within the
// Detection Time, AdminDown is signalled both ways, and the session comes back each time.
import type { ExecutionContext } from 'ava';
import type { SessionParams } from '@tandem/bfd';
import { BfdLab, type Peer, type PeerView, type TandemSide } from './bfd-lab.js';
import { gaps, summarise, type WirePacket } from './bfd-wire.js';
import { sleep, waitFor } from './sh.js';

const MS = 1000;
/** tandem's session: 10 ms x 3, as the peers' below. */
export const params: SessionParams = { desiredMinTxUs: 10 * MS, requiredMinRxUs: 10 * MS, detectMult: 3, idleTxUs: 1000 * MS, passive: false };
/** Timer lateness allowed on top of the Detection Time on a shared 2-core machine. */
const SLACK_MS = 15;

/**
 * keepalived's side of the session. Over IPv6 it needs `hoplimit 255` (its default is 64, which
 * RFC 5881 §5's check at tandem and FRR refuses).
 */
export function keepalivedPeerConf(lab: BfdLab): string {
  const six = lab.peerAddress.includes(':');
  return `global_defs { router_id ${lab.prefix}-peer }
bfd_instance tandem {
  neighbor_ip ${lab.localAddress}
  source_ip ${lab.peerAddress}
  min_rx 10
  min_tx 10
  multiplier 3
${six ? '  hoplimit 255\n' : ''}}
`;
}

/** FRR's `peer` line for the session (bfdd.conf). */
export const frrPeerLine = (lab: BfdLab): string => `peer ${lab.localAddress} local-address ${lab.peerAddress} interface eth0`;
/** The `bfd` block of FRR's bfdd.conf. */
export const frrPeerBlock = (lab: BfdLab): string => `bfd\n ${frrPeerLine(lab)}\n  detect-multiplier 3\n  receive-interval 10\n  transmit-interval 10\n  no shutdown\n`;

/**
 * Waits until both sides are Up and have stayed so for 1.5 s: FRR may reset a session once
 * more when zebra reports the interface late, and a fault injected just then would be
 * judged against the wrong cause.
 */
export async function bothUp(t: ExecutionContext, tandem: TandemSide, view: PeerView, what: string, timeoutMs = 8000): Promise<number> {
  const started = Date.now();
  for (let round = 0; ; round++) {
    await waitFor(`tandem Up (${what})`, timeoutMs, async () => ((await tandem.status()).state === 'Up' ? true : undefined), 20);
    await waitFor(`the peer Up (${what})`, timeoutMs, async () => ((await view.isUp()) ? true : undefined), 50);
    const mark = tandem.events.length;
    await sleep(1500);
    const flaps = tandem.events.slice(mark).filter((e) => e.event === 'transition');
    if (flaps.length === 0 && (await view.isUp())) break;
    t.log(`${what}: the session went ${flaps.map((e) => `${String(e['to'])} (diag ${String(e['diag'])})`).join(', ') || 'down at the peer'} after coming Up; waiting again. The peer: ${view.explain()}`);
    if (round === 2) throw new Error(`${what}: the session does not stay Up`);
  }
  const took = Date.now() - started - 1500;
  t.log(`${what}: both Up after ${took} ms`);
  return took;
}

const from = (src: string, ps: readonly WirePacket[]): WirePacket[] => ps.filter((p) => p.src === src && p.bfd !== undefined);

/** The longest silence, in ms, between consecutive packets of PS. */
const longestGap = (ps: readonly WirePacket[]): number => ps.reduce((m, p, i) => (i === 0 ? 0 : Math.max(m, p.t - ps[i - 1]!.t)), 0);

/**
 * One second in which the session stays Up. A 10 ms x 3 session on a shared 2-core machine can
 * lose a second to the host: a peer or a capture that is not scheduled for the Detection Time.
 * A flap is taken for the host's only when the wire shows a silence of a Detection Time in
 * either direction inside that second (so going Down was right); then the second is taken again.
 * A flap without such a silence fails the test: that would be a false Down.
 */
async function steadySecond(t: ExecutionContext, tandem: TandemSide, view: PeerView, wire: { packets(): WirePacket[] }, A: string, B: string) {
  for (let round = 0; ; round++) {
    const steadyFrom = Date.now();
    const mark = tandem.events.length;
    await sleep(1000);
    const status = await tandem.status();
    const packets = wire.packets();
    const ours = from(A, packets);
    const theirs = from(B, packets);
    const window = (ps: WirePacket[]): WirePacket[] => ps.filter((p) => p.t >= steadyFrom);
    const flapped = tandem.events.slice(mark).some((e) => e.event === 'transition') || [...window(ours), ...window(theirs)].some((p) => p.bfd!.state !== 'Up');
    if (!flapped) return { steadyFrom, status, ours, theirs };
    const silence = Math.max(longestGap(window(ours)), longestGap(window(theirs)));
    t.true(silence >= 29, `the session left Up in a steady second without a Detection Time's silence on the wire (longest ${silence.toFixed(1)} ms)`);
    t.log(`steady second ${round + 1}: the session flapped after ${silence.toFixed(1)} ms of silence on the wire (the host did not schedule a side); taken again`);
    if (round === 2) throw new Error('the session does not stay Up for a second');
    await bothUp(t, tandem, view, 'after a host stall');
  }
}

/**
 * The whole scenario against `peer` in a fresh lab NAME of `family` (namespaces PREFIX-NAME-x),
 * tandem started first or the peer: Up, negotiated timers and the wire, either link cut,
 * AdminDown both ways (FRR only sends it: keepalived 2.2.7 never does), back Up each time.
 */
export async function interopScenario(t: ExecutionContext, peer: Peer, tandemFirst: boolean, name: string, family: 4 | 6, prefix?: string): Promise<void> {
  const lab = await BfdLab.create(name, { realtime: true, family, ...(prefix !== undefined ? { prefix } : {}) });
  const A = lab.localAddress;
  const B = lab.peerAddress;
  try {
    const wire = await lab.capture('a');
    let tandem: TandemSide;
    let view: PeerView;
    if (tandemFirst) {
      tandem = await lab.startTandem(params);
      await sleep(1500);
      view = await lab.startPeer(peer, keepalivedPeerConf(lab), frrPeerBlock(lab));
    } else {
      view = await lab.startPeer(peer, keepalivedPeerConf(lab), frrPeerBlock(lab));
      await sleep(500);
      tandem = await lab.startTandem(params);
    }
    await bothUp(t, tandem, view, 'start');
    // A second of steady state, then read the negotiation off the wire and off tandem.
    const { steadyFrom, status, ours, theirs } = await steadySecond(t, tandem, view, wire, A, B);
    t.like(status, { state: 'Up', remoteState: 'Up', txIntervalUs: 10 * MS, detectTimeUs: 30 * MS, remoteMinRxUs: 10 * MS, remoteDesiredMinTxUs: 10 * MS, remoteDetectMult: 3, polling: false });
    // Before Up both sides send at the slow second (RFC 5880 §6.8.3).
    const slow = (ps: WirePacket[]): string[] => [...new Set(ps.filter((p) => p.bfd!.state !== 'Up').map((p) => `${p.bfd!.state} ${p.bfd!.desiredMinTxUs}`))].sort();
    t.true(slow(ours.filter((p) => p.t < steadyFrom)).every((x) => x.endsWith(' 1000000')), slow(ours).join());
    t.log(`${peer} before Up: ${slow(theirs.filter((p) => p.t < steadyFrom)).join(', ')}`);
    // A Poll from tandem on entering Up, answered by the peer's Final.
    const ourPoll = ours.find((p) => p.bfd!.poll);
    t.truthy(ourPoll, 'tandem polled');
    t.truthy(theirs.find((p) => p.bfd!.final && p.t > ourPoll!.t), 'the peer answered with F');
    const theirPoll = theirs.find((p) => p.bfd!.poll && p.bfd!.state === 'Up');
    if (theirPoll !== undefined) t.truthy(ours.find((p) => p.bfd!.final && p.t >= theirPoll.t), 'tandem answered the peer with F');
    const steadyOurs = ours.filter((p) => p.t >= steadyFrom);
    const steadyTheirs = theirs.filter((p) => p.t >= steadyFrom);
    t.true(steadyOurs.length > 50 && steadyTheirs.length > 50);
    for (const p of steadyOurs) {
      t.like(p.bfd, { state: 'Up', desiredMinTxUs: 10 * MS, requiredMinRxUs: 10 * MS, detectMult: 3, requiredMinEchoRxUs: 0, yourDiscriminator: status.remoteDiscr });
      // RFC 5881 §4/§5: TTL 255, UDP 3784, one source port of 49152-65535 for the session.
      t.is(p.ttl, 255);
      t.is(p.dstPort, 3784);
      t.true(p.srcPort >= 49152 && p.srcPort === ours[0]!.srcPort);
    }
    for (const p of steadyTheirs) t.like(p.bfd, { state: 'Up', desiredMinTxUs: 10 * MS, requiredMinRxUs: 10 * MS, myDiscriminator: status.remoteDiscr });
    const g = summarise(gaps(steadyOurs));
    const gp = summarise(gaps(steadyTheirs));
    t.log(`tandem's gaps (ms): p1 ${g.p1.toFixed(2)} median ${g.p50.toFixed(2)} mean ${g.mean.toFixed(2)} p99 ${g.p99.toFixed(2)} max ${g.max.toFixed(2)}; ${peer}'s: median ${gp.p50.toFixed(2)} mean ${gp.mean.toFixed(2)} p99 ${gp.p99.toFixed(2)}`);
    // §6.8.7: 75-100 % of the interval; the median is what timers late on a busy machine cannot move far.
    t.true(g.p50 >= 7.5 && g.p50 <= 10.5, `median gap ${g.p50}`);

    // The peer's link is cut: tandem hears nothing and goes Down within the Detection Time.
    let mark = tandem.events.length;
    view.mark();
    await lab.link('b', false);
    const down = await tandem.transition('Down', 2000, mark);
    await sleep(100);
    const around = (at: number): string =>
      wire.packets().filter((p) => p.bfd !== undefined && p.t > at - 60 && p.t < at + 20).map((p) => `${(p.t - at).toFixed(1)} ${p.src} ${p.bfd!.state}/${p.bfd!.diag}`).join('; ');
    t.is(down['diag'], 1, around(down.t));
    const lastHeard = from(B, wire.packets()).filter((p) => p.t < down.t).at(-1)!;
    const detectedAfter = down.t - lastHeard.t;
    t.log(`${peer}'s link cut: tandem Down (diag 1) ${detectedAfter.toFixed(1)} ms after the last packet heard (Detection Time 30 ms)`);
    t.true(detectedAfter >= 29 && detectedAfter <= 30 + SLACK_MS, `${detectedAfter} ms`);
    await waitFor(`${peer} Down after its link was cut`, 3000, async () => ((await view.wentDown('expired')) ? true : undefined), 50);
    await lab.link('b', true);
    await bothUp(t, tandem, view, `${peer}'s link back`);

    // tandem's link is cut: the peer goes Down (its own Detection Time), and so does tandem.
    mark = tandem.events.length;
    view.mark();
    await lab.link('a', false);
    t.is((await tandem.transition('Down', 2000, mark))['diag'], 1);
    await waitFor(`${peer} Down after tandem's link was cut`, 3000, async () => ((await view.wentDown('expired')) ? true : undefined), 50);
    await lab.link('a', true);
    await bothUp(t, tandem, view, "tandem's link back");

    // tandem says AdminDown (RFC 5880 §6.8.16): the peer goes Down, diag Neighbor Signaled Session Down.
    mark = tandem.events.length;
    view.mark();
    tandem.command('adminDown peer');
    await tandem.transition('AdminDown', 1000, mark);
    await waitFor(`${peer} Down on tandem's AdminDown`, 3000, async () => ((await view.wentDown('neighbor-down')) ? true : undefined), 50);
    await sleep(200);
    const adminDownSeen = from(A, wire.packets()).find((p) => p.t >= tandem.events[mark]!.t - 1 && p.bfd!.state === 'AdminDown');
    t.like(adminDownSeen?.bfd, { state: 'AdminDown', diag: 7 });
    tandem.command('adminUp peer');
    await bothUp(t, tandem, view, 'tandem out of AdminDown');

    if (peer === 'frr') {
      // FRR says AdminDown (`shutdown`): tandem goes Down with diag 3, not a detection failure.
      mark = tandem.events.length;
      await lab.vtysh('configure terminal', 'bfd', frrPeerLine(lab), 'shutdown');
      const d = await tandem.transition('Down', 3000, mark);
      t.is(d['diag'], 3);
      await sleep(200);
      // FRR 8.4 sends AdminDown with diag 0 (No Diagnostic).
      t.like(from(B, wire.packets()).filter((p) => p.t <= d.t).at(-1)?.bfd, { state: 'AdminDown' });
      await lab.vtysh('configure terminal', 'bfd', frrPeerLine(lab), 'no shutdown');
      await bothUp(t, tandem, view, 'FRR out of AdminDown');
    } else {
      // keepalived 2.2.7 enters AdminDown only when a send fails, and then stops sending:
      // it never puts AdminDown on the wire, so that direction cannot be shown with it.
      t.false(from(B, wire.packets()).some((p) => p.bfd!.state === 'AdminDown'));
    }
    const final = await tandem.status();
    t.is(final.state, 'Up');
    await wire.stop();
  } finally {
    await lab.cleanup();
  }
}
