import test from 'ava';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { smtpCheck } from '../src/index.js';

const never = new AbortController().signal;

async function smtpServer(greeting: string, heloReply: string): Promise<{ port: number; server: Server; helos: string[] }> {
  const helos: string[] = [];
  const server = createServer((s) => {
    s.setEncoding('utf8');
    if (greeting !== '') s.write(greeting);
    s.on('data', (d: string) => {
      if (d.startsWith('HELO')) {
        helos.push(d.trim());
        s.write(heloReply);
      }
      if (d.startsWith('QUIT')) s.end('221 bye\r\n');
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, server, helos };
}

test('SMTP_CHECK: 220 greeting and 250 to HELO is up; other replies, silence and a closed port are down', async (t) => {
  const good = await smtpServer('220-mx.example.test ESMTP\r\n220 ready\r\n', '250 mx.example.test\r\n');
  const check = (port: number, timeoutMs = 1000) => smtpCheck({ host: '127.0.0.1', port, heloName: 'lb1.example.test', timeoutMs })(never);
  t.deepEqual(await check(good.port), { ok: true, reason: 'HELO answered 250' });
  t.deepEqual(good.helos, ['HELO lb1.example.test']);
  const busy = await smtpServer('421 too busy\r\n', '');
  t.deepEqual(await check(busy.port), { ok: false, reason: 'greeting 421 too busy' });
  const rude = await smtpServer('220 ready\r\n', '550 go away\r\n');
  t.deepEqual(await check(rude.port), { ok: false, reason: 'HELO answered 550 go away' });
  const silent = await smtpServer('', '');
  t.deepEqual(await check(silent.port, 300), { ok: false, reason: 'no greeting within 300 ms' });
  for (const s of [good, busy, rude, silent]) s.server.close();
  await new Promise((r) => setTimeout(r, 50));
  t.like(await check(good.port), { ok: false, reason: 'connect ECONNREFUSED' });
});
