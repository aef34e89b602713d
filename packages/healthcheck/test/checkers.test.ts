import test from 'ava';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { contentLengthOf, httpCheck, statusCodeOf, tcpCheck } from '../src/index.js';

const listen = (server: Server | ReturnType<typeof createServer>): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const never = new AbortController().signal;

test('TCP_CHECK: a listener passes, a closed port fails with the errno', async (t) => {
  const server = createServer((s) => s.destroy());
  const port = await listen(server);
  t.deepEqual(await tcpCheck({ host: '127.0.0.1', port, timeoutMs: 1000 })(never), { ok: true, reason: 'connected' });
  await new Promise<void>((r) => server.close(() => r()));
  t.deepEqual(await tcpCheck({ host: '127.0.0.1', port, timeoutMs: 1000 })(never), { ok: false, reason: 'connect ECONNREFUSED' });
});

const body = 'hello from the real server\n';
const digest = createHash('md5').update(body).digest('hex');

async function web(): Promise<{ port: number; close: () => Promise<void>; hosts: string[] }> {
  const hosts: string[] = [];
  const server = createHttpServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    if (req.url === '/ok') res.end(body);
    else if (req.url === '/error') {
      res.statusCode = 500;
      res.end('no');
    } else if (req.url === '/moved') {
      res.statusCode = 302;
      res.end();
    } else if (req.url === '/close') req.socket.destroy();
    // '/hang' never answers.
  });
  const port = await listen(server);
  return {
    port,
    hosts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('HTTP_GET: status ranges, digest, virtualhost; 500, a closed connection and a hang fail with reasons', async (t) => {
  const w = await web();
  try {
    const check = (path: string, extra: Partial<Parameters<typeof httpCheck>[0]['urls'][0]> = {}, timeoutMs = 1000) =>
      httpCheck({ host: '127.0.0.1', port: w.port, tls: false, timeoutMs, virtualhost: 'www.example.test', urls: [{ path, statusCodes: [[200, 299]], ...extra }] })(never);
    t.like(await check('/ok'), { ok: true, reason: '/ok: status 200' });
    t.is(w.hosts.at(-1), 'www.example.test');
    t.like(await check('/ok', { digest }), { ok: true, reason: '/ok: status 200, digest matches' });
    t.like(await check('/ok', { digest: '0'.repeat(32) }), { ok: false, reason: `/ok: digest ${digest}, expected ${'0'.repeat(32)}` });
    t.like(await check('/error'), { ok: false, reason: '/error: status 500' });
    t.like(await check('/moved'), { ok: false, reason: '/moved: status 302' });
    t.like(await check('/moved', { statusCodes: [[301, 302]] }), { ok: true });
    t.like(await check('/close'), { ok: false, reason: '/close: no answer' });
    t.like(await check('/hang', {}, 300), { ok: false, reason: '/hang: no data within 300 ms' });
  } finally {
    await w.close();
  }
});

/** A raw server: answers each request with `answer(request)` and closes, and keeps the requests' bytes. */
async function rawWeb(answer: (request: string) => string): Promise<{ port: number; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = createServer((s) => {
    let req = '';
    s.on('data', (d: Buffer) => {
      req += d.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      requests.push(req);
      s.end(answer(req), 'latin1');
    });
  });
  const port = await listen(server);
  return { port, requests, close: () => server.close() };
}

test("HTTP_GET sends keepalived's request: HTTP/1.0 by default, its User-Agent, the address and port as Host; http_protocol 1.0C and 1.1 add Connection: close", async (t) => {
  const w = await rawWeb(() => `HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  try {
    const check = (protocol?: '1.0' | '1.0C' | '1.1', virtualhost?: string) =>
      httpCheck({ host: '127.0.0.1', port: w.port, tls: false, timeoutMs: 1000, ...(protocol !== undefined ? { protocol } : {}), ...(virtualhost !== undefined ? { virtualhost } : {}), urls: [{ path: '/index.html', statusCodes: [[200, 299]], digest }] })(never);
    t.like(await check(), { ok: true });
    t.like(await check('1.0C'), { ok: true });
    t.like(await check('1.1', 'www.example.test'), { ok: true });
    t.deepEqual(w.requests, [
      `GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${w.port}\r\n\r\n`,
      `GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:${w.port}\r\n\r\n`,
      'GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.test\r\n\r\n',
    ]);
  } finally {
    w.close();
  }
});

test('HTTP_GET digests the raw body as keepalived does: up to Content-Length, a chunked body with its chunk lines', async (t) => {
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const w = await rawWeb((req) =>
    req.startsWith('GET /chunked ')
      ? `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`
      : req.startsWith('GET /short ')
        ? `HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}trailing bytes past the length`
        : 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n',
  );
  try {
    const check = (path: string, want: string) => httpCheck({ host: '127.0.0.1', port: w.port, tls: false, timeoutMs: 1000, urls: [{ path, statusCodes: [[200, 299]], digest: want }] })(never);
    t.like(await check('/chunked', createHash('md5').update(chunked).digest('hex')), { ok: true, reason: '/chunked: status 200, digest matches' });
    t.like(await check('/short', digest), { ok: true });
    t.like(await check('/headless', digest), { ok: false, reason: '/headless: no answer' });
  } finally {
    w.close();
  }
});

test('HTTP_GET: every url must pass', async (t) => {
  const w = await web();
  try {
    const r = await httpCheck({
      host: '127.0.0.1',
      port: w.port,
      tls: false,
      timeoutMs: 1000,
      urls: [
        { path: '/ok', statusCodes: [[200, 299]] },
        { path: '/error', statusCodes: [[200, 299]] },
      ],
    })(never);
    t.like(r, { ok: false, reason: '/error: status 500' });
  } finally {
    await w.close();
  }
});

/** A self-signed certificate made for the test (openssl, as an operator would make one). */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ssl-get-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=real.example.test'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SSL_GET: status and digest over TLS with a self-signed certificate; enable_sni sends the virtual host; a plain server fails', async (t) => {
  const names: Array<string | false | null> = [];
  const server = createHttpsServer(selfSigned(), (req, res) => {
    names.push((req.socket as TLSSocket).servername);
    if (req.url === '/ok') res.end(body);
    else {
      res.statusCode = 503;
      res.end();
    }
  });
  const port = await listen(server as unknown as Server);
  const plain = createServer((s) => s.end('not tls\n'));
  const plainPort = await listen(plain);
  try {
    const check = (p: number, path: string, extra: { digest?: string; sni?: boolean } = {}) =>
      httpCheck({ host: '127.0.0.1', port: p, tls: true, timeoutMs: 1000, virtualhost: 'www.example.test', ...(extra.sni !== undefined ? { sni: extra.sni } : {}), urls: [{ path, statusCodes: [[200, 299]], ...(extra.digest !== undefined ? { digest: extra.digest } : {}) }] })(never);
    t.like(await check(port, '/ok', { digest }), { ok: true, reason: '/ok: status 200, digest matches' });
    t.like(await check(port, '/down'), { ok: false, reason: '/down: status 503' });
    t.like(await check(port, '/ok', { sni: true }), { ok: true });
    t.deepEqual(names, [false, false, 'www.example.test']);
    t.like(await check(plainPort, '/ok'), { ok: false });
  } finally {
    server.closeAllConnections();
    server.close();
    plain.close();
  }
});

test("the status line and Content-Length as keepalived's lib/html.c reads them", (t) => {
  t.is(statusCodeOf('HTTP/1.1 204 No Content'), 204);
  t.is(statusCodeOf('HTTP/1.0 200'), 200);
  t.is(statusCodeOf('HTTP/1.0 20 OK'), 0);
  t.is(statusCodeOf('garbage'), 0);
  t.is(contentLengthOf('HTTP/1.0 200 OK\r\ncontent-length: 12'), 12);
  t.is(contentLengthOf('HTTP/1.0 200 OK\r\nContent-Length: 12x'), undefined);
  t.is(contentLengthOf('HTTP/1.0 200 OK\r\nServer: x'), undefined);
});
