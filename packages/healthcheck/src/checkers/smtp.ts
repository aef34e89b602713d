import type { CheckFn, CheckResult } from '../result.js';
import { settleOnce } from './settle.js';
import { connectTcp, type SocketMaker } from './sockets.js';

/** SMTP_CHECK: the server greets with 220 and answers HELO with 250. */
export interface SmtpCheckOptions {
  readonly host: string;
  readonly port: number;
  /** `helo_name`; keepalived's default is the local host name. */
  readonly heloName: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs: number;
  /** `bind_if` / `fwmark`. */
  readonly sockets?: SocketMaker;
}

export function smtpCheck(o: SmtpCheckOptions): CheckFn {
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      let buffer = '';
      let step: 'banner' | 'helo' = 'banner';
      const socket = connectTcp(o.host, o.port, { ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), ...(o.localPort !== undefined ? { port: o.localPort } : {}) }, o.sockets);
      const done = settleOnce(
        signal,
        o.timeoutMs,
        () => ({ ok: false, reason: `no ${step === 'banner' ? 'greeting' : 'HELO answer'} within ${o.timeoutMs} ms` }),
        () => socket.destroy(),
        resolve,
      );
      socket.setEncoding('utf8');
      socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `connect ${err.code ?? err.message}` }));
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        // A reply ends with a line "NNN text" (continuation lines are "NNN-text").
        const lines = buffer.split('\r\n');
        const last = lines.slice(0, -1).find((l) => /^\d{3} /.test(l) || /^\d{3}$/.test(l));
        if (last === undefined) return;
        buffer = '';
        const code = last.slice(0, 3);
        if (step === 'banner') {
          if (code !== '220') return done({ ok: false, reason: `greeting ${last}` });
          step = 'helo';
          socket.write(`HELO ${o.heloName}\r\n`);
        } else {
          socket.write('QUIT\r\n');
          done(code === '250' ? { ok: true, reason: `HELO answered ${code}` } : { ok: false, reason: `HELO answered ${last}` });
        }
      });
    });
}
