import { modelKey, type Checker, type CheckerOptions, type HttpUrl, type RealServer, type VirtualServer } from '@tandem/config';
import { hostname } from 'node:os';
import { dnsCheck, httpCheck, miscCheck, pingCheck, smtpCheck, tcpCheck, udpCheck, type BodyRegex, type CheckFn, type CheckTiming, type HttpUrlCheck, type Pinger, type SelfTimedCheckFn, type SocketMaker, type TcpConnector, type TlsClientMaterial } from '@tandem/healthcheck';
import { RUNNABLE_CHECKERS } from './runnable.js';
import { preparedOrDisabled, ScriptUnavailable, userFields, type ScriptPreparer } from './script-prep.js';

/** Checkers driven by events rather than the scheduler (the file watcher, the BFD side). */
const EVENT_CHECKERS: ReadonlySet<Checker['kind']> = new Set(['FILE_CHECK', 'BFD_CHECK']);

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
  /** Equal for two plans of the same check: a reload keeps such a check and its history. */
  readonly signature: string;
  /** The same check in the scheduler's self-timed form, when it has one (TCP_CHECK through the native connector). */
  readonly runSelfTimed?: SelfTimedCheckFn;
}

/** What checks with keepalived's bind_if, fwmark and the global SSL block need from the host. */
export interface CheckResources {
  /** A pinger whose sockets carry bind_if / fwmark. */
  pingerFor(bindIf: string | undefined, fwmark: number | undefined): Pinger;
  /** Sockets with bind_if / fwmark set before they send. */
  socketsFor(bindIf: string | undefined, fwmark: number | undefined): SocketMaker;
  /** The global SSL block's certificate, key and CA, read; or why they could not be. */
  readonly tls?: { readonly material: TlsClientMaterial } | { readonly error: string };
}

/** A url as the HTTP checker takes it: the regex compiled. */
function urlCheck(u: HttpUrl): HttpUrlCheck {
  const r = u.regex;
  const regex: BodyRegex | undefined =
    r === undefined ? undefined : { regex: new RegExp(r.source, r.flags), noMatch: r.noMatch, minOffset: r.minOffset, ...(r.maxOffset !== undefined ? { maxOffset: r.maxOffset } : {}), firstLine: r.firstLine };
  return { path: u.path, statusCodes: u.statusCodes, ...(u.digest !== undefined ? { digest: u.digest } : {}), ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}), ...(regex !== undefined ? { regex } : {}) };
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

const CASCADED: ReadonlyArray<keyof CheckerOptions> = ['connectIp', 'connectPort', 'bindTo', 'bindPort', 'connectTimeout', 'retry', 'delayBeforeRetry', 'warmup', 'delayLoop', 'alpha', 'logAllFailures', 'bindIf', 'fwmark'];

/** Options cascade as in keepalived: checker, then real server, then virtual server. */
function cascade(vs: VirtualServer, rs: RealServer, c: Checker): CheckerOptions {
  const out: Record<string, unknown> = {};
  for (const k of CASCADED) {
    const v = c.options[k] ?? rs.options[k] ?? vs.options[k];
    if (v !== undefined) out[k] = v;
  }
  return out as CheckerOptions;
}

