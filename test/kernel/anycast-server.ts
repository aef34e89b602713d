// A real server for test/bench/anycast: on port 80, each connection is greeted with the
// server's name and then echoed, so that a client can hold connections and see them survive.
// Usage: node anycast-server.js NAME
import { createServer } from 'node:net';

const [name = 'rs'] = process.argv.slice(2);
createServer((c) => {
  c.on('error', () => c.destroy());
  c.write(`${name}\n`);
  c.pipe(c);
}).listen(80);
