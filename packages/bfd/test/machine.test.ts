import test from 'ava';
import {
  Diag,
  initialState,
  negotiatedDetectUs,
  negotiatedTxUs,
  step,
  type ControlPacket,
  type MachineAction,
  type MachineEvent,
  type MachineState,
  type SessionParams,
  type SessionState,
} from '../src/index.js';

const params: SessionParams = { desiredMinTxUs: 10_000, requiredMinRxUs: 10_000, detectMult: 3, idleTxUs: 1_000_000, passive: false };
const LOCAL = 0x1111;
const REMOTE = 0x2222;

/** One session driven event by event; keeps the last step's actions. */
class Drive {
  s: MachineState;
  actions: readonly MachineAction[] = [];
  next: number | undefined;
  constructor(readonly p: SessionParams = params, seed = 12345) {
    this.s = initialState(p, LOCAL, seed);
  }
  on(now: number, e: MachineEvent): this {
    const r = step(this.p, this.s, e, now);
    this.s = r.state;
    this.actions = r.actions;
    this.next = r.nextTimer;
    return this;
  }
  sent(): ControlPacket[] {
    return this.actions.flatMap((a) => (a.kind === 'send' ? [a.packet] : []));
  }
  transitions(): string[] {
    return this.actions.flatMap((a) => (a.kind === 'transition' ? [`${a.from}->${a.to}/${a.diag}`] : []));
  }
}

function remote(state: SessionState, extra: Partial<ControlPacket> = {}): MachineEvent {
  return {
    kind: 'packet',
    packet: {
      diag: 0,
      state,
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      multipoint: false,
      detectMult: 3,
      myDiscriminator: REMOTE,
      yourDiscriminator: state === 'Down' ? 0 : LOCAL,
      desiredMinTxUs: state === 'Up' ? 10_000 : 1_000_000,
      requiredMinRxUs: 10_000,
      requiredMinEchoRxUs: 0,
      ...extra,
    },
  };
}

/** Brings a session Up the way two peers do: Down, Init from the remote, then its Up with a Poll, our F, our Poll answered. */
function up(d = new Drive()): Drive {
  d.on(0, { kind: 'start' }).on(100, remote('Down')).on(101, remote('Up', { poll: true })).on(102, remote('Up', { final: true }));
  return d;
}

test('start: a Down packet at once with Desired Min TX 1 s (§6.8.3), Required Min RX as configured, your discriminator 0', (t) => {
  const d = new Drive().on(0, { kind: 'start' });
  const [p] = d.sent();
  t.like(p, { state: 'Down', diag: 0, myDiscriminator: LOCAL, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000, detectMult: 3, poll: false, final: false, requiredMinEchoRxUs: 0 });
  // bfd.RemoteMinRxInterval starts at 1 µs: the slow second is the interval, jittered down by at most 25 %.
  t.true(d.next! >= 750 && d.next! <= 1000, String(d.next));
});

test('an idle_tx below one second is raised to one second while not Up (§6.8.3)', (t) => {
  const d = new Drive({ ...params, idleTxUs: 200_000 }).on(0, { kind: 'start' });
  t.is(d.sent()[0]!.desiredMinTxUs, 1_000_000);
});

test('Down + remote Down -> Init, + remote Up -> Up; the Init and Up packets leave at once (§6.8.6)', (t) => {
  const d = new Drive().on(0, { kind: 'start' }).on(100, remote('Down'));
  t.deepEqual(d.transitions(), ['Down->Init/0']);
  t.like(d.sent()[0], { state: 'Init', yourDiscriminator: REMOTE, desiredMinTxUs: 1_000_000 });
  d.on(101, remote('Up'));
  t.deepEqual(d.transitions(), ['Init->Up/0']);
  // Entering Up changes Desired Min TX from 1 s to 10 ms: a Poll Sequence (§6.8.3).
  t.like(d.sent()[0], { state: 'Up', poll: true, final: false, desiredMinTxUs: 10_000 });
  t.true(d.s.polling);
});

