import { Diag, type ControlPacket, type DropReason, type SessionState } from './packet.js';
import { SLOW_TX_US, detectionTimeUs, jitteredIntervalUs, nextRandom, transmitIntervalUs } from './timers.js';

/** Static parameters of one BFD session, as configured; intervals in microseconds. */
export interface SessionParams {
  /** bfd.DesiredMinTxInterval once Up: keepalived's `min_tx`, FRR's `transmit-interval`. */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval: keepalived's `min_rx`, FRR's `receive-interval`. */
  readonly requiredMinRxUs: number;
  /** bfd.DetectMult: keepalived's `multiplier`, FRR's `detect-multiplier`. */
  readonly detectMult: number;
  /**
   * bfd.DesiredMinTxInterval while not Up: keepalived's `idle_tx`. RFC 5880 §6.8.3: not
   * less than one second, which is what the machine uses for anything smaller.
   */
  readonly idleTxUs: number;
  /** keepalived's `passive`: the Passive role of RFC 5880 §6.1, silent until the remote speaks. */
  readonly passive: boolean;
}

/** Everything the machine remembers between events: the RFC 5880 §6.8.1 variables and two deadlines (clock ms). */
export interface MachineState {
  /** bfd.SessionState */
  readonly state: SessionState;
  /** bfd.RemoteSessionState */
  readonly remoteState: SessionState;
  /** bfd.LocalDiscr: nonzero, chosen by the runner. */
  readonly localDiscr: number;
  /** bfd.RemoteDiscr: 0 until heard, and again after a Detection Time without packets. */
  readonly remoteDiscr: number;
  /** bfd.LocalDiag */
  readonly localDiag: number;
  /** bfd.RemoteMinRxInterval: initialised to 1 µs (§6.8.1). */
  readonly remoteMinRxUs: number;
  /** The remote's last Desired Min TX Interval (§6.8.4). */
  readonly remoteDesiredMinTxUs: number;
  /** The remote's last Detect Mult; 0 before any packet. */
  readonly remoteDetectMult: number;
  /** bfd.RemoteDemandMode */
  readonly remoteDemand: boolean;
  /** bfd.DesiredMinTxInterval: what sent packets carry. */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval: what sent packets carry. */
  readonly requiredMinRxUs: number;
  /**
   * The Desired Min TX our own transmit timer uses: during a Poll Sequence an increase is
   * not applied until the sequence ends (§6.8.3).
   */
  readonly txBasisUs: number;
  /** The Required Min RX our Detection Time uses: during a Poll Sequence a reduction waits (§6.8.3). */
  readonly detectRxUs: number;
  /** A Poll Sequence is under way: periodic packets carry P until an F arrives (§6.5). */
  readonly polling: boolean;
  readonly txAt?: number;
  readonly detectAt?: number;
  /** The state of the jitter's random number generator. */
  readonly seed: number;
}

export type MachineEvent =
  /** Start transmitting (the session was created or enabled). */
  | { readonly kind: 'start' }
  | { readonly kind: 'timer' }
  /** A control packet that passed the codec and demultiplexing checks for this session. */
  | { readonly kind: 'packet'; readonly packet: ControlPacket }
  /** §6.8.16: administratively down (keepalived: the instance is removed; FRR: `shutdown`). */
  | { readonly kind: 'adminDown' }
  /** §6.8.16: taken out of AdminDown. */
  | { readonly kind: 'adminUp' }
  /** The params changed (a reload): timers are renegotiated, with a Poll Sequence when Up. */
  | { readonly kind: 'reconfigure' };

export type MachineAction =
  | { readonly kind: 'send'; readonly packet: ControlPacket }
  | { readonly kind: 'transition'; readonly from: SessionState; readonly to: SessionState; readonly diag: number; readonly reason: string }
  /** The packet was discarded after the codec and demultiplexing checks passed. */
  | { readonly kind: 'drop'; readonly reason: DropReason };

