import test from 'ava';
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { TcpConnector } from '../src/tcp-connector.js';

test('TcpConnector: a listener is connected, a closed port is refused, many probes at once each get their own answer', async (t) => {
  const server = createServer((c) => c.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const connector = new TcpConnector();
  try {
    t.deepEqual(await connector.connect({ host: '127.0.0.1', port, timeoutMs: 1000 }), { ok: true, reason: 'connected' });
    server.close();
    t.deepEqual(await connector.connect({ host: '127.0.0.1', port, timeoutMs: 1000 }), { ok: false, reason: 'connect ECONNREFUSED' });
    const again = createServer((c) => c.destroy());
    await new Promise<void>((r) => again.listen(port, '127.0.0.1', r));
    const results = await Promise.all(Array.from({ length: 200 }, (_v, i) => connector.connect({ host: '127.0.0.1', port: i % 2 === 0 ? port : port + 1, timeoutMs: 1000 })));
    t.is(results.filter((r) => r.ok).length, 100);
    t.true(results.every((r, i) => r.ok === (i % 2 === 0)));
    again.close();
    t.deepEqual(await connector.connect({ host: '::1', port: 1, timeoutMs: 1000 }).then((r) => r.ok), false);
    t.regex((await connector.connect({ host: 'not-an-address', port: 1, timeoutMs: 1000 })).reason, /^connect probe: address/);
  } finally {
    connector.close();
  }
});

test('TcpConnector: a connect nobody answers ends at its own timeout, short ones before long ones', async (t) => {
  // A listener that never accepts, with its queue filled: the kernel drops further SYNs.
  const child = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const connector = new TcpConnector();
  const fillers: Socket[] = [];
  try {
    const port = Number(await new Promise<string>((r) => child.stdout.once('data', (d: Buffer) => r(d.toString().trim()))));
    for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const done: Array<[number, string, number]> = [];
    await Promise.all(
      [600, 200, 400].map((timeoutMs) => connector.connect({ host: '127.0.0.1', port, timeoutMs }).then((r) => void done.push([timeoutMs, r.reason, Date.now() - started]))),
    );
    t.deepEqual(done.map(([ms, reason]) => [ms, reason]), [200, 400, 600].map((ms) => [ms, `connect timeout after ${ms} ms`]));
    for (const [ms, , took] of done) t.true(took >= ms - 5 && took < ms + 500, `${ms} ms timeout took ${took} ms`);
  } finally {
    connector.close();
    for (const f of fillers) f.destroy();
    child.kill('SIGKILL');
  }
});

test('TcpConnector: bindto and bind_port choose the source of the connect; the same target connects again and again', async (t) => {
  const peers: string[] = [];
  const server = createServer((c) => {
    peers.push(`${c.remoteAddress}:${c.remotePort}`);
    c.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const connector = new TcpConnector();
  try {
    const target = { host: '127.0.0.1', port, localAddress: '127.0.0.2', timeoutMs: 1000 };
    for (let i = 0; i < 3; i++) t.deepEqual(await connector.connect(target), { ok: true, reason: 'connected' });
    const fixedPort = { host: '127.0.0.1', port, localAddress: '127.0.0.3', localPort: 45123, timeoutMs: 1000 };
    t.deepEqual(await connector.connect(fixedPort), { ok: true, reason: 'connected' });
    await new Promise((r) => setTimeout(r, 100));
    t.is(peers.length, 4);
    t.true(peers.slice(0, 3).every((p) => p.startsWith('127.0.0.2:')), peers.join(' '));
    t.is(peers[3], '127.0.0.3:45123');
    t.regex((await connector.connect({ host: '127.0.0.1', port, localAddress: '::1', timeoutMs: 1000 })).reason, /^connect probe: bind address/);
  } finally {
    connector.close();
    server.close();
  }
});
