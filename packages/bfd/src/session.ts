import { EventEmitter } from 'node:events';
import { Deadline, type Clock } from '@tandem/vrrp';
import { initialState, negotiatedDetectUs, negotiatedTxUs, step, type MachineAction, type MachineEvent, type MachineState, type SessionParams } from './machine.js';
import { encode, type ControlPacket, type DropReason, type SessionState } from './packet.js';
import type { SessionLink, SessionPath } from './transport.js';
import { BfdError } from './errors.js';

export interface SessionTransitionEvent {
  readonly session: string;
  readonly from: SessionState;
  readonly to: SessionState;
  /** bfd.LocalDiag after the change (RFC 5880 §4.1 codes). */
  readonly diag: number;
  readonly reason: string;
}

/** Counters shown in stats. */
export interface SessionStats {
  packetsSent: number;
  packetsReceived: number;
  pollsSent: number;
  finalsSent: number;
  sendErrors: number;
  upTransitions: number;
  downTransitions: number;
  dropped: Partial<Record<DropReason, number>>;
}

export interface SessionEvents {
  transition: [SessionTransitionEvent];
  /** A send failed; the session carries on. Not 'error', so no listener is required. */
  ioError: [Error];
  /** Every control packet sent, decoded (for tracing and tests). */
  sent: [ControlPacket];
}

/** What the session reports about its negotiation. */
export interface SessionStatus {
  readonly state: SessionState;
  readonly remoteState: SessionState;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: number;
  /** Negotiated transmit interval before jitter (RFC 5880 §6.8.2), µs. */
  readonly txIntervalUs: number;
  /** Detection Time (§6.8.4), µs; 0 until the remote was heard. */
  readonly detectTimeUs: number;
  readonly remoteMinRxUs: number;
  readonly remoteDesiredMinTxUs: number;
  readonly remoteDetectMult: number;
  readonly polling: boolean;
}

/** One session as configured: keepalived's `bfd_instance`. */
export interface SessionOptions {
  readonly name: string;
  readonly path: SessionPath;
  readonly params: SessionParams;
  /** `max_hops` of a multihop session (RFC 5883): packets arriving with a TTL below 256 - max_hops are dropped (default 255: any). */
  readonly maxHops?: number;
  /**
   * The lowest received TTL accepted, overriding the above: keepalived 2.2.7 has no multihop
   * port, and its `max_hops` relaxes the single-hop check to TTL + max_hops >= its `ttl`.
   */
  readonly minTtl?: number;
  /**
   * Runs `fn` once the packets already received have been handled (the I/O shell gives
   * setImmediate: Node runs timers before it polls sockets, so a process held up past the
   * Detection Time would otherwise see its timer before the peer's packets that wait in the
   * socket, and declare a live session Down). Absent: the Detection Time is judged at once.
   */
  readonly afterPendingInput?: (fn: () => void) => void;
}

/** Checks configured timers against the RFC's ranges; throws BFD_ERR_CONFIG. */
export function validateParams(p: SessionParams): void {
  const bad = (what: string): never => {
    throw new BfdError('BFD_ERR_CONFIG', what);
  };
  for (const [name, v] of [
    ['desired min tx', p.desiredMinTxUs],
    ['required min rx', p.requiredMinRxUs],
    ['idle tx', p.idleTxUs],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) bad(`${name} ${v} µs: 1 to 2^32-1`);
  }
  if (!Number.isInteger(p.detectMult) || p.detectMult < 1 || p.detectMult > 255) bad(`detect multiplier ${p.detectMult}: 1 to 255`);
}

/**
 * Binds the pure session machine to a link and a clock: delivers timer events,
 * sends the packets the machine asks for, and keeps counters. One per session.
 */
export class SessionRunner extends EventEmitter<SessionEvents> {
  readonly stats: SessionStats = {
    packetsSent: 0,
    packetsReceived: 0,
    pollsSent: 0,
    finalsSent: 0,
    sendErrors: 0,
    upTransitions: 0,
    downTransitions: 0,
    dropped: {},
  };
  readonly name: string;
  readonly path: SessionPath;
  /** The lowest received TTL accepted: 255 single hop (RFC 5881 §5), 256 - `max_hops` multihop. */
  readonly minTtl: number;
  private params: SessionParams;
  private machine: MachineState;
  private readonly deadline: Deadline;
  private readonly afterPendingInput: ((fn: () => void) => void) | undefined;
  private stopped = false;

