import { EventEmitter } from 'node:events';
import { delayAfter, initialCheckerState, nextCheckerState, type CheckerState } from './checker-state.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { MinHeap } from './heap.js';
import type { CheckFn, CheckResult, CheckTiming, SelfTimedCheckFn } from './result.js';

/** Defers a pump to the end of the current turn: a resolved promise's reaction is cheaper than queueMicrotask's wrapper. */
const RESOLVED = Promise.resolve();

/** One checker of one real server. */
export interface CheckSpec {
  readonly id: string;
  readonly timing: CheckTiming;
  readonly run: CheckFn;
  /** The same check in its self-timed form; when given, the scheduler runs this instead of `run`. */
  readonly runSelfTimed?: SelfTimedCheckFn;
  /** Starts suspended (ha_suspend without its address): see `suspend`. */
  readonly suspended?: boolean;
}

/** A verdict change of one checker. */
export interface CheckChange {
  readonly id: string;
  readonly up: boolean;
  readonly reason: string;
  readonly at: number;
}

/** The last known state of one checker, for status output. */
export interface CheckStatus {
  readonly up: boolean;
  readonly reason: string;
  /** Clock time of the last finished attempt, if any. */
  readonly lastCheck: number | undefined;
  readonly lastResult: CheckResult | undefined;
}

export interface SchedulerOptions {
  /** Attempts in flight at most (bounded so 10,000 checks never open 10,000 sockets at once). */
  readonly concurrency?: number;
  /** [0, 1) source for warmup offsets; injected for tests. */
  readonly random?: () => number;
}

export interface SchedulerEvents {
  change: [CheckChange];
  /** A finished attempt asked for a weight (MISC_CHECK with misc_dynamic): the check's id and the weight. */
  weight: [string, number];
  /** A check's first attempt ended and left its verdict as it was (no `change`): keepalived's checkers still report a first run (`has_run`). */
  first: [CheckChange];
}

interface Entry {
  readonly spec: CheckSpec;
  state: CheckerState;
  due: number;
  running: boolean;
  removed: boolean;
  /** ha_suspend: not run, its verdict kept, until resumed. */
  suspended: boolean;
  lastCheck: number | undefined;
  lastResult: CheckResult | undefined;
  abort?: AbortController;
  /** Ends the attempt in flight; made once per check, not per attempt. */
  readonly done: (r: CheckResult) => void;
}

/**
 * Runs every check of the daemon from one queue and one timer: first attempts
 * spread over each check's warmup, later ones at fixed steps from the time they
 * were due (no drift), at most `concurrency` in flight, and never two attempts
 * of one check at once.
 */
