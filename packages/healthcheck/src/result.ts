/** What one check attempt found. */
export interface CheckResult {
  readonly ok: boolean;
  /** Why, in words an operator reads in `tandemctl status`: "connect ECONNREFUSED", "status 500". */
  readonly reason: string;
  /** MISC_CHECK with misc_dynamic: the weight the exit code asks for. */
  readonly weight?: number;
}

/** One check attempt; must settle by itself, and stop early when `signal` aborts. */
export type CheckFn = (signal: AbortSignal) => Promise<CheckResult>;

/**
 * One attempt of a check that ends within its timeout on its own (the native TCP connect has
 * its own timer) and reports through `done`, exactly once. The
 * scheduler spares such a check the promise, abort controller and limit timer of each
 * attempt, which at thousands of checks a second are most of the cost.
 */
export type SelfTimedCheckFn = (done: (r: CheckResult) => void) => void;

/** keepalived's timing of one checker, in milliseconds and counts. */
export interface CheckTiming {
  /** `delay_loop`: time between checks of a healthy (or settled) server. */
  readonly intervalMs: number;
  /** `retry`: further attempts after a failure before the server is declared down. */
  readonly retry: number;
  /** `delay_before_retry`. */
  readonly retryDelayMs: number;
  /** `warmup`: the first check happens at a random point in [0, warmupMs]. */
  readonly warmupMs: number;
  /** `alpha`: start down, so a server must pass once before it receives traffic. */
  readonly alpha: boolean;
  /** Hard limit of one attempt (connect_timeout plus margin); the attempt is aborted and counts as a failure. */
  readonly timeoutMs: number;
}
