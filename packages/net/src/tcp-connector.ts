import { constants } from 'node:os';
import { errnoName } from './errors.js';
import { native, type NativeTcpProber } from './native.js';

/** Where a TCP_CHECK connects, in the shape healthcheck's TcpConnector takes. */
export interface TcpTarget {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs: number;
}

/** How one connect ended. */
export interface TcpOutcome {
  readonly ok: boolean;
  readonly reason: string;
}

const CONNECTED: TcpOutcome = Object.freeze({ ok: true, reason: 'connected' });
const RESOLVED = Promise.resolve();

/**
 * TCP_CHECK's connects in native code, as keepalived makes them: a non-blocking socket, a
 * connect, a wait for writability with a timeout, SO_ERROR, close. One object serves every
 * check; no Node socket (a stream with its buffers and events) is built per check, which
 * at thousands of checks a second is most of the cost. The connects asked for in one turn
 * go to native code together at its end, and their results come back together: two
 * crossings per turn, however many checks.
 */
export class TcpConnector {
  /** One result object per outcome, shared: results live until the next check. */
  private readonly outcomes = new Map<string, TcpOutcome>();

  private readonly prober: NativeTcpProber;
  // Connects in flight by slot: the slot is the id the native side reports back, and slots
  // are reused, so a steady stream of checks allocates no map entries or closures.
  private readonly doneBySlot: Array<((r: TcpOutcome) => void) | undefined> = [];
  private readonly timeoutBySlot: number[] = [];
  private readonly freeSlots: number[] = [];
  /** (slot, target, timeoutMs) of the connects asked for this turn. */
  private queue = new Float64Array(3 * 256);
  private queued = 0;
  private flushQueued = false;
  private readonly flush = (): void => {
    this.flushQueued = false;
    const n = this.queued;
    this.queued = 0;
    if (n > 0) this.prober.submit(this.queue, n);
  };

  constructor() {
    this.prober = new (native().TcpProber)((pairs, count) => {
      for (let i = 0; i + 1 < count; i += 2) this.settle(pairs[i]!, pairs[i + 1]!);
    });
  }

  /**
   * The connect to a target, reported through `done`: always later, never from inside the
   * call. The target is prepared (its addresses parsed in native code) at its first connect,
   * not here: a start plans 10,000 checks before the first of them runs, and the IPVS table
   * waits for that planning.
   */
  prepare(t: TcpTarget): (done: (r: TcpOutcome) => void) => void {
    let target: number | undefined;
    let refused: TcpOutcome | undefined;
    return (done) => {
      if (target === undefined && refused === undefined) {
        try {
          target = this.prober.addTarget(t.host, t.port, t.localAddress ?? '', t.localPort ?? 0);
        } catch (err) {
          refused = Object.freeze({ ok: false, reason: `connect ${(err as Error).message}` });
        }
      }
      if (refused !== undefined) {
        const outcome = refused;
        void RESOLVED.then(() => done(outcome));
      } else this.enqueue(target!, t.timeoutMs, done);
    };
  }

  /** Resolves with 'connected', or the reason the connect failed (`connect ECONNREFUSED`, a timeout). */
  connect(t: TcpTarget): Promise<TcpOutcome> {
    const start = this.prepare(t);
    return new Promise((resolve) => start(resolve));
  }

  close(): void {
    this.prober.close();
    this.queued = 0;
    for (let slot = 0; slot < this.doneBySlot.length; slot++) if (this.doneBySlot[slot] !== undefined) this.settle(slot, constants.errno.ECANCELED);
  }

  private enqueue(target: number, timeoutMs: number, done: (r: TcpOutcome) => void): void {
    const slot = this.freeSlots.pop() ?? this.doneBySlot.length;
    this.doneBySlot[slot] = done;
    this.timeoutBySlot[slot] = timeoutMs;
    if (this.queued + 3 > this.queue.length) {
      const grown = new Float64Array(this.queue.length * 2);
      grown.set(this.queue);
      this.queue = grown;
    }
    const q = this.queue;
    q[this.queued] = slot;
    q[this.queued + 1] = target;
    q[this.queued + 2] = timeoutMs;
    this.queued += 3;
    if (!this.flushQueued) {
      this.flushQueued = true;
      void RESOLVED.then(this.flush);
    }
  }

  private settle(slot: number, errno: number): void {
    const done = this.doneBySlot[slot];
    if (done === undefined) return;
    this.doneBySlot[slot] = undefined;
    this.freeSlots.push(slot);
    done(errno === 0 ? CONNECTED : this.failure(errno === constants.errno.ETIMEDOUT ? `connect timeout after ${this.timeoutBySlot[slot]} ms` : `connect ${errnoName(errno)}`));
  }

  private failure(reason: string): TcpOutcome {
    let outcome = this.outcomes.get(reason);
    if (outcome === undefined) this.outcomes.set(reason, (outcome = Object.freeze({ ok: false, reason })));
    return outcome;
  }
}