export class CheckScheduler extends EventEmitter<SchedulerEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<Entry>((e) => e.due);
  /** Due attempts waiting for a free slot, from readyHead to readyTail. */
  private readonly ready: Array<Entry | undefined> = [];
  private readyHead = 0;
  private readyTail = 0;
  private running = 0;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private stopped = false;
  /** Results that end in one event-loop turn share one pump and one reading of the clock. */
  private pumpQueued = false;
  private turnNow: number | undefined;
  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    this.turnNow = undefined;
    this.pump();
  };
  private readonly concurrency: number;
  private readonly random: () => number;

  constructor(
    private readonly clock: Clock = systemClock,
    options: SchedulerOptions = {},
  ) {
    super();
    this.concurrency = options.concurrency ?? 256;
    this.random = options.random ?? Math.random;
  }

  add(spec: CheckSpec): void {
    if (this.entries.has(spec.id)) throw new Error(`check ${spec.id} is already scheduled`);
    const e: Entry = {
      spec,
      state: initialCheckerState(spec.timing),
      due: this.clock.now() + this.random() * spec.timing.warmupMs,
      running: false,
      removed: false,
      suspended: spec.suspended === true,
      lastCheck: undefined,
      lastResult: undefined,
      done: (r) => this.finish(e, r),
    };
    this.entries.set(spec.id, e);
    this.heap.push(e);
    this.pump();
  }

  /** Stops scheduling a check; an attempt in flight is aborted and its result ignored. */
  remove(id: string): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    e.removed = true;
    e.abort?.abort();
    this.entries.delete(id);
  }

  /**
   * keepalived's ha_suspend: a suspended check is not run and keeps its verdict; its turns
   * come and go one delay_loop apart, so it runs again at its next turn once resumed.
   */
  suspend(id: string, suspended: boolean): void {
    const e = this.entries.get(id);
    if (e !== undefined) e.suspended = suspended;
  }

  status(id: string): CheckStatus | undefined {
    const e = this.entries.get(id);
    return e === undefined ? undefined : { up: e.state.up, reason: e.state.lastReason, lastCheck: e.lastCheck, lastResult: e.lastResult };
  }

  get inFlight(): number {
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    for (let top = this.heap.peek(); top !== undefined && top.due <= now; top = this.heap.peek()) {
      const e = this.heap.pop()!;
      if (!e.removed) this.ready[this.readyTail++] = e;
    }
    while (this.running < this.concurrency && this.readyHead < this.readyTail) {
      const e = this.ready[this.readyHead]!;
      this.ready[this.readyHead++] = undefined;
      if (e.removed) continue;
      if (e.suspended) this.skip(e, now);
      else this.start(e);
    }
    // Emptied, the queue starts again at 0 but keeps its storage: no reallocation per turn.
    // Never emptied (more due than the concurrency lets run), its live part moves down.
    if (this.readyHead === this.readyTail) this.readyHead = this.readyTail = 0;
    else if (this.readyHead > 4096 && this.readyHead * 2 > this.readyTail) {
      this.ready.copyWithin(0, this.readyHead, this.readyTail);
      this.readyTail -= this.readyHead;
      this.ready.fill(undefined, this.readyTail);
      this.readyHead = 0;
    }
    this.arm();
  }

  private arm(): void {
    let next = this.heap.peek();
    while (next !== undefined && next.removed) {
      this.heap.pop();
      next = this.heap.peek();
    }
    const at = next?.due ?? Infinity;
    // A timer already due sooner stays: when it fires early (its check was removed) it only
    // re-arms. Re-arming only for earlier times keeps it to one timer per firing.
    if (at >= this.timerAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    });
  }

  /** A suspended check's turn passes: the next one a delay_loop later. */
  private skip(e: Entry, now: number): void {
    e.due = Math.max(e.due + e.spec.timing.intervalMs, now + 1);
    this.heap.push(e);
  }

  private start(e: Entry): void {
    this.running++;
    e.running = true;
    if (e.spec.runSelfTimed !== undefined) {
      e.abort = undefined;
      try {
        e.spec.runSelfTimed(e.done);
      } catch (err) {
        e.done({ ok: false, reason: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    const abort = new AbortController();
    e.abort = abort;
    const limit = this.clock.setTimer(e.spec.timing.timeoutMs, () => abort.abort());
    let attempt: Promise<CheckResult>;
    try {
      attempt = e.spec.run(abort.signal);
    } catch (err) {
      attempt = Promise.reject(err);
    }
    void attempt
      .catch((err: unknown): CheckResult => ({ ok: false, reason: err instanceof Error ? err.message : String(err) }))
      .then((r) => {
        limit.cancel();
        this.finish(e, abort.signal.aborted && !r.ok ? { ok: false, reason: `no answer within ${e.spec.timing.timeoutMs} ms` } : r);
      });
  }

  private finish(e: Entry, result: CheckResult): void {
    if (!e.running) return;
    this.running--;
    e.running = false;
    this.queuePump();
    if (e.removed || this.stopped) return;
    const now = (this.turnNow ??= this.clock.now());
    const before = e.state;
    const state = nextCheckerState(before, result, e.spec.timing);
    const first = e.lastCheck === undefined;
    e.state = state;
    e.lastCheck = now;
    e.lastResult = result;
    // From the time the attempt was due, not when it finished: no drift.
    e.due = Math.max(e.due + delayAfter(state, e.spec.timing), now);
    this.heap.push(e);
    if (result.weight !== undefined) this.emit('weight', e.spec.id, result.weight);
    if (state.up !== before.up) this.emit('change', { id: e.spec.id, up: state.up, reason: state.lastReason, at: now });
    else if (first) this.emit('first', { id: e.spec.id, up: state.up, reason: state.lastReason, at: now });
  }

  private queuePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    void RESOLVED.then(this.queuedPump);
  }
}