/** Plans every runnable check of a virtual server; returns the kinds it cannot run. */
export function planChecks(vs: VirtualServer, prepare?: ScriptPreparer, pinger?: Pinger, tcp?: TcpConnector, resources?: CheckResources): { checks: PlannedCheck[]; unsupported: Checker['kind'][]; disabled: string[] } {
  const checks: PlannedCheck[] = [];
  const unsupported: Checker['kind'][] = [];
  const disabled: string[] = [];
  for (const rs of vs.realServers) {
    // Most real servers of a large table have no checker: nothing to name or plan.
    if (rs.checkers.length === 0) continue;
    const rsName = realServerName(rs);
    rs.checkers.forEach((c, index) => {
      if (!RUNNABLE_CHECKERS.has(c.kind)) {
        unsupported.push(c.kind);
        return;
      }
      if (EVENT_CHECKERS.has(c.kind)) return;
      // keepalived removes a MISC_CHECK whose script it cannot find ("Disabling misc script ...
      // since not found/accessible"); the real server keeps its other checkers, or none.
      const script = c.kind === 'MISC_CHECK' && prepare !== undefined ? preparedOrDisabled(prepare, { command: c.path, ...userFields(c.user), pos: c.pos }) : undefined;
      if (script instanceof ScriptUnavailable) {
        disabled.push(`(${vs.name}) ${rsName}: MISC_CHECK disabled: ${script.message}`);
        return;
      }
      const o = cascade(vs, rs, c);
      const delayLoop = o.delayLoop ?? vs.delayLoop;
      const d = defaults(c.kind, delayLoop);
      const connectTimeout = o.connectTimeout ?? 5;
      const host = o.connectIp ?? rs.address;
      const defaultPort = c.kind === 'SSL_GET' ? 443 : c.kind === 'DNS_CHECK' ? 53 : c.kind === 'SMTP_CHECK' ? 25 : 80;
      const port = o.connectPort ?? (c.kind === 'DNS_CHECK' ? undefined : rs.port ?? (vs.key.kind === 'address' ? vs.key.port : undefined)) ?? defaultPort;
      const timing: CheckTiming = {
        intervalMs: delayLoop * 1000,
        retry: o.retry ?? d.retry,
        retryDelayMs: (o.delayBeforeRetry ?? d.delayBeforeRetry) * 1000,
        warmupMs: (o.warmup ?? delayLoop) * 1000,
        alpha: o.alpha ?? vs.alpha,
        // The checker enforces connect_timeout itself; this is the scheduler's backstop.
        timeoutMs: (c.kind === 'MISC_CHECK' ? (c.timeout ?? delayLoop) : connectTimeout) * 1000 + 1000,
      };
      // bind_if / fwmark: sockets of our own (SO_BINDTODEVICE, SO_MARK), so not the shared native connector or pinger.
      const marked = o.bindIf !== undefined || (o.fwmark !== undefined && o.fwmark !== 0);
      const sockets = marked ? resources?.socketsFor(o.bindIf, o.fwmark) : undefined;
      const withSockets = sockets !== undefined ? { sockets } : {};
      const local = { ...(o.bindTo !== undefined ? { localAddress: o.bindTo } : {}), ...(o.bindPort !== undefined ? { localPort: o.bindPort } : {}) };
      const tcpTarget = { host, port, timeoutMs: connectTimeout * 1000, ...local, ...withSockets };
      const tls = c.kind === 'SSL_GET' ? resources?.tls : undefined;
      const run: CheckFn =
        c.kind === 'SMTP_CHECK'
          ? smtpCheck({ host, port, heloName: c.heloName ?? hostname(), timeoutMs: connectTimeout * 1000, ...local, ...withSockets })
          : c.kind === 'PING_CHECK'
          ? pingCheck(marked && resources !== undefined ? resources.pingerFor(o.bindIf, o.fwmark) : pinger!, host, connectTimeout * 1000)
          : c.kind === 'MISC_CHECK' && script === undefined
          ? () => Promise.resolve({ ok: false, reason: 'MISC_CHECK: its script is not prepared' })
          : c.kind === 'MISC_CHECK'
          ? miscCheck({
              script: script!,
              // misc_timeout defaults to delay_loop, as in keepalived.
              timeoutMs: (c.timeout ?? delayLoop) * 1000,
              dynamic: c.dynamic,
            })
          : c.kind === 'DNS_CHECK'
            ? dnsCheck({ host, port, type: c.type, name: c.name, timeoutMs: connectTimeout * 1000, ...withSockets })
            : c.kind === 'UDP_CHECK'
              ? udpCheck({
                  host,
                  port,
                  timeoutMs: connectTimeout * 1000,
                  ...(c.payload !== undefined ? { payload: c.payload } : {}),
                  ...(c.requireReply !== undefined ? { requireReply: c.requireReply } : {}),
                  ...(c.minReplyLength !== undefined ? { minReplyLength: c.minReplyLength } : {}),
                  ...(c.maxReplyLength !== undefined ? { maxReplyLength: c.maxReplyLength } : {}),
                  ...local,
                  ...withSockets,
                })
              : c.kind === 'TCP_CHECK'
          ? tcpCheck(tcpTarget, sockets === undefined ? tcp : undefined)
          : tls !== undefined && 'error' in tls
            ? () => Promise.resolve({ ok: false, reason: tls.error })
          : c.kind === 'HTTP_GET' || c.kind === 'SSL_GET'
            ? httpCheck({
                host,
                port,
                tls: c.kind === 'SSL_GET',
                ...(c.kind === 'SSL_GET' && c.enableSni !== undefined ? { sni: c.enableSni } : {}),
                ...(c.kind === 'SSL_GET' && c.sniName !== undefined ? { sniName: c.sniName } : {}),
                ...(c.kind === 'SSL_GET' && c.tlsCompliant === true ? { tlsCompliant: true } : {}),
                ...(tls !== undefined && 'material' in tls ? { tlsClient: tls.material } : {}),
                ...withSockets,
                urls: c.urls.map(urlCheck),
                ...(c.httpProtocol !== undefined ? { protocol: c.httpProtocol } : {}),
                ...((c.virtualhost ?? rs.virtualhost ?? vs.virtualhost) !== undefined ? { virtualhost: (c.virtualhost ?? rs.virtualhost ?? vs.virtualhost)! } : {}),
                timeoutMs: connectTimeout * 1000,
                ...local,
              })
            : () => Promise.resolve({ ok: false, reason: `${c.kind} is not implemented` });
      let signature: string | undefined;
      checks.push({
        id: `${vs.name}|${rsName}|${c.kind}#${index}`,
        virtualServer: vs.name,
        realServer: rsName,
        kind: c.kind,
        timing,
        run,
        target: `${host.includes(':') ? `[${host}]` : host}:${port}`,
        // What makes two checks the same across a reload: the checker block and every option it
        // inherits. Worked out when a reload compares it, not for every check at start.
        get signature(): string {
          return (signature ??= modelKey([c, o, vs.delayLoop, vs.virtualhost ?? null, rs.virtualhost ?? null]));
        },
        ...(c.kind === 'TCP_CHECK' && tcp !== undefined && sockets === undefined ? { runSelfTimed: tcp.prepare(tcpTarget) } : {}),
      });
    });
  }
  return { checks, unsupported, disabled };
}
