// Runs inside a namespace: receives one protocol-112 datagram on eth0 and
// prints its payload and metadata as JSON, or sends one with a given TTL.
//   raw-echo.js recv 4|6            -> {"payload":"hex","ttl":N,"src":..,"dst":..,"ifindex":N}
//   raw-echo.js send 4|6 DST TTL HEX
import { createRawSocket } from '@tandem/net';

const [mode = 'recv', fam = '4', dst = '', ttl = '255', hex = ''] = process.argv.slice(2);
const family = fam === '6' ? 6 : 4;
const s = createRawSocket({ family, protocol: 112, interface: 'eth0' });
if (mode === 'recv') {
  s.addMembership(family === 4 ? '224.0.0.18' : 'ff02::12');
  s.on('message', (payload, info) => {
    process.stdout.write(`${JSON.stringify({ payload: payload.toString('hex'), ...info })}\n`);
    s.close();
    process.exit(0);
  });
  s.listen();
  process.stdout.write('ready\n');
} else {
  s.setTtl(Number(ttl));
  s.send(Buffer.from(hex, 'hex'), dst);
  s.close();
}
