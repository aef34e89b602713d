import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HttpAnswer, httpRequestText } from '@tandem/healthcheck';
import { getopt, type OptionSpec } from './getopt.js';

// keepalived's genhash mode (`keepalived -T`, check_genhash.c): fetch a URL from a real server
// the way HTTP_GET / SSL_GET does, and print the MD5 digest of the body that their `digest`
// keyword wants. Same request (check_http.c's template, `User-Agent: KeepAliveClient`), same
// output: the digest in hex on stdout.

const SPECS: readonly OptionSpec[] = [
  { long: 'use-ssl', short: 'S', arg: 'none' },
  { long: 'use-sni', short: 'I', arg: 'none' },
  { long: 'server', short: 's', arg: 'required' },
  { long: 'port', short: 'p', arg: 'required' },
  { long: 'url', short: 'u', arg: 'required' },
  { long: 'use-virtualhost', short: 'V', arg: 'required' },
  { long: 'verbose', short: 'v', arg: 'none' },
  { long: 'help', short: 'h', arg: 'none' },
  { long: 'fwmark', short: 'm', arg: 'required' },
  { long: 'protocol', short: 'P', arg: 'required' },
  { long: 'timeout', short: 't', arg: 'required' },
];

export const GENHASH_USAGE = `Usage: tandemd --genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark (not in tandem: ignored).
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
   --timeout         -t       Timeout in seconds`;

export interface GenhashRequest {
  readonly server: string;
  readonly port: number;
  readonly url: string;
  readonly ssl: boolean;
  readonly sni: boolean;
  readonly vhost: string | undefined;
  readonly protocol: '1.0' | '1.0c' | '1.1';
  readonly timeoutMs: number;
  readonly verbose: boolean;
}

/** The genhash arguments (what follows `-T`), or the errors keepalived would print. */
export function parseGenhashArgs(argv: readonly string[]): { request?: GenhashRequest; errors: string[]; help: boolean } {
  const r = getopt(SPECS, argv);
  const errors = [...r.errors];
  const v = new Map(r.hits.map((h) => [h.spec.long, h.value]));
  const has = (k: string): boolean => v.has(k);
  if (has('help')) return { errors, help: true };
  const server = v.get('server');
  if (server !== undefined && isIP(server) === 0) errors.push(`server should be an IP, not ${server}`);
  const port = Number(v.get('port'));
  if (has('port') && (!Number.isInteger(port) || port < 1 || port > 65535)) errors.push(`invalid port number '${v.get('port') ?? ''}'`);
  const protocol = v.get('protocol') ?? '1.0';
  if (!['1.0', '1.0c', '1.1'].includes(protocol)) errors.push(`invalid HTTP protocol version '${protocol}'`);
  const timeout = Number(v.get('timeout') ?? 5);
  if (!(timeout > 0)) errors.push(`invalid timeout '${v.get('timeout') ?? ''}'`);
  if (r.operands.length > 0) errors.push(`Unexpected argument(s): ${r.operands.join(' ')}`);
  if (server === undefined || !has('port') || !has('url') || errors.length > 0) return { errors, help: false };
  return {
    errors,
    help: false,
    request: { server, port, url: v.get('url')!, ssl: has('use-ssl'), sni: has('use-sni'), vhost: v.get('use-virtualhost'), protocol: protocol as GenhashRequest['protocol'], timeoutMs: timeout * 1000, verbose: has('verbose') },
  };
}

/** The request keepalived -T sends: HTTP_GET's (check_http.c's request_template, `httpRequestText`). */
export function genhashRequestText(q: GenhashRequest): string {
  const host = q.vhost ?? `${isIP(q.server) === 6 ? `[${q.server}]` : q.server}:${q.port}`;
  return httpRequestText(q.url, q.protocol === '1.0c' ? '1.0C' : q.protocol, host);
}

/** The answer as HTTP_GET reads it: its header, and the MD5 digest of its body (up to Content-Length). */
function readAnswer(answer: Buffer): HttpAnswer {
  const a = new HttpAnswer(true, 0);
  a.push(answer);
  return a;
}

/** Fetches the URL and resolves with the whole answer, headers included. */
export function fetchRaw(q: GenhashRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onConnect = (): void => void socket.write(genhashRequestText(q));
    const socket: Socket = q.ssl
      ? tlsConnect({ host: q.server, port: q.port, rejectUnauthorized: false, ...(q.sni && q.vhost !== undefined ? { servername: q.vhost } : {}) }, onConnect)
      : tcpConnect({ host: q.server, port: q.port }, onConnect);
    socket.setTimeout(q.timeoutMs, () => socket.destroy(new Error(`timed out after ${q.timeoutMs / 1000} s`)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** `tandemd -T ARGS`: prints the digest (exit 0), or why not (exit 1). */
export async function genhash(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const p = parseGenhashArgs(argv);
  for (const e of p.errors) err(`${e}\n`);
  if (p.request === undefined) {
    err(`${GENHASH_USAGE}\n`);
    return p.help ? 0 : 1;
  }
  try {
    const answer = readAnswer(await fetchRaw(p.request));
    if (p.request.verbose && answer.head !== undefined) out(`${answer.head.header}\n\n`);
    if (answer.head === undefined || answer.bodyBytes === 0) {
      err('no data received from remote webserver\n');
      return 1;
    }
    out(`${answer.digest() ?? ''}\n`);
    return 0;
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 1;
  }
}
