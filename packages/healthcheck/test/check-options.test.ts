// The checker options keepalived's HTTP_GET / SSL_GET / DNS_CHECK take that need more than a
// plain connection: url regex, the global SSL block's client certificate, tls_compliant and
// sni_name, and the sockets bind_if / fwmark ask for (here made by Node, as the daemon's
// native maker makes them with SO_BINDTODEVICE / SO_MARK: test/netns/check-options.test.ts).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnsCheck, httpCheck, type SocketMaker } from '../src/index.js';
import { bodyMatches } from '../src/checkers/http.js';
import { encodeDnsQuery, readDnsReply } from '../src/checkers/dns.js';
import { startDnsServer } from './dns-server.js';

const never = new AbortController().signal;

/** A SocketMaker from Node's own sockets, counting what it made. */
function nodeSockets(): SocketMaker & { made: number } {
  const m = {
    made: 0,
    tcp: () => {
      m.made++;
      return new Socket();
    },
    udp: (family: 4 | 6, _local: unknown, ready: (s: ReturnType<typeof createSocket>) => void) => {
      m.made++;
      const s = createSocket(family === 6 ? 'udp6' : 'udp4');
      s.bind(0, () => ready(s));
      return s;
    },
  };
  return m;
}

test('regex: a match must start between the offsets; regex_no_match inverts; firstline keeps it to the first line', (t) => {
  const r = (source: string, o: Partial<Parameters<typeof bodyMatches>[1]> = {}): Parameters<typeof bodyMatches>[1] => ({ regex: new RegExp(source), noMatch: false, minOffset: 0, ...o });
  t.true(bodyMatches('status: ok\n', r('ok')));
  t.false(bodyMatches('status: ok\n', r('fail')));
  t.true(bodyMatches('status: ok\n', r('fail', { noMatch: true })));
  t.false(bodyMatches('ok ... ok', r('^ok', { minOffset: 1 })));
  t.true(bodyMatches('xx ok', r('ok', { minOffset: 1, maxOffset: 3 })));
  t.false(bodyMatches('xxxx ok', r('ok', { maxOffset: 3 })));
  t.false(bodyMatches('first\nok', r('ok', { firstLine: true })));
});

test('HTTP_GET with a url regex fails on a body without the match, and passes with it', async (t) => {
  let body = 'state=ready';
  const server = createHttpServer((_q, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const sockets = nodeSockets();
  const check = httpCheck({ host: '127.0.0.1', port, tls: false, timeoutMs: 1000, sockets, urls: [{ path: '/', statusCodes: [[200, 299]], regex: { regex: /ready|warm/, noMatch: false, minOffset: 0 } }] });
  try {
    t.like(await check(never), { ok: true, reason: '/: status 200, regex found' });
    body = 'state=starting';
    t.like(await check(never), { ok: false, reason: '/: body does not match /ready|warm/' });
    t.is(sockets.made, 2, 'the connections were the maker\'s (bind_if / fwmark)');
  } finally {
    server.close();
  }
});

test('SSL_GET presents the SSL block\'s client certificate to a server that requires one; sni_name is the server name sent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-'));
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=server.test');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-passout', 'pass:s3cret', '-keyout', 'client.key', '-out', 'client.crt', '-days', '1', '-subj', '/CN=director');
  const names: Array<string | false> = [];
  const server = createHttpsServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')), requestCert: true, rejectUnauthorized: true, ca: readFileSync(join(dir, 'client.crt')) },
    (req, res) => {
      names.push((req.socket as unknown as { servername: string | false }).servername);
      res.end('ok');
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const base = { host: '127.0.0.1', port, tls: true, timeoutMs: 2000, urls: [{ path: '/', statusCodes: [[200, 299]] as Array<[number, number]> }] };
  try {
    t.false((await httpCheck(base)(never)).ok, 'no client certificate: the server refuses the handshake');
    const tlsClient = { certificate: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')), password: 's3cret' };
    t.like(await httpCheck({ ...base, tlsClient, sniName: 'www.example.test', tlsCompliant: true })(never), { ok: true });
    t.like(await httpCheck({ ...base, tlsClient, sockets: nodeSockets() })(never), { ok: true }, 'through the maker\'s socket too');
    t.deepEqual(names, ['www.example.test', false]);
  } finally {
    server.close();
  }
});

test('DNS_CHECK on a socket of the maker (bind_if / fwmark): one query, the answer count and rcode as keepalived reads them', async (t) => {
  const { port, socket } = await startDnsServer('127.0.0.1', 0);
  try {
    const check = (name: string): ReturnType<ReturnType<typeof dnsCheck>> => dnsCheck({ host: '127.0.0.1', port, type: 'A', name, timeoutMs: 500, sockets: nodeSockets() })(never);
    t.like(await check('ok.test'), { ok: true, reason: 'A ok.test: 1 answer' });
    t.like(await check('nx.test'), { ok: false, reason: 'A nx.test: rcode 3' });
    t.like(await check('hang.test'), { ok: false, reason: 'A hang.test: no answer within 500 ms' });
  } finally {
    socket.close();
  }
  const q = encodeDnsQuery(0x1234, 'www.example.com', 'AAAA');
  t.is(q.toString('hex'), `123401000001000000000000${'03777777076578616d706c6503636f6d00'}001c0001`);
  t.is(readDnsReply(Buffer.from('12348180000100020000000000', 'hex'), 0x1234) !== undefined, true);
  t.is(readDnsReply(Buffer.from('12340100000100020000000000', 'hex'), 0x1234), undefined, 'a query, not a reply');
  t.is(readDnsReply(Buffer.from('1235818000010002', 'hex'), 0x1234), undefined);
});
