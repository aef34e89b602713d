/** A cancellable one-shot timer. */
export interface Timer {
  cancel(): void;
}

/** Monotonic time in milliseconds and one-shot timers; injected so that tests use a fake. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): Timer;
  /** A timer due at the clock's time `at` (a clock without it: `setTimer(at - now())`). */
  setTimerAt?(at: number, fn: () => void): Timer;
}

/** The process's monotonic clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};

interface OrderedEntry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
  /** Out of the heap: fired, or dropped when cancelled. */
  gone: boolean;
}

const before = (a: OrderedEntry, b: OrderedEntry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** setTimeout's longest delay; a longer one would fire at once. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The process's monotonic clock whose timers fire in the order of their deadlines, and of their
 * arming for equal ones: one setTimeout for the earliest, the rest in a heap. setTimeout alone
 * does not keep that order for deadlines less than a millisecond apart (a timer that woke a
 * little early and waited the rest could run after a later one), and the VRRP side needs it:
 * sync group members that entered BACKUP together time out in that order, and the last one
 * takes the group to MASTER first, as in keepalived, run after run. A timer armed while others
 * run waits for a later turn, as with setTimeout.
 */
export class OrderedClock implements Clock {
  private heap: OrderedEntry[] = [];
  /** Cancelled entries still in the heap. */
  private dead = 0;
  private seq = 0;
  private handle: ReturnType<typeof setTimeout> | undefined;
  private handleAt = Infinity;

  now(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    return this.setTimerAt(this.now() + Math.max(0, delayMs), fn);
  }

  setTimerAt(at: number, fn: () => void): Timer {
    const entry: OrderedEntry = { at, seq: this.seq++, fn, cancelled: false, gone: false };
    this.push(entry);
    this.wake();
    return { cancel: () => this.cancel(entry) };
  }

  /** Timers still armed. */
  get pending(): number {
    return this.heap.length - this.dead;
  }

  /** Entries the heap holds, cancelled ones included (they leave at the front, or all at once when they are most of it). */
  get held(): number {
    return this.heap.length;
  }

  private cancel(e: OrderedEntry): void {
    if (e.cancelled || e.gone) return;
    e.cancelled = true;
    // The front cancelled: the one setTimeout moves to the next (or goes, so a process with no timer left can exit).
    if (this.heap[0] === e) {
      this.dead++;
      this.wake();
      return;
    }
    // A backup re-arms its master-down timer at every advert: the cancelled ones are dropped
    // in one pass once they are most of the heap, not only when they reach its front.
    if (++this.dead > 64 && this.dead * 2 > this.heap.length) {
      this.heap = this.heap.filter((x) => !x.cancelled).sort((a, b) => (before(a, b) ? -1 : 1));
      this.dead = 0;
    }
  }

  /** Arms the one setTimeout for the earliest live timer. */
  private wake(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    const head = this.heap[0];
    if (head === undefined) {
      if (this.handle !== undefined) clearTimeout(this.handle);
      this.handle = undefined;
      this.handleAt = Infinity;
      return;
    }
    if (this.handle !== undefined && this.handleAt <= head.at) return;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handleAt = head.at;
    this.handle = setTimeout(() => this.fire(), Math.min(LONGEST_TIMEOUT_MS, Math.max(0, head.at - this.now())));
  }

  private fire(): void {
    this.handle = undefined;
    this.handleAt = Infinity;
    const now = this.now();
    const armedBefore = this.seq;
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || head.at > now) break;
      if (!head.cancelled && head.seq >= armedBefore) break;
      this.pop();
      if (head.cancelled) continue;
      try {
        head.fn();
      } catch (err) {
        // As from a setTimeout callback, the error goes on up; the other timers still run.
        this.wake();
        throw err;
      }
    }
    this.wake();
  }

  private push(e: OrderedEntry): void {
    const h = this.heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(e, h[up]!)) break;
      h[i] = h[up]!;
      i = up;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const top = h[0]!;
    top.gone = true;
    if (top.cancelled) this.dead--;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const c = l + 1 < h.length && before(h[l + 1]!, h[l]!) ? l + 1 : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

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
    this.timer = this.clock.setTimerAt !== undefined ? this.clock.setTimerAt(at, fire) : this.clock.setTimer(at - this.clock.now(), fire);
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