export interface StepResult {
  readonly state: MachineState;
  readonly actions: readonly MachineAction[];
  /** Earliest deadline at which the runner must deliver a `timer` event, if any. */
  readonly nextTimer: number | undefined;
}

/** bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval the session should advertise in a state. */
function targets(p: SessionParams, state: SessionState): { tx: number; rx: number } {
  // §6.8.3: when not Up, Desired Min TX MUST be at least one second.
  return { tx: state === 'Up' ? p.desiredMinTxUs : Math.max(SLOW_TX_US, p.idleTxUs), rx: p.requiredMinRxUs };
}

/** The session's state before `start`: Down, nothing heard (§6.8.1). */
export function initialState(p: SessionParams, localDiscr: number, seed: number): MachineState {
  const t = targets(p, 'Down');
  return {
    state: 'Down',
    remoteState: 'Down',
    localDiscr,
    remoteDiscr: 0,
    localDiag: Diag.none,
    remoteMinRxUs: 1,
    remoteDesiredMinTxUs: 0,
    remoteDetectMult: 0,
    remoteDemand: false,
    desiredMinTxUs: t.tx,
    requiredMinRxUs: t.rx,
    txBasisUs: t.tx,
    detectRxUs: t.rx,
    polling: false,
    seed,
  };
}

/** The transmit interval in force (§6.8.2), before jitter; 0 when periodic packets are not to be sent. */
export function negotiatedTxUs(s: MachineState): number {
  return transmitIntervalUs(s.txBasisUs, s.remoteMinRxUs);
}

/** The Detection Time in force (§6.8.4); 0 before the remote was heard. */
export function negotiatedDetectUs(s: MachineState): number {
  return detectionTimeUs(s.detectRxUs, s.remoteDesiredMinTxUs, s.remoteDetectMult);
}

/** Whether periodic packets go out now (§6.8.7). */
function transmits(p: SessionParams, s: MachineState): boolean {
  // A system taking the Passive role MUST NOT begin sending until it has learnt bfd.RemoteDiscr.
  if (p.passive && s.remoteDiscr === 0) return false;
  // Demand mode active on the remote: periodic transmission MUST cease.
  if (s.remoteDemand && s.state === 'Up' && s.remoteState === 'Up') return false;
  // bfd.RemoteMinRxInterval zero: MUST NOT periodically transmit.
  return negotiatedTxUs(s) > 0;
}

function packetOf(p: SessionParams, s: MachineState, bits: { poll: boolean; final: boolean }): ControlPacket {
  // §6.8.7, "Transmitting BFD Control Packets": the contents of each field.
  return {
    diag: s.localDiag,
    state: s.state,
    poll: bits.poll,
    final: bits.final,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: p.detectMult,
    myDiscriminator: s.localDiscr,
    yourDiscriminator: s.remoteDiscr,
    desiredMinTxUs: s.desiredMinTxUs,
    requiredMinRxUs: s.requiredMinRxUs,
    // Echo is not implemented: 0 tells the remote never to send Echo packets.
    requiredMinEchoRxUs: 0,
  };
}

/**
 * Schedules the next periodic packet a jittered interval after `base` (when the last one
 * was due), but never sooner than 75 % of the interval after `now` (when it left), or none.
 */
function schedule(p: SessionParams, s: MachineState, now: number, base = now): MachineState {
  if (!transmits(p, s)) return { ...s, txAt: undefined };
  const r = nextRandom(s.seed);
  const intervalMs = negotiatedTxUs(s) / 1000;
  return { ...s, seed: r.seed, txAt: Math.max(base + jitteredIntervalUs(negotiatedTxUs(s), p.detectMult, r.value) / 1000, now + 0.75 * intervalMs) };
}