  constructor(
    options: SessionOptions,
    private readonly link: SessionLink,
    private readonly clock: Clock,
    localDiscr: number,
    seed: number,
  ) {
    super();
    this.deadline = new Deadline(clock, () => this.onTimer());
    this.afterPendingInput = options.afterPendingInput;
    validateParams(options.params);
    if (options.maxHops !== undefined && !(Number.isInteger(options.maxHops) && options.maxHops >= 1 && options.maxHops <= 255)) {
      throw new BfdError('BFD_ERR_CONFIG', `max_hops ${options.maxHops}: 1 to 255`);
    }
    this.name = options.name;
    this.path = options.path;
    this.params = options.params;
    if (options.minTtl !== undefined && !(Number.isInteger(options.minTtl) && options.minTtl >= 1 && options.minTtl <= 255)) {
      throw new BfdError('BFD_ERR_CONFIG', `minimum TTL ${options.minTtl}: 1 to 255`);
    }
    this.minTtl = options.minTtl ?? (options.path.kind === 'single-hop' ? 255 : 256 - (options.maxHops ?? 255));
    this.machine = initialState(options.params, localDiscr, seed);
  }

  get state(): SessionState {
    return this.machine.state;
  }

  get localDiscr(): number {
    return this.machine.localDiscr;
  }

  get status(): SessionStatus {
    const m = this.machine;
    return {
      state: m.state,
      remoteState: m.remoteState,
      localDiscr: m.localDiscr,
      remoteDiscr: m.remoteDiscr,
      localDiag: m.localDiag,
      txIntervalUs: negotiatedTxUs(m),
      detectTimeUs: negotiatedDetectUs(m),
      remoteMinRxUs: m.remoteMinRxUs,
      remoteDesiredMinTxUs: m.remoteDesiredMinTxUs,
      remoteDetectMult: m.remoteDetectMult,
      polling: m.polling,
    };
  }

  start(): void {
    this.dispatch({ kind: 'start' });
  }

  /** A control packet that passed the codec and demultiplexing checks for this session. */
  receive(packet: ControlPacket): void {
    this.stats.packetsReceived++;
    this.dispatch({ kind: 'packet', packet });
  }

  countDrop(reason: DropReason): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  /** RFC 5880 §6.8.16: the remote sees AdminDown (diag 7) and goes Down without declaring a failure. */
  adminDown(): void {
    this.dispatch({ kind: 'adminDown' });
  }

  adminUp(): void {
    this.dispatch({ kind: 'adminUp' });
  }

  /** New timers (a reload): renegotiated with a Poll Sequence while Up. */
  reconfigure(params: SessionParams): void {
    validateParams(params);
    this.params = params;
    this.dispatch({ kind: 'reconfigure' });
  }

  /** Sends AdminDown once (so the remote does not wait out its Detection Time), then goes silent. */
  stop(): void {
    if (this.stopped) return;
    this.dispatch({ kind: 'adminDown' });
    this.stopped = true;
    this.deadline.cancel();
    this.link.close();
  }

  /** The timer: when the Detection Time is due, judged only after the packets waiting to be read. */
  private onTimer(): void {
    const detectAt = this.machine.detectAt;
    if (this.afterPendingInput === undefined || detectAt === undefined || this.clock.now() < detectAt) {
      this.dispatch({ kind: 'timer' });
      return;
    }
    this.afterPendingInput(() => this.dispatch({ kind: 'timer' }));
  }

  private dispatch(event: MachineEvent): void {
    if (this.stopped) return;
    const out = step(this.params, this.machine, event, this.clock.now());
    this.machine = out.state;
    for (const action of out.actions) this.execute(action);
    this.deadline.arm(out.nextTimer);
  }

  private execute(action: MachineAction): void {
    switch (action.kind) {
      case 'send':
        this.send(action.packet);
        return;
      case 'transition':
        if (action.to === 'Up') this.stats.upTransitions++;
        if (action.from === 'Up') this.stats.downTransitions++;
        this.emit('transition', { session: this.name, from: action.from, to: action.to, diag: action.diag, reason: action.reason });
        return;
      case 'drop':
        this.countDrop(action.reason);
        return;
    }
  }

  private send(packet: ControlPacket): void {
    try {
      this.link.send(encode(packet));
      this.stats.packetsSent++;
      if (packet.poll) this.stats.pollsSent++;
      if (packet.final) this.stats.finalsSent++;
      this.emit('sent', packet);
    } catch (err) {
      this.stats.sendErrors++;
      this.emit('ioError', err instanceof Error ? err : new Error(String(err)));
    }
  }
}