test('Down + remote Init -> Up; Init + remote Init -> Up; Down ignores a remote Up', (t) => {
  t.deepEqual(new Drive().on(0, { kind: 'start' }).on(5, remote('Init')).transitions(), ['Down->Up/0']);
  t.deepEqual(new Drive().on(0, { kind: 'start' }).on(5, remote('Down')).on(6, remote('Init')).transitions(), ['Init->Up/0']);
  const d = new Drive().on(0, { kind: 'start' }).on(5, remote('Up'));
  t.deepEqual(d.transitions(), []);
  t.is(d.s.state, 'Down');
});

test('a Poll is answered at once with F and P clear, one F per P (§6.8.7)', (t) => {
  const d = up();
  d.on(500, remote('Up', { poll: true }));
  t.deepEqual(
    d.sent().map((p) => [p.poll, p.final]),
    [[false, true]],
  );
  d.on(501, remote('Up'));
  t.deepEqual(d.sent(), []);
});

test('entering Up on a Poll: the F goes first, the own Poll with the next periodic packet', (t) => {
  const d = new Drive().on(0, { kind: 'start' }).on(100, remote('Down')).on(101, remote('Up', { poll: true }));
  t.deepEqual(d.sent().map((p) => [p.state, p.poll, p.final]), [['Up', false, true]]);
  d.on(d.next!, { kind: 'timer' });
  t.deepEqual(d.sent().map((p) => [p.state, p.poll, p.final]), [['Up', true, false]]);
});

test('a Poll Sequence ends on F; then periodic packets carry no P', (t) => {
  const d = up();
  t.false(d.s.polling);
  const at = d.next!;
  d.on(at, { kind: 'timer' });
  t.like(d.sent()[0], { poll: false, final: false, state: 'Up' });
});

test('timer negotiation: TX = max(Desired Min TX, remote Required Min RX), Detection = remote mult x max(Required Min RX, remote Desired Min TX)', (t) => {
  const d = new Drive({ ...params, desiredMinTxUs: 20_000, requiredMinRxUs: 30_000 });
  d.on(0, { kind: 'start' }).on(1, remote('Init', { requiredMinRxUs: 50_000, desiredMinTxUs: 40_000, detectMult: 5 }));
  d.on(2, remote('Up', { final: true, requiredMinRxUs: 50_000, desiredMinTxUs: 40_000, detectMult: 5 }));
  t.is(negotiatedTxUs(d.s), 50_000);
  t.is(negotiatedDetectUs(d.s), 5 * 40_000);
  d.on(3, remote('Up', { requiredMinRxUs: 5_000, desiredMinTxUs: 10_000, detectMult: 2 }));
  t.is(negotiatedTxUs(d.s), 20_000);
  t.is(negotiatedDetectUs(d.s), 2 * 30_000);
  // The detection deadline restarts with every accepted packet.
  t.is(d.s.detectAt, 3 + 60);
});

test('no packet for the Detection Time while Up: Down, diag 1, remote discriminator 0, slow timers again (§6.8.4, §6.8.1)', (t) => {
  const d = up();
  const deadline = d.s.detectAt!;
  t.is(deadline, 102 + 30);
  // Periodic packets keep going up to the deadline.
  while (d.next! < deadline) d.on(d.next!, { kind: 'timer' });
  d.on(deadline, { kind: 'timer' });
  t.deepEqual(d.transitions(), ['Up->Down/1']);
  t.like(d.sent()[0], { state: 'Down', diag: Diag.controlDetectionTimeExpired, yourDiscriminator: 0, desiredMinTxUs: 1_000_000 });
  t.is(d.s.remoteDiscr, 0);
  // Back to one packet a second, jittered.
  t.true(d.next! - deadline >= 750 && d.next! - deadline <= 1000, String(d.next! - deadline));
});