/** Brings an earlier-than-scheduled deadline forward when the negotiated interval shrank. */
function scheduleIfSooner(p: SessionParams, s: MachineState, now: number): MachineState {
  if (!transmits(p, s)) return { ...s, txAt: undefined };
  if (s.txAt !== undefined && s.txAt <= now + negotiatedTxUs(s) / 1000) return s;
  return schedule(p, s, now);
}

/**
 * Moves bfd.DesiredMinTxInterval / bfd.RequiredMinRxInterval to what the state calls for.
 * When Up, a change starts a Poll Sequence (§6.8.3), and until it ends an increased TX or a
 * reduced RX does not apply to the local timers. When not Up, changes apply at once.
 */
function settle(p: SessionParams, s: MachineState): MachineState {
  const t = targets(p, s.state);
  if (s.state !== 'Up') return { ...s, desiredMinTxUs: t.tx, requiredMinRxUs: t.rx, txBasisUs: t.tx, detectRxUs: t.rx, polling: false };
  if (t.tx === s.desiredMinTxUs && t.rx === s.requiredMinRxUs) return s;
  return {
    ...s,
    desiredMinTxUs: t.tx,
    requiredMinRxUs: t.rx,
    txBasisUs: Math.min(s.txBasisUs, t.tx),
    detectRxUs: Math.max(s.detectRxUs, t.rx),
    polling: true,
  };
}

function nextTimerOf(s: MachineState): number | undefined {
  if (s.txAt === undefined) return s.detectAt;
  if (s.detectAt === undefined) return s.txAt;
  return Math.min(s.txAt, s.detectAt);
}

function result(state: MachineState, actions: MachineAction[]): StepResult {
  return { state, actions, nextTimer: nextTimerOf(state) };
}

/**
 * Enters `to`, renegotiates, and sends one packet at once so the remote learns the
 * new state without waiting a (slow) interval: with F when it answers a Poll, with P
 * when a Poll Sequence starts, and restarts the periodic timer from it.
 */
function enter(p: SessionParams, s: MachineState, to: SessionState, diag: number, reason: string, now: number, answerPoll: boolean): StepResult {
  const from = s.state;
  let next = settle(p, { ...s, state: to, localDiag: diag });
  const actions: MachineAction[] = [{ kind: 'transition', from, to, diag, reason }];
  // AdminDown ignores the remote (§6.8.6), so nothing is left to detect.
  if (to === 'AdminDown') next = { ...next, detectAt: undefined };
  if (answerPoll || !(p.passive && next.remoteDiscr === 0)) {
    actions.push({ kind: 'send', packet: packetOf(p, next, { poll: next.polling && !answerPoll, final: answerPoll }) });
    next = schedule(p, next, now);
  }
  return result(next, actions);
}

function onPacket(p: SessionParams, s0: MachineState, pkt: ControlPacket, now: number): StepResult {
  // §6.8.6, after the discriminator and authentication checks, in the RFC's order.
  let s: MachineState = {
    ...s0,
    remoteDiscr: pkt.myDiscriminator,
    remoteState: pkt.state,
    remoteDemand: pkt.demand,
    remoteMinRxUs: pkt.requiredMinRxUs,
    remoteDesiredMinTxUs: pkt.desiredMinTxUs,
    remoteDetectMult: pkt.detectMult,
  };
  // (Required Min Echo RX: Echo is never sent, so there is nothing to cease.)
  // A Poll Sequence in progress and F set: the sequence MUST be terminated; the new values apply.
  if (s.polling && pkt.final) s = { ...s, polling: false, txBasisUs: s.desiredMinTxUs, detectRxUs: s.requiredMinRxUs };
  // Update the transmit interval (§6.8.2) and the Detection Time (§6.8.4): both read the fields above.
  // If bfd.SessionState is AdminDown: discard the packet.
  if (s.state === 'AdminDown') return result(s, [{ kind: 'drop', reason: 'admin-down' }]);
  // Received for the purposes of the Detection Time (last paragraph of §6.8.6).
  s = { ...s, detectAt: now + negotiatedDetectUs(s) / 1000 };
  let to: SessionState | undefined;
  let diag: number = s.localDiag;
  if (pkt.state === 'AdminDown') {
    if (s.state !== 'Down') [to, diag] = ['Down', Diag.neighborSignaledSessionDown];
  } else if (s.state === 'Down') {
    if (pkt.state === 'Down') to = 'Init';
    else if (pkt.state === 'Init') to = 'Up';
  } else if (s.state === 'Init') {
    if (pkt.state === 'Init' || pkt.state === 'Up') to = 'Up';
  } else if (pkt.state === 'Down') {
    [to, diag] = ['Down', Diag.neighborSignaledSessionDown];
  }
  // Poll (P) set: send a packet with P clear and F set, at once, whatever the timers (§6.8.7).
  if (to !== undefined) {
    const reason = to === 'Down' ? `remote signalled ${pkt.state}` : `remote is ${pkt.state}`;
    return enter(p, s, to, to === 'Up' ? Diag.none : diag, reason, now, pkt.poll);
  }
  s = scheduleIfSooner(p, s, now);
  if (pkt.poll) return result(s, [{ kind: 'send', packet: packetOf(p, s, { poll: false, final: true }) }]);
  return result(s, []);
}

