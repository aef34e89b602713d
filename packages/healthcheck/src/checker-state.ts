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
 * the failure after the last retry takes it down. Returns `s` itself when nothing changed.
 */
export function nextCheckerState(s: CheckerState, r: CheckResult, timing: CheckTiming): CheckerState {
  // A steady verdict keeps its state object: at thousands of checks a second, a fresh object
  // per check lives a whole interval and is promoted, and old-space garbage grows the RSS.
  if (r.ok) return s.up && s.failures === 0 && s.lastReason === r.reason ? s : { up: true, failures: 0, lastReason: r.reason };
  const failures = s.failures + 1;
  if (failures <= timing.retry) return { up: s.up, failures, lastReason: r.reason };
  const reason = timing.retry > 0 ? `${r.reason} (after ${timing.retry} ${timing.retry === 1 ? 'retry' : 'retries'})` : r.reason;
  return !s.up && s.failures === 0 && s.lastReason === reason ? s : { up: false, failures: 0, lastReason: reason };
}

/** When the attempt after one that left `s` is due, from the time that one was due: a retry, or the next round. */
export function delayAfter(s: CheckerState, timing: CheckTiming): number {
  return s.failures > 0 ? timing.retryDelayMs : timing.intervalMs;
}

/** One attempt's whole outcome: the next state, when to check again, and the verdict change if any. */
export function onResult(s: CheckerState, r: CheckResult, timing: CheckTiming): CheckerStep {
  const state = nextCheckerState(s, r, timing);
  return { state, nextInMs: delayAfter(state, timing), ...(state.up !== s.up ? { change: { up: state.up, reason: state.lastReason } } : {}) };
}
