import { promises as dns } from 'node:dns';
import type { CheckFn, CheckResult } from '../result.js';

export type DnsCheckType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';

/** DNS_CHECK: the server must answer the query with at least one record. */
export interface DnsCheckOptions {
  readonly host: string;
  readonly port: number;
  readonly type: DnsCheckType;
  readonly name: string;
  readonly timeoutMs: number;
}

export function dnsCheck(o: DnsCheckOptions): CheckFn {
  return async (signal) => {
    const resolver = new dns.Resolver({ timeout: o.timeoutMs, tries: 1 });
    resolver.setServers([o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`]);
    const onAbort = (): void => resolver.cancel();
    signal.addEventListener('abort', onAbort);
    // c-ares waits about twice its timeout before it gives up, even with one try: the
    // check keeps connect_timeout itself, as keepalived does.
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      resolver.cancel();
    }, o.timeoutMs);
    const q = `${o.type} ${o.name}`;
    try {
      const answer: unknown = await resolver.resolve(o.name, o.type);
      const count = Array.isArray(answer) ? answer.length : answer === undefined || answer === null ? 0 : 1;
      return count > 0 ? ({ ok: true, reason: `${q}: ${count} answer${count === 1 ? '' : 's'}` } satisfies CheckResult) : { ok: false, reason: `${q}: no answer` };
    } catch (err) {
      if (timedOut) return { ok: false, reason: `${q}: no answer within ${o.timeoutMs} ms` };
      return { ok: false, reason: `${q}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    } finally {
      clearTimeout(limit);
      signal.removeEventListener('abort', onAbort);
    }
  };
}
