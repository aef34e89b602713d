import type { CheckFn, CheckResult, SelfTimedCheckFn } from '../result.js';
import { settleOnce } from './settle.js';
import { connectTcp, type SocketMaker } from './sockets.js';

/** TCP_CHECK: a connection is opened and closed again. */
export interface TcpCheckOptions {
  readonly host: string;
  readonly port: number;
  /** `bindto` / `bind_port`. */
  readonly localAddress?: string;
  readonly localPort?: number;
  /** `connect_timeout`. */
  readonly timeoutMs: number;
  /** `bind_if` / `fwmark`: sockets made with them (then not through the TcpConnector). */
  readonly sockets?: SocketMaker;
}

/**
 * Makes the connects of TCP_CHECK (tandem's daemon passes a native one; without it, Node's
 * sockets are used). It enforces `timeoutMs` itself.
 */
export interface TcpConnector {
  connect(target: TcpCheckOptions): Promise<CheckResult>;
  /** Prepares a target once and returns its connect in the scheduler's self-timed form: no promise per check. */
  prepare(target: TcpCheckOptions): SelfTimedCheckFn;
}

export function tcpCheck(o: TcpCheckOptions, connector?: TcpConnector): CheckFn {
  if (connector !== undefined && o.sockets === undefined) return () => connector.connect(o);
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const socket = connectTcp(o.host, o.port, { ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), ...(o.localPort !== undefined ? { port: o.localPort } : {}) }, o.sockets);
      const done = settleOnce(signal, o.timeoutMs, () => ({ ok: false, reason: `connect timeout after ${o.timeoutMs} ms` }), () => socket.destroy(), resolve);
      socket.once('connect', () => done({ ok: true, reason: 'connected' }));
      socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `connect ${err.code ?? err.message}` }));
    });
}
