import type { CheckResult, CheckTiming } from './result.js';

/** What the checker remembers between attempts. */
export interface CheckerState {
  readonly up: boolean;
  /** Consecutive failures since the last success or verdict. */
  readonly failures: number;
  readonly lastReason: string;
}

export interface CheckerStep {
  readonly state: CheckerState;
  /** When to run the next attempt, from the time this one was due. */
  readonly nextInMs: number;
  /** Set when the verdict changed. */
  readonly change?: { readonly up: boolean; readonly reason: string };
}

export function initialCheckerState(timing: CheckTiming): CheckerState {
  return { up: !timing.alpha, failures: 0, lastReason: timing.alpha ? 'alpha: down until the first success' : 'not checked yet' };
}

/**
 * keepalived's verdict rules as a pure function: one success brings a server
 * up; a failure is retried `retry` times, `delay_before_retry` apart, and only
 * the failure after the last retry takes it down.
 */
export function onResult(s: CheckerState, r: CheckResult, timing: CheckTiming): CheckerStep {
  // A steady verdict keeps its state object: at thousands of checks a second, a fresh object
  // per check lives a whole interval and is promoted, and old-space garbage grows the RSS.
  if (r.ok) {
    const state: CheckerState = s.up && s.failures === 0 && s.lastReason === r.reason ? s : { up: true, failures: 0, lastReason: r.reason };
    return { state, nextInMs: timing.intervalMs, ...(s.up ? {} : { change: { up: true, reason: r.reason } }) };
  }
  const failures = s.failures + 1;
  if (failures <= timing.retry) {
    return { state: { ...s, failures, lastReason: r.reason }, nextInMs: timing.retryDelayMs };
  }
  const reason = timing.retry > 0 ? `${r.reason} (after ${timing.retry} ${timing.retry === 1 ? 'retry' : 'retries'})` : r.reason;
  const state: CheckerState = !s.up && s.failures === 0 && s.lastReason === reason ? s : { up: false, failures: 0, lastReason: reason };
  return { state, nextInMs: timing.intervalMs, ...(s.up ? { change: { up: false, reason } } : {}) };
}
