// Runs inside the client namespace: sends a numbered UDP datagram to TARGET
// every INTERVAL ms and prints one JSON line per answer with the time it was sent.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const [target = '', port = '7777', intervalMs = '10'] = process.argv.slice(2);
const s = createSocket(isIPv6(target) ? 'udp6' : 'udp4');
const sentAt = new Map<number, number>();
let seq = 0;
s.on('message', (msg) => {
  const [from, n] = msg.toString().split(' ');
  const at = sentAt.get(Number(n));
  if (at === undefined) return;
  sentAt.delete(Number(n));
  process.stdout.write(`${JSON.stringify({ seq: Number(n), sentAt: at, from })}\n`);
});
s.on('error', () => undefined);
setInterval(() => {
  seq++;
  const now = Date.now();
  sentAt.set(seq, now);
  for (const [k, v] of sentAt) if (now - v > 5000) sentAt.delete(k);
  s.send(String(seq), Number(port), target, () => undefined);
}, Number(intervalMs));
process.on('SIGTERM', () => process.exit(0));
