import test from 'ava';
import { createServer } from 'node:net';
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
