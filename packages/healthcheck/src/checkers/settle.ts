import type { CheckResult } from '../result.js';

/**
 * One check attempt's way out, shared by the socket checkers: the first of
 * result, timeout or abort wins, and the timer, the abort listener and the
 * socket are released exactly once.
 */
export function settleOnce(
  signal: AbortSignal,
  timeoutMs: number,
  onTimeout: () => CheckResult,
  release: () => void,
  resolve: (r: CheckResult) => void,
): (r: CheckResult) => void {
  let settled = false;
  const done = (r: CheckResult): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    release();
    resolve(r);
  };
  const timer = setTimeout(() => done(onTimeout()), timeoutMs);
  const onAbort = (): void => done({ ok: false, reason: 'aborted' });
  signal.addEventListener('abort', onAbort);
  return done;
}
