// Runs inside the client namespace: prints "SRC" for every VRRP advert seen on eth0.
import { createRawSocket } from '@tandem/net';

const s = createRawSocket({ family: 4, protocol: 112, interface: 'eth0' });
s.addMembership('224.0.0.18');
s.on('message', (_payload, info) => process.stdout.write(`${info.src}\n`));
s.listen();
process.on('SIGTERM', () => process.exit(0));
