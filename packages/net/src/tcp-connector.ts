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

/**
 * TCP_CHECK's connects in native code, as keepalived makes them: a non-blocking socket, a
 * connect, a wait for writability with a timeout, SO_ERROR, close. One object serves every
 * check; no Node socket (a stream with its buffers and events) is built per check, which
 * at thousands of checks a second is most of the cost.
 */
export class TcpConnector {
  /** One result object per outcome, shared: results live until the next check. */
  private readonly outcomes = new Map<string, TcpOutcome>();

  private readonly prober: NativeTcpProber;
  // Connects in flight by slot: the slot is the id the native side reports back, and slots
  // are reused, so a steady stream of checks allocates no map entries or closures.
  private readonly doneBySlot: Array<((r: TcpOutcome) => void) | undefined> = [];
  private readonly targetBySlot: Array<TcpTarget | undefined> = [];
  private readonly freeSlots: number[] = [];
  /** Each target object's number in the native prober: its addresses are parsed once, not per connect. */
  private readonly targetIds = new WeakMap<TcpTarget, number>();

  constructor() {
    this.prober = new (native().TcpProber)((pairs, count) => {
      for (let i = 0; i + 1 < count; i += 2) this.settle(pairs[i]!, pairs[i + 1]!);
    });
  }

  /** Resolves with 'connected', or the reason the connect failed (`connect ECONNREFUSED`, a timeout). */
  connect(t: TcpTarget): Promise<TcpOutcome> {
    return new Promise((resolve) => this.probe(t, resolve));
  }

  /** The same connect, reported through `done` (always later, never from inside this call). */
  probe(t: TcpTarget, done: (r: TcpOutcome) => void): void {
    const slot = this.freeSlots.pop() ?? this.doneBySlot.length;
    this.doneBySlot[slot] = done;
    this.targetBySlot[slot] = t;
    try {
      let target = this.targetIds.get(t);
      if (target === undefined) this.targetIds.set(t, (target = this.prober.addTarget(t.host, t.port, t.localAddress ?? '', t.localPort ?? 0)));
      this.prober.probe(slot, target, t.timeoutMs);
    } catch (err) {
      this.release(slot);
      const outcome = { ok: false, reason: `connect ${(err as Error).message}` };
      queueMicrotask(() => done(outcome));
    }
  }

  close(): void {
    this.prober.close();
    for (let slot = 0; slot < this.doneBySlot.length; slot++) if (this.doneBySlot[slot] !== undefined) this.settle(slot, constants.errno.ECANCELED);
  }

  private settle(slot: number, errno: number): void {
    const done = this.doneBySlot[slot];
    const t = this.targetBySlot[slot];
    if (done === undefined || t === undefined) return;
    this.release(slot);
    done(errno === 0 ? CONNECTED : this.failure(errno === constants.errno.ETIMEDOUT ? `connect timeout after ${t.timeoutMs} ms` : `connect ${errnoName(errno)}`));
  }

  private release(slot: number): void {
    this.doneBySlot[slot] = undefined;
    this.targetBySlot[slot] = undefined;
    this.freeSlots.push(slot);
  }

  private failure(reason: string): TcpOutcome {
    let outcome = this.outcomes.get(reason);
    if (outcome === undefined) this.outcomes.set(reason, (outcome = Object.freeze({ ok: false, reason })));
    return outcome;
  }
}
