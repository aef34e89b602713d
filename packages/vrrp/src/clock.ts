/** A cancellable one-shot timer. */
export interface Timer {
  cancel(): void;
}

/** Monotonic time in milliseconds and one-shot timers; injected so that tests use a fake. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): Timer;
}

/** The process's monotonic clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A clock that moves only when told to; timers fire in deadline order. For tests and simulations. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const id = this.seq++;
    this.pending.set(id, { at: this.current + Math.max(0, delayMs), fn });
    return { cancel: () => this.pending.delete(id) };
  }

  /**
   * Moves time forward by `ms` firing nothing, as for a process that was not scheduled (a
   * stopped VM, a loaded host): the timers that fell due fire, late, at the next `advance`.
   */
  stall(ms: number): void {
    this.current += ms;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.pending) {
        if (t.at <= end && t.at < nextAt) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const t = this.pending.get(nextId)!;
      this.pending.delete(nextId);
      this.current = Math.max(this.current, t.at);
      t.fn();
    }
    this.current = end;
  }
}

/**
 * One deadline on a clock, for a state machine's `nextTimer`: `arm(at)` replaces the previous
 * deadline (undefined: none), and `onDue` runs once the clock has reached it. A timer may
 * fire up to a millisecond early against a sub-millisecond clock; then it waits the rest.
 */
export class Deadline {
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  arm(at: number | undefined): void {
    this.cancel();
    if (at === undefined) return;
    const fire = (): void => {
      this.timer = undefined;
      if (this.clock.now() < at) {
        this.arm(at);
        return;
      }
      this.onDue();
    };
    this.timer = this.clock.setTimer(at - this.clock.now(), fire);
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
