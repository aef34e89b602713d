// TCP listeners for test/bench/checks: one per port from BASE, each accepting and closing.
// Reads "close PORT..." lines on stdin, stops those listeners, answers "closed TIME_MS".
// Usage: node listeners.js BASE COUNT
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';

const [base = '20000', count = '100'] = process.argv.slice(2);
const servers = new Map<number, Server>();
let listening = 0;
for (let p = Number(base); p < Number(base) + Number(count); p++) {
  const s = createServer((c) => c.destroy());
  s.on('error', (err) => console.error(`listener ${p}: ${err.message}`));
  s.listen({ port: p, host: '127.0.0.1', backlog: 4096 }, () => {
    if (++listening === Number(count)) console.log('ready');
  });
  servers.set(p, s);
}
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...ports] = line.trim().split(/\s+/);
  if (cmd !== 'close') return;
  for (const p of ports) servers.get(Number(p))?.close();
  console.log(`closed ${Date.now()}`);
});
