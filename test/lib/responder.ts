// Runs inside a director namespace: answers every UDP datagram with "NAME SEQ".
import { createSocket } from 'node:dgram';

const [name = 'node', port = '7777'] = process.argv.slice(2);
for (const type of ['udp4', 'udp6'] as const) {
  // ipv6Only, or the IPv6 socket would collide with the IPv4 one on the same port.
  const s = createSocket({ type, ipv6Only: type === 'udp6' });
  s.on('message', (msg, rinfo) => s.send(`${name} ${msg.toString()}`, rinfo.port, rinfo.address));
  s.on('error', () => undefined);
  s.bind(Number(port));
}
