import type { CheckFn, CheckResult } from '../result.js';

/** Sends one ICMP echo and waits for its reply; `packages/net` implements it with a raw socket. */
export interface Pinger {
  ping(host: string, timeoutMs: number, signal: AbortSignal): Promise<CheckResult>;
}

/** PING_CHECK: an echo reply within connect_timeout. */
export function pingCheck(pinger: Pinger, host: string, timeoutMs: number): CheckFn {
  return (signal) => pinger.ping(host, timeoutMs, signal);
}
