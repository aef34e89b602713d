import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv6, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CheckFn, CheckResult } from '../result.js';
import { connectTcp, type SocketMaker } from './sockets.js';

/**
 * keepalived's url `regex` (PCRE2 there), compiled to an ECMAScript RegExp here: see
 * docs/config.md for the differences. The body must (or, with `noMatch`, must not) hold a
 * match starting between `minOffset` and `maxOffset`.
 */
export interface BodyRegex {
  readonly regex: RegExp;
  readonly noMatch: boolean;
  readonly minOffset: number;
  readonly maxOffset?: number;
  /** PCRE2's `firstline`: the match must start on the first line. */
  readonly firstLine?: boolean;
}

/** One `url { }` of HTTP_GET / SSL_GET. */
export interface HttpUrlCheck {
  readonly path: string;
  /** keepalived's digest: MD5 of the body, lower-case hex (as genhash prints it). */
  readonly digest?: string;
  /** Inclusive ranges; keepalived's default is 200-299. */
  readonly statusCodes: readonly (readonly [number, number])[];
  readonly virtualhost?: string;
  readonly regex?: BodyRegex;
}

/** The global `SSL { }` block: client certificate and key (with its password) and CA, as PEM text. */
export interface TlsClientMaterial {
  readonly certificate?: Buffer;
  readonly key?: Buffer;
  readonly password?: string;
  readonly ca?: Buffer;
}

export interface HttpCheckOptions {
  readonly host: string;
  readonly port: number;
  /** SSL_GET. Certificates are not verified, as in keepalived. */
  readonly tls: boolean;
  /** SSL_GET `enable_sni`: send the virtual host as the TLS server name. */
  readonly sni?: boolean;
  /** SSL_GET `sni_name` (keepalived 2.3): the TLS server name to send, whatever the virtual host. */
  readonly sniName?: string;
  /** SSL_GET's client certificate and key (the global SSL block). */
  readonly tlsClient?: TlsClientMaterial;
  /** SSL_GET `tls_compliant`: end each connection with a TLS close_notify instead of dropping it. */
  readonly tlsCompliant?: boolean;
  readonly urls: readonly HttpUrlCheck[];
  readonly virtualhost?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** `connect_timeout`: for the connection and for each wait for data. */
  readonly timeoutMs: number;
  /** `bind_if` / `fwmark`. */
  readonly sockets?: SocketMaker;
}

/** The most of a body kept for a regex (a digest needs none of it kept). */
const MAX_REGEX_BODY = 4 * 1024 * 1024;

function inRanges(code: number, ranges: HttpUrlCheck['statusCodes']): boolean {
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

/** Whether the body passes the url's regex: a match starting within the offsets (none, with noMatch). */
export function bodyMatches(body: string, r: BodyRegex): boolean {
  const re = new RegExp(r.regex.source, r.regex.flags.includes('g') ? r.regex.flags : `${r.regex.flags}g`);
  re.lastIndex = r.minOffset;
  const m = re.exec(body);
  const newline = r.firstLine === true ? body.indexOf('\n') : -1;
  const found = m !== null && (r.maxOffset === undefined || m.index <= r.maxOffset) && (newline < 0 || m.index <= newline);
  return found !== r.noMatch;
}

/** The socket an SSL_GET or HTTP_GET connection runs on, when bind_if / fwmark ask for one of our own. */
function ownSocket(o: HttpCheckOptions, servername: string): (() => Socket) | undefined {
  if (o.sockets === undefined) return undefined;
  const local = { ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), ...(o.localPort !== undefined ? { port: o.localPort } : {}) };
  return () => {
    const raw = connectTcp(o.host, o.port, local, o.sockets);
    return o.tls ? tlsConnect({ socket: raw, rejectUnauthorized: false, servername, ...tlsMaterial(o) }) : raw;
  };
}

