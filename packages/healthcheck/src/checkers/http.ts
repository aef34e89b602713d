import { isIPv6, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CheckFn, CheckResult } from '../result.js';
import { HttpAnswer, httpRequestText, type HttpProtocol } from './http-wire.js';
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
  /** `http_protocol`: what the request says (default keepalived's, 1.0). */
  readonly protocol?: HttpProtocol;
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

/** The connection of one request: ours (bind_if / fwmark) or Node's, TLS on it for SSL_GET. */
function openConnection(o: HttpCheckOptions, servername: string | undefined): Socket {
  const local = { ...(o.localAddress !== undefined ? { address: o.localAddress } : {}), ...(o.localPort !== undefined ? { port: o.localPort } : {}) };
  const raw = connectTcp(o.host, o.port, local, o.sockets);
  // Certificates are not verified, as keepalived does not (it loads `ca` but never asks for verification).
  return o.tls ? tlsConnect({ socket: raw, rejectUnauthorized: false, ...(servername !== undefined ? { servername } : {}), ...tlsMaterial(o) }) : raw;
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

/**
 * One url, as keepalived's check_http.c fetches it: its request (`httpRequestText`; the Host
 * is the virtual host, else the server's address and port), the answer read until the server
 * closes the connection or has sent all its Content-Length, `timeoutMs` for the connection and
 * for each wait for data.
 */
function fetchOnce(o: HttpCheckOptions, url: HttpUrlCheck, signal: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve) => {
    const vhost = url.virtualhost ?? o.virtualhost;
    const host = vhost ?? `${isIPv6(o.host) ? `[${o.host}]` : o.host}:${o.port}`;
    // The TLS server name: keepalived sends one only with enable_sni (or sni_name).
    const servername = o.sniName ?? (o.sni === true && vhost !== undefined ? vhost : undefined);
    const answer = new HttpAnswer(url.digest !== undefined, url.regex !== undefined ? MAX_REGEX_BODY : 0);
    const socket = openConnection(o, servername);
    let settled = false;
    const done = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', aborted);
      // tls_compliant: close_notify (Node's TLS end() sends it), as keepalived's SSL_shutdown does;
      // the connection then ends with the server's close, or at the timeout below.
      if (o.tls && o.tlsCompliant === true && !socket.destroyed) socket.end();
      else socket.destroy();
      resolve(r);
    };
    const aborted = (): void => done({ ok: false, reason: `${url.path}: aborted` });
    if (signal.aborted) return aborted();
    signal.addEventListener('abort', aborted, { once: true });
    socket.setTimeout(o.timeoutMs, () => {
      if (settled) socket.destroy();
      else done({ ok: false, reason: `${url.path}: no data within ${o.timeoutMs} ms` });
    });
    socket.once(o.tls ? 'secureConnect' : 'connect', () => socket.write(httpRequestText(url.path, o.protocol ?? '1.0', host)));
    socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${url.path}: ${err.code ?? err.message}` }));
    socket.on('data', (chunk: Buffer) => {
      if (!answer.push(chunk)) done({ ok: false, reason: `${url.path}: no end of an HTTP header in the first 64 KiB` });
      else if (answer.complete) done(verdict(url, answer));
    });
    socket.on('end', () => done(verdict(url, answer)));
  });
}

/** keepalived's http_handle_response: an answer, its status in the url's ranges, its digest, its regex. */
function verdict(url: HttpUrlCheck, answer: HttpAnswer): CheckResult {
  const head = answer.head;
  if (head === undefined) return { ok: false, reason: `${url.path}: no answer` };
  if (!inRanges(head.status, url.statusCodes)) return { ok: false, reason: `${url.path}: status ${head.status}` };
  const got = answer.digest();
  if (url.digest !== undefined && got !== url.digest) return { ok: false, reason: `${url.path}: digest ${got}, expected ${url.digest}` };
  if (url.regex !== undefined && !bodyMatches(answer.keptBody().toString(url.regex.regex.flags.includes('u') ? 'utf8' : 'latin1'), url.regex)) {
    return { ok: false, reason: `${url.path}: body ${url.regex.noMatch ? 'matches' : 'does not match'} /${url.regex.regex.source}/` };
  }
  return { ok: true, reason: `${url.path}: status ${head.status}${url.digest !== undefined ? ', digest matches' : ''}${url.regex !== undefined ? `, regex ${url.regex.noMatch ? 'absent' : 'found'}` : ''}` };
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