test('Init without packets for the Detection Time goes Down too', (t) => {
  const d = new Drive().on(0, { kind: 'start' }).on(100, remote('Down'));
  t.is(d.s.detectAt, 100 + 3000);
  d.on(3100, { kind: 'timer' });
  t.deepEqual(d.transitions(), ['Init->Down/1']);
});

test('Down without packets for the Detection Time forgets the remote discriminator and stays Down', (t) => {
  const d = new Drive().on(0, { kind: 'start' }).on(10, remote('AdminDown', { yourDiscriminator: 0 }));
  t.is(d.s.remoteDiscr, REMOTE);
  d.on(10 + 3000, { kind: 'timer' });
  t.is(d.s.remoteDiscr, 0);
  t.is(d.s.state, 'Down');
  t.deepEqual(d.transitions(), []);
});

test('the remote says AdminDown: Down with diag 3, not a failure (§6.8.6)', (t) => {
  const d = up().on(200, remote('AdminDown', { diag: 7 }));
  t.deepEqual(d.transitions(), ['Up->Down/3']);
  t.like(d.sent()[0], { state: 'Down', diag: Diag.neighborSignaledSessionDown });
});

test('the remote says Down while Up: Down with diag 3', (t) => {
  t.deepEqual(up().on(200, remote('Down', { diag: 1 })).transitions(), ['Up->Down/3']);
});

test('AdminDown (§6.8.16): diag 7 sent at once, received packets discarded, adminUp goes Down', (t) => {
  const d = up().on(200, { kind: 'adminDown' });
  t.deepEqual(d.transitions(), ['Up->AdminDown/7']);
  t.like(d.sent()[0], { state: 'AdminDown', diag: 7, desiredMinTxUs: 1_000_000 });
  t.is(d.s.detectAt, undefined);
  d.on(201, remote('Up', { poll: true }));
  t.deepEqual(d.actions, [{ kind: 'drop', reason: 'admin-down' }]);
  // It keeps announcing AdminDown, slowly.
  d.on(d.next!, { kind: 'timer' });
  t.like(d.sent()[0], { state: 'AdminDown' });
  d.on(2000, { kind: 'adminUp' });
  t.deepEqual(d.transitions(), ['AdminDown->Down/7']);
  d.on(2001, remote('Down'));
  t.deepEqual(d.transitions(), ['Down->Init/7']);
});

test('jitter (§6.8.7): each interval is reduced by 0-25 %, about 12.5 % on average', (t) => {
  const d = up();
  const gaps: number[] = [];
  let last = d.next!;
  for (let i = 0; i < 2000; i++) {
    d.on(last, { kind: 'timer' });
    // Keep the remote alive so that the session stays Up.
    if (i % 2 === 0) d.on(last, remote('Up'));
    gaps.push(d.next! - last);
    last = d.next!;
  }
  t.true(gaps.every((g) => g >= 7.5 && g <= 10), `${Math.min(...gaps)}..${Math.max(...gaps)}`);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  t.true(Math.abs(mean - 8.75) < 0.1, String(mean));
  t.true(Math.max(...gaps) - Math.min(...gaps) > 2, 'actually random');
});

test('jitter with Detect Mult 1: between 75 % and 90 % of the interval (§6.8.7)', (t) => {
  const d = up(new Drive({ ...params, detectMult: 1 }));
  const gaps: number[] = [];
  let last = d.next!;
  for (let i = 0; i < 1000; i++) {
    d.on(last, remote('Up')).on(last, { kind: 'timer' });
    gaps.push(d.next! - last);
    last = d.next!;
  }
  t.true(gaps.every((g) => g >= 7.5 && g <= 9), `${Math.min(...gaps)}..${Math.max(...gaps)}`);
});

test('a Desired Min TX increased while Up waits for the Poll Sequence to end (§6.8.3)', (t) => {
  const d = up();
  const slower = { ...params, desiredMinTxUs: 100_000 };
  const r = step(slower, d.s, { kind: 'reconfigure' }, 300);
  t.like(r.actions[0], { kind: 'send', packet: { poll: true, desiredMinTxUs: 100_000 } });
  t.is(negotiatedTxUs(r.state), 10_000, 'still the old interval during the poll');
  const r2 = step(slower, r.state, remote('Up', { final: true }), 301);
  t.is(negotiatedTxUs(r2.state), 100_000);
  t.false(r2.state.polling);
});