function tlsMaterial(o: HttpCheckOptions): Record<string, unknown> {
  const c = o.tlsClient;
  if (c === undefined) return {};
  return {
    ...(c.certificate !== undefined ? { cert: c.certificate } : {}),
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.password !== undefined ? { passphrase: c.password } : {}),
    ...(c.ca !== undefined ? { ca: c.ca } : {}),
  };
}

function fetchOnce(o: HttpCheckOptions, url: HttpUrlCheck, signal: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const host = url.virtualhost ?? o.virtualhost;
    const done = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      // tls_compliant: close_notify first (Node's TLS end() sends it), as keepalived's SSL_shutdown does.
      if (o.tls && o.tlsCompliant === true && req.socket !== null && !req.socket.destroyed) req.socket.end();
      else req.destroy();
      resolve(r);
    };
    const hostHeader = host ?? (isIPv6(o.host) ? `[${o.host}]` : o.host);
    // Node would send the Host header as the server name by itself; keepalived sends one only
    // with enable_sni (or sni_name), and '' tells Node to send none.
    const servername = o.sniName ?? (o.sni === true && host !== undefined ? host : '');
    const request = o.tls ? httpsRequest : httpRequest;
    const own = ownSocket(o, servername);
    const req = request({
      host: o.host,
      port: o.port,
      path: url.path,
      method: 'GET',
      signal,
      headers: { Host: hostHeader, Connection: 'close', 'User-Agent': 'tandem-healthcheck' },
      // With no agent Node takes the connection createConnection makes; agent false makes a fresh one per request.
      ...(own !== undefined ? { createConnection: own } : { agent: false }),
      ...(own === undefined && o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
      ...(own === undefined && o.localPort !== undefined ? { localPort: o.localPort } : {}),
      // Certificates are not verified, as keepalived does not (it loads `ca` but never asks for verification).
      ...(o.tls ? { rejectUnauthorized: false, servername, ...tlsMaterial(o) } : {}),
    });
    req.setTimeout(o.timeoutMs, () => done({ ok: false, reason: `${url.path}: no data within ${o.timeoutMs} ms` }));
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${url.path}: ${err.code ?? err.message}` }));
    req.on('response', (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      if (!inRanges(code, url.statusCodes)) {
        done({ ok: false, reason: `${url.path}: status ${code}` });
        return;
      }
      if (url.digest === undefined && url.regex === undefined) {
        res.resume();
        res.on('end', () => done({ ok: true, reason: `${url.path}: status ${code}` }));
        res.on('error', (err) => done({ ok: false, reason: `${url.path}: ${err.message}` }));
        return;
      }
      const md5 = url.digest !== undefined ? createHash('md5') : undefined;
      const kept: Buffer[] = [];
      let keptBytes = 0;
      res.on('data', (chunk: Buffer) => {
        md5?.update(chunk);
        if (url.regex !== undefined && keptBytes < MAX_REGEX_BODY) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      });
      res.on('error', (err) => done({ ok: false, reason: `${url.path}: ${err.message}` }));
      res.on('end', () => {
        if (md5 !== undefined) {
          const got = md5.digest('hex');
          if (got !== url.digest) return done({ ok: false, reason: `${url.path}: digest ${got}, expected ${url.digest}` });
        }
        if (url.regex !== undefined && !bodyMatches(Buffer.concat(kept).toString(url.regex.regex.flags.includes('u') ? 'utf8' : 'latin1'), url.regex)) {
          return done({ ok: false, reason: `${url.path}: body ${url.regex.noMatch ? 'matches' : 'does not match'} /${url.regex.regex.source}/` });
        }
        done({ ok: true, reason: `${url.path}: status ${code}${md5 !== undefined ? ', digest matches' : ''}${url.regex !== undefined ? `, regex ${url.regex.noMatch ? 'absent' : 'found'}` : ''}` });
      });
    });
    req.end();
  });
}

/**
 * HTTP_GET / SSL_GET: every url must answer with an accepted status (and digest, and regex),
 * all in one attempt: what keepalived calls fast_recovery, which tandem always does.
 */
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
