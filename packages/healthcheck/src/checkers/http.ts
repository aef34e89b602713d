import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv6 } from 'node:net';
import type { CheckFn, CheckResult } from '../result.js';

/** One `url { }` of HTTP_GET / SSL_GET. */
export interface HttpUrlCheck {
  readonly path: string;
  /** keepalived's digest: MD5 of the body, lower-case hex (as genhash prints it). */
  readonly digest?: string;
  /** Inclusive ranges; keepalived's default is 200-299. */
  readonly statusCodes: readonly (readonly [number, number])[];
  readonly virtualhost?: string;
}

export interface HttpCheckOptions {
  readonly host: string;
  readonly port: number;
  /** SSL_GET. Certificates are not verified, as in keepalived. */
  readonly tls: boolean;
  /** SSL_GET `enable_sni`: send the virtual host as the TLS server name. */
  readonly sni?: boolean;
  readonly urls: readonly HttpUrlCheck[];
  readonly virtualhost?: string;
  readonly localAddress?: string;
  /** `connect_timeout`: for the connection and for each wait for data. */
  readonly timeoutMs: number;
}

function inRanges(code: number, ranges: HttpUrlCheck['statusCodes']): boolean {
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

function fetchOnce(o: HttpCheckOptions, url: HttpUrlCheck, signal: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const host = url.virtualhost ?? o.virtualhost;
    const done = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(r);
    };
    const hostHeader = host ?? (isIPv6(o.host) ? `[${o.host}]` : o.host);
    const request = o.tls ? httpsRequest : httpRequest;
    const req = request({
      host: o.host,
      port: o.port,
      path: url.path,
      method: 'GET',
      agent: false,
      signal,
      headers: { Host: hostHeader, Connection: 'close', 'User-Agent': 'tandem-healthcheck' },
      ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
      // Node would send the Host header as the server name by itself; keepalived sends one
      // only with enable_sni, and '' tells Node to send none.
      ...(o.tls ? { rejectUnauthorized: false, servername: o.sni === true && host !== undefined ? host : '' } : {}),
    });
    req.setTimeout(o.timeoutMs, () => done({ ok: false, reason: `${url.path}: no data within ${o.timeoutMs} ms` }));
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${url.path}: ${err.code ?? err.message}` }));
    req.on('response', (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      if (!inRanges(code, url.statusCodes)) {
        done({ ok: false, reason: `${url.path}: status ${code}` });
        return;
      }
      if (url.digest === undefined) {
        res.resume();
        res.on('end', () => done({ ok: true, reason: `${url.path}: status ${code}` }));
        res.on('error', (err) => done({ ok: false, reason: `${url.path}: ${err.message}` }));
        return;
      }
      const md5 = createHash('md5');
      res.on('data', (chunk: Buffer) => md5.update(chunk));
      res.on('error', (err) => done({ ok: false, reason: `${url.path}: ${err.message}` }));
      res.on('end', () => {
        const got = md5.digest('hex');
        done(got === url.digest ? { ok: true, reason: `${url.path}: status ${code}, digest matches` } : { ok: false, reason: `${url.path}: digest ${got}, expected ${url.digest}` });
      });
    });
    req.end();
  });
}

/** HTTP_GET / SSL_GET: every url must answer with an accepted status (and digest). */
export function httpCheck(o: HttpCheckOptions): CheckFn {
  return async (signal) => {
    let last: CheckResult = { ok: false, reason: 'no url configured' };
    for (const url of o.urls) {
      last = await fetchOnce(o, url, signal);
      if (!last.ok) return last;
    }
    return last;
  };
}
