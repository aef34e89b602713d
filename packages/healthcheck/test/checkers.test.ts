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
import { httpCheck, tcpCheck } from '../src/index.js';

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
    t.like(await check('/close'), { ok: false, reason: '/close: ECONNRESET' });
    t.like(await check('/hang', {}, 300), { ok: false, reason: '/hang: no data within 300 ms' });
  } finally {
    await w.close();
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
