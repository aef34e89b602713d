/** A cancellable one-shot timer. */
export interface Timer {
  cancel(): void;
}

/** Monotonic milliseconds and one-shot timers; the same shape as vrrp's, injected so tests use a fake. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
};