test('a Required Min RX reduced while Up keeps the old Detection Time until the poll ends (§6.8.3)', (t) => {
  const d = up(new Drive({ ...params, requiredMinRxUs: 50_000 }));
  const faster = { ...params, requiredMinRxUs: 20_000 };
  const r = step(faster, d.s, { kind: 'reconfigure' }, 300);
  const r1 = step(faster, r.state, remote('Up'), 301);
  t.is(negotiatedDetectUs(r1.state), 3 * 50_000);
  const r2 = step(faster, r1.state, remote('Up', { final: true }), 302);
  t.is(negotiatedDetectUs(r2.state), 3 * 20_000);
});

test('a shorter remote Required Min RX brings the next packet forward', (t) => {
  // FRR advertises Required Min RX 1 s until Up; its poll then asks for 10 ms.
  const d = new Drive().on(0, { kind: 'start' }).on(1, remote('Init', { requiredMinRxUs: 1_000_000 }));
  t.true(d.next! > 700, String(d.next));
  d.on(2, remote('Up', { poll: true, requiredMinRxUs: 10_000, desiredMinTxUs: 10_000 }));
  t.true(d.next! <= 2 + 10, String(d.next));
});

test('passive (keepalived `passive`, §6.1): silent until the remote has spoken', (t) => {
  const d = new Drive({ ...params, passive: true }).on(0, { kind: 'start' });
  t.deepEqual(d.sent(), []);
  t.is(d.next, undefined);
  d.on(50, remote('Down'));
  t.like(d.sent()[0], { state: 'Init', yourDiscriminator: REMOTE });
  t.not(d.next, undefined);
});

test('remote Required Min RX 0: no periodic packets (§6.8.7), but a Poll is still answered', (t) => {
  const d = up().on(300, remote('Up', { requiredMinRxUs: 0 }));
  t.is(d.s.txAt, undefined);
  d.on(301, remote('Up', { requiredMinRxUs: 0, poll: true }));
  t.like(d.sent()[0], { final: true });
});

test('Demand mode active on the remote (D and both Up): periodic transmission ceases (§6.8.6)', (t) => {
  const d = up().on(300, remote('Up', { demand: true }));
  t.is(d.s.txAt, undefined);
  d.on(301, remote('Up', { demand: false }));
  t.not(d.s.txAt, undefined);
});

test('the machine is pure: the same inputs give the same outputs', (t) => {
  const a = up(new Drive(params, 99));
  const b = up(new Drive(params, 99));
  t.deepEqual(a.s, b.s);
  const c = up(new Drive(params, 100));
  t.not(a.s.txAt, c.s.txAt);
});

test('late timers do not stretch the schedule: the next packet is timed from when the last was due', (t) => {
  const d = up();
  const due: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const at = d.next!;
    due.push(at);
    // Every timer fires 1 ms late; the remote stays alive.
    d.on(at + 1, remote('Up')).on(at + 1, { kind: 'timer' });
  }
  const mean = (due.at(-1)! - due[0]!) / (due.length - 1);
  // 1 ms late each time moves the mean only where the 75 % floor applies (jitter beyond 8.5 ms).
  t.true(mean >= 8.75 && mean < 9.1, `mean interval ${mean}`);
  t.true(due.every((at, i) => i === 0 || at - (due[i - 1]! + 1) >= 7.5), 'no gap below 75 % of the interval');
});

test('after a stall the schedule restarts from when the packet left, without a burst', (t) => {
  const d = up();
  const at = d.next!;
  d.on(at + 25, remote('Up')).on(at + 25, { kind: 'timer' });
  t.is(d.sent().length, 1);
  t.true(d.next! >= at + 25 + 7.5, String(d.next! - at));
});
