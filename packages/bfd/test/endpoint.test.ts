import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import {
  BfdEndpoint,
  decode,
  encode,
  type BfdTransport,
  type Datagram,
  type SessionLink,
  type SessionOptions,
  type SessionPath,
  type SessionTransitionEvent,
} from '../src/index.js';

/** Two transports joined by an in-memory wire with a fixed one-way delay; `cut` drops everything. */
class Wire {
  cut = false;
  ttl = 255;
  readonly ends: MemoryTransport[] = [];
  constructor(readonly clock: FakeClock, readonly delayMs = 0.1) {}
  end(address: string, ifindex = 2): MemoryTransport {
    const t = new MemoryTransport(this, address, ifindex);
    this.ends.push(t);
    return t;
  }
  deliver(from: MemoryTransport, path: SessionPath, payload: Buffer): void {
    if (this.cut) return;
    const to = this.ends.find((e) => e !== from && e.address === path.peer);
    if (to === undefined) return;
    const copy = Buffer.from(payload);
    const port = path.kind === 'single-hop' ? 3784 : 4784;
    this.clock.setTimer(this.delayMs, () => to.handler?.({ payload: copy, src: path.local, dst: path.peer, port, ttl: this.ttl, ifindex: to.ifindex }));
  }
}

class MemoryTransport implements BfdTransport {
  handler: ((d: Datagram) => void) | undefined;
  readonly sent: Buffer[] = [];
  constructor(
    readonly wire: Wire,
    readonly address: string,
    readonly ifindex: number,
  ) {}
  receive(handler: (d: Datagram) => void): void {
    this.handler = handler;
  }
  open(path: SessionPath): SessionLink {
    return {
      ifindex: this.ifindex,
      sourcePort: 49152,
      send: (payload) => {
        this.sent.push(payload);
        this.wire.deliver(this, path, payload);
      },
      close: () => undefined,
    };
  }
  close(): void {}
}

const timers = { desiredMinTxUs: 10_000, requiredMinRxUs: 10_000, detectMult: 3, idleTxUs: 1_000_000, passive: false };
const A = '192.0.2.1';
const B = '192.0.2.2';

function session(local: string, peer: string, extra: Partial<SessionOptions> = {}): SessionOptions {
  return { name: `to-${peer}`, path: { kind: 'single-hop', family: 4, local, peer, interface: 'eth0', ttl: 255 }, params: timers, ...extra };
}

function pair(opts: { delayMs?: number } = {}) {
  const clock = new FakeClock(1000);
  const wire = new Wire(clock, opts.delayMs);
  const ta = wire.end(A);
  const tb = wire.end(B);
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const a = new BfdEndpoint(ta, clock, rnd);
  const b = new BfdEndpoint(tb, clock, rnd);
  const log: SessionTransitionEvent[] = [];
  a.on('transition', (e) => log.push(e));
  return { clock, wire, ta, tb, a, b, log };
}

test('two endpoints come Up within about one slow interval and settle on 10 ms', (t) => {
  const { clock, a, b, ta } = pair();
  const sa = a.add(session(A, B));
  const sb = b.add(session(B, A));
  clock.advance(50);
  t.is(sa.state, 'Up');
  t.is(sb.state, 'Up');
  t.is(sa.status.txIntervalUs, 10_000);
  t.is(sa.status.detectTimeUs, 30_000);
  t.false(sa.status.polling);
  // After the Poll Sequence every packet leaves 7.5-10 ms after the one before.
  const before = ta.sent.length;
  clock.advance(1000);
  const n = ta.sent.length - before;
  t.true(n >= 100 && n <= 134, `${n} packets in 1 s`);
  t.true(sa.stats.pollsSent >= 1 && sa.stats.finalsSent >= 1);
});

test('a cut wire: both go Down with diag 1 within the Detection Time, and come back when it heals', (t) => {
  const { clock, wire, a, b, log } = pair();
  const sa = a.add(session(A, B));
  b.add(session(B, A));
  clock.advance(100);
  wire.cut = true;
  const cutAt = clock.now();
  let downAt: number | undefined;
  sa.on('transition', (e) => {
    if (e.to === 'Down') downAt = clock.now();
  });
  clock.advance(100);
  t.is(sa.state, 'Down');
  t.true(downAt! - cutAt <= 30 + 0.2, `detected after ${downAt! - cutAt} ms`);
  t.like(log.at(-1), { from: 'Up', to: 'Down', diag: 1 });
  wire.cut = false;
  clock.advance(2100);
  t.is(sa.state, 'Up');
});

test('removing a session sends AdminDown: the peer goes Down with diag 3 at once', (t) => {
  const { clock, a, b } = pair();
  a.add(session(A, B));
  const sb = b.add(session(B, A));
  clock.advance(100);
  let at: number | undefined;
  sb.on('transition', (e) => (at = e.to === 'Down' ? clock.now() : at));
  const t0 = clock.now();
  a.remove(`to-${B}`);
  clock.advance(1);
  t.is(sb.state, 'Down');
  t.is(sb.status.localDiag, 3);
  t.true(at! - t0 < 1);
});