function onTimer(p: SessionParams, s: MachineState, now: number): StepResult {
  if (s.detectAt !== undefined && now >= s.detectAt) {
    // §6.8.1: bfd.RemoteDiscr MUST be set to zero after a Detection Time without packets.
    const quiet: MachineState = { ...s, detectAt: undefined, remoteDiscr: 0 };
    // §6.8.4: Init or Up, and a Detection Time without packets: Down, diag 1.
    if (s.state === 'Init' || s.state === 'Up') {
      return enter(p, quiet, 'Down', Diag.controlDetectionTimeExpired, 'control detection time expired', now, false);
    }
    s = scheduleIfSooner(p, quiet, now);
  }
  if (s.txAt !== undefined && now >= s.txAt) {
    const packet = packetOf(p, s, { poll: s.polling, final: false });
    // The next packet is timed from when this one was due, not from when the timer fired:
    // a timer that fires late then does not stretch every interval (the mean stays near
    // 87.5 % of the interval), and no gap is shorter than 75 % of it.
    return result(schedule(p, s, now, s.txAt), [{ kind: 'send', packet }]);
  }
  return result(s, []);
}

/**
 * The RFC 5880 §6.8 session state machine (Asynchronous mode, no Echo, no Demand of
 * its own) as a pure function: no I/O, no clock and no randomness of its own; `now`
 * is in milliseconds and actions are data for the runner to execute.
 */
export function step(p: SessionParams, s: MachineState, e: MachineEvent, now: number): StepResult {
  switch (e.kind) {
    case 'start': {
      if (s.txAt !== undefined || s.state === 'AdminDown') return result(s, []);
      if (p.passive && s.remoteDiscr === 0) return result(s, []);
      const next = schedule(p, s, now);
      return result(next, [{ kind: 'send', packet: packetOf(p, s, { poll: false, final: false }) }]);
    }
    case 'timer':
      return onTimer(p, s, now);
    case 'packet':
      return onPacket(p, s, e.packet, now);
    case 'adminDown':
      if (s.state === 'AdminDown') return result(s, []);
      return enter(p, s, 'AdminDown', Diag.administrativelyDown, 'administratively down', now, false);
    case 'adminUp':
      if (s.state !== 'AdminDown') return result(s, []);
      // §6.8.16: taken out of AdminDown, the session MUST go Down.
      return enter(p, s, 'Down', s.localDiag, 'administratively up', now, false);
    case 'reconfigure': {
      const next = settle(p, s);
      if (!next.polling || s.polling) return result(scheduleIfSooner(p, next, now), []);
      return result(schedule(p, next, now), [{ kind: 'send', packet: packetOf(p, next, { poll: true, final: false }) }]);
    }
  }
}
