import type { Hash } from 'node:crypto';
import { cryptoModule } from '../builtins.js';

// HTTP as keepalived's HTTP_GET / SSL_GET speak it (check_http.c, lib/html.c): one request of
// its own making, the answer read until the server closes, the status taken from the status
// line and the digest made over the raw bytes after the header (up to Content-Length when
// the header has one), chunked or not. A digest made by keepalived's genhash for a page is
// the digest tandem makes of it.

/** keepalived's http_protocol: HTTP/1.0 (its default), 1.0 with Connection: close, or HTTP/1.1 (with it). */
export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** check_http.c's request_template: the request line, its User-Agent, a Connection header but for 1.0, the Host. */
export function httpRequestText(path: string, protocol: HttpProtocol, host: string): string {
  return `GET ${path} HTTP/1.${protocol === '1.1' ? 1 : 0}\r\nUser-Agent: KeepAliveClient\r\n${protocol === '1.0' ? '' : 'Connection: close\r\n'}Host: ${host}\r\n\r\n`;
}

/** The most of a header kept while looking for its end: a server sending more is not answering HTTP. */
const MAX_HEADER = 64 * 1024;

/**
 * lib/html.c's extract_status_code: the three digits after the status line's first space,
 * 0 when there are none. keepalived wants a space after them; a status line without a
 * reason phrase ("HTTP/1.1 200") is taken here too.
 */
export function statusCodeOf(header: string): number {
  const m = /^[^ \r]* (\d{3})(?: |\r|$)/.exec(header);
  return m === null ? 0 : Number(m[1]);
}

/** lib/html.c's extract_content_length: the header's Content-Length, undefined without a valid one. */
export function contentLengthOf(header: string): number | undefined {
  const m = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r|$)/i.exec(header);
  return m === null ? undefined : Number(m[1]);
}

/** What the answer has said once the header has ended. */
export interface HttpHead {
  readonly status: number;
  readonly contentLength: number | undefined;
  readonly header: string;
}

/**
 * An answer read as it arrives: the header up to its blank line, then the body, digested
 * (MD5, as keepalived) and kept for a regex up to `keepBody` bytes, both only up to the
 * header's Content-Length. `head` is undefined until the header has ended.
 */
export class HttpAnswer {
  head: HttpHead | undefined;
  /** Body bytes received (all of them, past Content-Length too). */
  bodyBytes = 0;
  private headerParts: Buffer[] = [];
  private headerBytes = 0;
  private readonly md5: Hash | undefined;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  /** Body bytes counted against Content-Length (digested, or kept). */
  private usedBytes = 0;

  constructor(
    digest: boolean,
    private readonly keepBody: number,
  ) {
    this.md5 = digest ? cryptoModule().createHash('md5') : undefined;
  }

  /** Takes the next bytes; false when the header grew past any sensible size without ending. */
  push(chunk: Buffer): boolean {
    if (this.head !== undefined) {
      this.body(chunk);
      return true;
    }
    this.headerParts.push(chunk);
    this.headerBytes += chunk.length;
    const all = this.headerParts.length === 1 ? chunk : Buffer.concat(this.headerParts);
    this.headerParts = [all];
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) return this.headerBytes <= MAX_HEADER;
    const header = all.subarray(0, end).toString('latin1');
    this.head = { status: statusCodeOf(header), contentLength: contentLengthOf(header), header };
    this.headerParts = [];
    this.body(all.subarray(end + 4));
    return true;
  }

  /** Whether every byte Content-Length announced has come (never without one: then the end is the server's close). */
  get complete(): boolean {
    return this.head?.contentLength !== undefined && this.bodyBytes >= this.head.contentLength;
  }

  /** The digest of the body, lower-case hex. */
  digest(): string | undefined {
    return this.md5?.digest('hex');
  }

  /** The body as kept (up to `keepBody` bytes). */
  keptBody(): Buffer {
    return Buffer.concat(this.kept);
  }

  private body(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bodyBytes += chunk.length;
    const limit = this.head?.contentLength;
    const room = limit === undefined ? chunk.length : Math.max(0, Math.min(chunk.length, limit - this.usedBytes));
    if (room === 0) return;
    const used = room === chunk.length ? chunk : chunk.subarray(0, room);
    this.usedBytes += room;
    this.md5?.update(used);
    if (this.keptBytes < this.keepBody) {
      this.kept.push(used);
      this.keptBytes += used.length;
    }
  }
}
