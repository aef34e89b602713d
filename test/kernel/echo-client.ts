// A long-lived TCP client for the failover test: one connection, a numbered line every 100 ms,
// each echo checked. Prints `ok N` every 10 echoes and `error ...` / `closed` when the
// connection breaks, then exits. Usage: node echo-client.js HOST PORT
import { connect } from 'node:net';

const [host = '127.0.0.1', port = '7'] = process.argv.slice(2);
const socket = connect({ host, port: Number(port) });
let sent = 0;
let echoed = 0;
let buffered = '';
socket.setNoDelay(true);
socket.on('connect', () => {
  console.log('connected');
  setInterval(() => socket.write(`${++sent}\n`), 100);
});
socket.on('data', (d: Buffer) => {
  buffered += d.toString();
  let nl: number;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (Number(line) !== echoed + 1) {
      console.log(`error: expected ${echoed + 1}, got ${line}`);
      process.exit(1);
    }
    echoed++;
    if (echoed % 10 === 0) console.log(`ok ${echoed}`);
  }
});
socket.on('error', (err) => {
  console.log(`error: ${err.message}`);
  process.exit(1);
});
socket.on('close', () => {
  console.log('closed');
  process.exit(1);
});
