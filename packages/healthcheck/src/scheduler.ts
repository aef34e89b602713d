import { EventEmitter } from 'node:events';
import { initialCheckerState, onResult, type CheckerState } from './checker-state.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { MinHeap } from './heap.js';
import type { CheckFn, CheckResult, CheckTiming } from './result.js';

/** One checker of one real server. */
export interface CheckSpec {
  readonly id: string;
  readonly timing: CheckTiming;
  readonly run: CheckFn;
  /**
   * `run` always settles within `timing.timeoutMs` on its own (the native TCP connect has its
   * own timer): the scheduler then spares the per-attempt abort controller and limit timer,
   * which at thousands of checks a second are a good part of the cost.
   */
  readonly selfTimed?: boolean;
}

/** The signal self-timed checks get: never aborted. */
const NEVER = new AbortController().signal;

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
  result: [string, CheckResult];
}

interface Entry {
  readonly spec: CheckSpec;
  state: CheckerState;
  due: number;
  running: boolean;
  removed: boolean;
  lastCheck: number | undefined;
  lastResult: CheckResult | undefined;
  abort?: AbortController;
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
  private readonly ready: Entry[] = [];
  private readyHead = 0;
  private running = 0;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private stopped = false;
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
      lastCheck: undefined,
      lastResult: undefined,
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
      if (!e.removed) this.ready.push(e);
    }
    while (this.running < this.concurrency && this.readyHead < this.ready.length) {
      const e = this.ready[this.readyHead++]!;
      if (!e.removed) this.start(e);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
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
    if (at === this.timerAt) return;
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

  private start(e: Entry): void {
    this.running++;
    e.running = true;
    const selfTimed = e.spec.selfTimed === true;
    const abort = selfTimed ? undefined : new AbortController();
    e.abort = abort;
    const limit = abort === undefined ? undefined : this.clock.setTimer(e.spec.timing.timeoutMs, () => abort.abort());
    let attempt: Promise<CheckResult>;
    try {
      attempt = e.spec.run(abort?.signal ?? NEVER);
    } catch (err) {
      attempt = Promise.reject(err);
    }
    void attempt
      .catch((err: unknown): CheckResult => ({ ok: false, reason: err instanceof Error ? err.message : String(err) }))
      .then((r) => {
        limit?.cancel();
        this.running--;
        e.running = false;
        if (e.removed || this.stopped) {
          this.pump();
          return;
        }
        const result: CheckResult = abort?.signal.aborted === true && !r.ok ? { ok: false, reason: `no answer within ${e.spec.timing.timeoutMs} ms` } : r;
        const now = this.clock.now();
        const step = onResult(e.state, result, e.spec.timing);
        e.state = step.state;
        e.lastCheck = now;
        e.lastResult = result;
        // From the time the attempt was due, not when it finished: no drift.
        e.due = Math.max(e.due + step.nextInMs, now);
        this.heap.push(e);
        this.emit('result', e.spec.id, result);
        if (step.change !== undefined) this.emit('change', { id: e.spec.id, up: step.change.up, reason: step.change.reason, at: now });
        this.pump();
      });
  }
}
