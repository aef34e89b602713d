// A Unix datagram socket a test listens on (a /dev/log or a NOTIFY_SOCKET of its own), in a
// process of its own: unix-dgram's receive callback runs on the main thread's loop, so it
// cannot live in ava's worker threads. Binds argv[2], prints "ready", then each datagram as
// one JSON string per line.
import { createSocket } from 'unix-dgram';

const socket = createSocket('unix_dgram', (msg) => process.stdout.write(`${JSON.stringify(msg.toString())}\n`));
socket.on('error', (err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
socket.on('listening', () => process.stdout.write('ready\n'));
socket.bind(process.argv[2]!);
process.on('SIGTERM', () => {
  socket.close();
  process.exit(0);
});
