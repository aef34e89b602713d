import type { Checker, CheckerOptions, RealServer, VirtualServer } from '@tandem/config';
import { httpCheck, tcpCheck, type CheckFn, type CheckTiming } from '@tandem/healthcheck';

/** Checker kinds tandem runs; the others are refused at start. */
export const RUNNABLE_CHECKERS: ReadonlySet<Checker['kind']> = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET']);

/** One check of one real server, ready for the scheduler. */
export interface PlannedCheck {
  readonly id: string;
  readonly virtualServer: string;
  readonly realServer: string;
  readonly kind: Checker['kind'];
  readonly timing: CheckTiming;
  readonly run: CheckFn;
  /** Where it connects, for logs: `198.51.100.11:80`. */
  readonly target: string;
}

/** A real server's display name: `ADDRESS:PORT` (`[v6]:PORT`). */
export function realServerName(rs: RealServer): string {
  const host = rs.family === 6 ? `[${rs.address}]` : rs.address;
  return rs.port !== undefined ? `${host}:${rs.port}` : host;
}

/** keepalived's defaults that depend on the checker kind (check_api.c). */
function defaults(kind: Checker['kind'], delayLoop: number): { retry: number; delayBeforeRetry: number } {
  switch (kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return { retry: 1, delayBeforeRetry: 3 };
    case 'DNS_CHECK':
      return { retry: 3, delayBeforeRetry: delayLoop };
    case 'MISC_CHECK':
      return { retry: 0, delayBeforeRetry: 1 };
    default:
      return { retry: 1, delayBeforeRetry: 1 };
  }
}

/** Options cascade as in keepalived: checker, then real server, then virtual server. */
function cascade(vs: VirtualServer, rs: RealServer, c: Checker): CheckerOptions {
  const pick = <K extends keyof CheckerOptions>(k: K): CheckerOptions[K] => c.options[k] ?? rs.options[k] ?? vs.options[k];
  const keys: Array<keyof CheckerOptions> = ['connectIp', 'connectPort', 'bindTo', 'bindPort', 'connectTimeout', 'retry', 'delayBeforeRetry', 'warmup', 'delayLoop', 'alpha', 'logAllFailures'];
  return Object.fromEntries(keys.map((k) => [k, pick(k)]).filter(([, v]) => v !== undefined)) as CheckerOptions;
}

/** Plans every runnable check of a virtual server; returns the kinds it cannot run. */
export function planChecks(vs: VirtualServer): { checks: PlannedCheck[]; unsupported: Checker['kind'][] } {
  const checks: PlannedCheck[] = [];
  const unsupported: Checker['kind'][] = [];
  for (const rs of vs.realServers) {
    rs.checkers.forEach((c, index) => {
      if (!RUNNABLE_CHECKERS.has(c.kind)) {
        unsupported.push(c.kind);
        return;
      }
      const o = cascade(vs, rs, c);
      const delayLoop = o.delayLoop ?? vs.delayLoop;
      const d = defaults(c.kind, delayLoop);
      const connectTimeout = o.connectTimeout ?? 5;
      const host = o.connectIp ?? rs.address;
      const port = o.connectPort ?? rs.port ?? (vs.key.kind === 'address' ? vs.key.port : undefined) ?? (c.kind === 'SSL_GET' ? 443 : 80);
      const timing: CheckTiming = {
        intervalMs: delayLoop * 1000,
        retry: o.retry ?? d.retry,
        retryDelayMs: (o.delayBeforeRetry ?? d.delayBeforeRetry) * 1000,
        warmupMs: (o.warmup ?? delayLoop) * 1000,
        alpha: o.alpha ?? vs.alpha,
        // The checker enforces connect_timeout itself; this is the scheduler's backstop.
        timeoutMs: connectTimeout * 1000 + 1000,
      };
      const local = { ...(o.bindTo !== undefined ? { localAddress: o.bindTo } : {}) };
      const run: CheckFn =
        c.kind === 'TCP_CHECK'
          ? tcpCheck({ host, port, timeoutMs: connectTimeout * 1000, ...local, ...(o.bindPort !== undefined ? { localPort: o.bindPort } : {}) })
          : c.kind === 'HTTP_GET' || c.kind === 'SSL_GET'
            ? httpCheck({
                host,
                port,
                tls: c.kind === 'SSL_GET',
                ...(c.kind === 'SSL_GET' && c.enableSni !== undefined ? { sni: c.enableSni } : {}),
                urls: c.urls,
                ...((c.virtualhost ?? rs.virtualhost ?? vs.virtualhost) !== undefined ? { virtualhost: (c.virtualhost ?? rs.virtualhost ?? vs.virtualhost)! } : {}),
                timeoutMs: connectTimeout * 1000,
                ...local,
              })
            : () => Promise.resolve({ ok: false, reason: `${c.kind} is not implemented` });
      checks.push({
        id: `${vs.name}|${realServerName(rs)}|${c.kind}#${index}`,
        virtualServer: vs.name,
        realServer: realServerName(rs),
        kind: c.kind,
        timing,
        run,
        target: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      });
    });
  }
  return { checks, unsupported };
}