test('packets with TTL 254 on a single-hop session are dropped (RFC 5881 §5): no session comes up', (t) => {
  const { clock, wire, a, b } = pair();
  wire.ttl = 254;
  const sa = a.add(session(A, B));
  b.add(session(B, A));
  clock.advance(3000);
  t.is(sa.state, 'Down');
  t.true((a.stats.dropped['bad-ttl'] ?? 0) >= 2);
  t.is(sa.stats.dropped['bad-ttl'], a.stats.dropped['bad-ttl']);
  t.is(sa.stats.packetsReceived, 0);
});

test('multihop accepts TTL down to 256 - max_hops (keepalived max_hops)', (t) => {
  const { clock, wire, a, b } = pair();
  wire.ttl = 250;
  const mh = (local: string, peer: string, maxHops: number): SessionOptions => ({
    ...session(local, peer),
    path: { kind: 'multihop', family: 4, local, peer, ttl: 255 },
    maxHops,
  });
  const sa = a.add(mh(A, B, 6));
  const sb = b.add(mh(B, A, 5));
  clock.advance(3000);
  t.is(sa.state, 'Init', 'A accepts TTL 250 (>= 250), B does not (needs 251), so A never hears Init or Up');
  t.is(sb.state, 'Down');
  t.true((b.stats.dropped['bad-ttl'] ?? 0) > 0);
});

test("a single-hop session with keepalived's relaxed check (minTtl 250) comes up over TTL 251", (t) => {
  const { clock, wire, a, b } = pair();
  wire.ttl = 251;
  const sa = a.add(session(A, B, { minTtl: 250 }));
  const sb = b.add(session(B, A, { minTtl: 250 }));
  clock.advance(3000);
  t.is(sa.state, 'Up');
  t.is(sb.state, 'Up');
  t.throws(() => a.add(session(A, '203.0.113.9', { name: 'x', minTtl: 0 })), { message: /minimum TTL/ });
});

test('demultiplexing: an unknown Your Discriminator and a nonzero state without one are dropped', (t) => {
  const { a, ta } = pair();
  a.add(session(A, B));
  const deliver = (packet: Parameters<typeof encode>[0]): void =>
    ta.handler!({ payload: encode(packet), src: B, dst: A, port: 3784, ttl: 255, ifindex: 2 });
  const base = decode(ta.sent[0]!);
  if (!base.ok) return t.fail();
  deliver({ ...base.packet, myDiscriminator: 7, yourDiscriminator: 0xdead });
  deliver({ ...base.packet, myDiscriminator: 7, yourDiscriminator: 0, state: 'Up' });
  ta.handler!({ payload: encode({ ...base.packet, myDiscriminator: 7 }), src: '192.0.2.99', dst: A, port: 3784, ttl: 255, ifindex: 2 });
  ta.handler!({ payload: encode({ ...base.packet, myDiscriminator: 7 }), src: B, dst: A, port: 3784, ttl: 255, ifindex: 3 });
  ta.handler!({ payload: Buffer.from('nonsense'), src: B, dst: A, port: 3784, ttl: 255, ifindex: 2 });
  t.deepEqual(a.stats.dropped, { 'unknown-discriminator': 1, 'zero-your-discriminator': 1, 'no-session': 2, 'bad-version': 1 });
});

test('local discriminators are unique and nonzero; duplicate sessions are refused', (t) => {
  const { a } = pair();
  const discs = new Set<number>();
  for (let i = 0; i < 50; i++) discs.add(a.add(session(A, `198.51.100.${i + 1}`, { name: `s${i}` })).localDiscr);
  t.is(discs.size, 50);
  t.false(discs.has(0));
  t.throws(() => a.add(session(A, '198.51.100.1', { name: 'again' })), { message: /exists/ });
  t.throws(() => a.add(session(A, '198.51.100.1', { name: 's0' })), { message: /exists/ });
  t.throws(() => a.add(session(A, '203.0.113.1', { name: 'bad', params: { ...timers, detectMult: 0 } })), { message: /detect multiplier/ });
});

test('a process held up past the Detection Time reads the packets already received before judging it: no false Down', (t) => {
  for (const deferred of [true, false]) {
    const { clock, a, b, ta } = pair();
    const pending: Array<() => void> = [];
    const sa = a.add(session(A, B, deferred ? { afterPendingInput: (fn) => pending.push(fn) } : {}));
    b.add(session(B, A));
    clock.advance(100);
    t.is(sa.state, 'Up');
    // a is held up 40 ms: b's packets wait in a's socket, and a's timers come due meanwhile.
    const deliver = ta.handler!;
    const waiting: Datagram[] = [];
    ta.handler = (d) => waiting.push(d);
    clock.advance(40);
    ta.handler = deliver;
    // a runs again: Node's timers first (above), then the socket (poll), then what was deferred (check).
    for (const d of waiting.splice(0)) deliver(d);
    for (const fn of pending.splice(0)) fn();
    t.true(waiting.length === 0);
    t.is(sa.stats.downTransitions, deferred ? 0 : 1, deferred ? 'the waiting packets keep it Up' : 'judged before reading them, it fell');
    if (deferred) t.is(sa.state, 'Up');
  }
});
