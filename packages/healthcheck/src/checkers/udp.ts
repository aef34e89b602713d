import type { Socket } from 'node:dgram';
import { dgramModule, netModule } from '../builtins.js';
import type { CheckFn, CheckResult } from '../result.js';
import { settleOnce } from './settle.js';
import type { SocketMaker } from './sockets.js';

/** UDP_CHECK: send a payload; an ICMP unreachable fails, a reply must match `requireReply` when given. */
export interface UdpCheckOptions {
  readonly host: string;
  readonly port: number;
  /** Hex bytes to send; empty by default. */
  readonly payload?: string;
  /** Hex bytes the reply must start with; `X` matches any nibble. */
  readonly requireReply?: string;
  readonly minReplyLength?: number;
  readonly maxReplyLength?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs: number;
  /** `bind_if` / `fwmark`. */
  readonly sockets?: SocketMaker;
}

/** Whether `reply` starts with the hex pattern (X = any nibble). */
export function replyMatches(reply: Buffer, pattern: string): boolean {
  const hex = reply.toString('hex');
  if (hex.length < pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!.toLowerCase();
    if (p !== 'x' && p !== hex[i]) return false;
  }
  return true;
}

export function udpCheck(o: UdpCheckOptions): CheckFn {
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const family = netModule().isIPv6(o.host) ? 6 : 4;
      const local = { ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), ...(o.localPort !== undefined ? { port: o.localPort } : {}) };
      const send = (s: Socket): void => s.connect(o.port, o.host, () => s.send(Buffer.from(o.payload ?? '', 'hex')));
      let socket: Socket;
      try {
        socket = o.sockets !== undefined ? o.sockets.udp(family, local, send) : dgramModule().createSocket(family === 6 ? 'udp6' : 'udp4');
      } catch (err) {
        resolve({ ok: false, reason: (err as Error).message });
        return;
      }
      const wantsReply = o.requireReply !== undefined || o.minReplyLength !== undefined;
      const done = settleOnce(
        signal,
        o.timeoutMs,
        () => (wantsReply ? { ok: false, reason: `no reply within ${o.timeoutMs} ms` } : { ok: true, reason: 'no ICMP error' }),
        () => socket.close(),
        resolve,
      );
      // A connected socket reports the ICMP port unreachable as ECONNREFUSED.
      socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${err.code ?? err.message}` }));
      socket.on('message', (reply) => {
        if (o.minReplyLength !== undefined && reply.length < o.minReplyLength) return done({ ok: false, reason: `reply of ${reply.length} bytes, below ${o.minReplyLength}` });
        if (o.maxReplyLength !== undefined && reply.length > o.maxReplyLength) return done({ ok: false, reason: `reply of ${reply.length} bytes, above ${o.maxReplyLength}` });
        if (o.requireReply !== undefined && !replyMatches(reply, o.requireReply)) return done({ ok: false, reason: `reply ${reply.toString('hex').slice(0, 32)} does not match ${o.requireReply}` });
        done({ ok: true, reason: `reply of ${reply.length} bytes` });
      });
      if (o.sockets === undefined) socket.bind({ ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), port: o.localPort ?? 0 }, () => send(socket));
    });
}
