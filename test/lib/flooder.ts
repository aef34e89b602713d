// Runs inside the client namespace: floods the VRRP group with malformed and
// forged datagrams that a backup must drop, for DURATION ms. Prints a count.
import { createRawSocket } from '@tandem/net';
import { encode, passwordAuthData, noAuthData, type Advertisement } from '@tandem/vrrp';

const [src = '', durationMs = '2000', password = ''] = process.argv.slice(2);
const group = '224.0.0.18';
const ctx = { family: 4 as const, src, dst: group };
const good: Advertisement = {
  version: 2,
  vrid: 51,
  priority: 0,
  intervalCs: 100,
  addresses: ['192.0.2.100'],
  authType: password === '' ? 0 : 1,
  authData: password === '' ? noAuthData : passwordAuthData(password),
};
// Each of these would make the backup take over (priority 0) if it were accepted.
const valid = encode(good, ctx);
const badChecksum = Buffer.from(valid);
badChecksum[7] = badChecksum[7]! ^ 0xff;
const wrongPassword = encode({ ...good, authType: 1, authData: passwordAuthData('intruder') }, ctx);
const noPassword = encode({ ...good, authType: 0, authData: noAuthData }, ctx);
const wrongInterval = encode({ ...good, intervalCs: 300 }, ctx);
const wrongAddresses = encode({ ...good, addresses: ['192.0.2.99'] }, ctx);
const v3 = encode({ ...good, version: 3, intervalCs: 100, authType: 0, authData: noAuthData }, ctx);
const truncated = valid.subarray(0, 10);
const badType = Buffer.from(valid);
badType[0] = 0x22;

const ttl255 = createRawSocket({ family: 4, protocol: 112, interface: 'eth0' });
const ttl64 = createRawSocket({ family: 4, protocol: 112, interface: 'eth0' }).setTtl(64);
const shaped = [badChecksum, wrongPassword, noPassword, wrongInterval, wrongAddresses, v3, truncated, badType];
let sent = 0;
const end = Date.now() + Number(durationMs);
const burst = (): void => {
  for (let i = 0; i < 200; i++) {
    try {
      const pick = sent % 10;
      if (pick < shaped.length) ttl255.send(shaped[pick]!, group);
      else if (pick === shaped.length) ttl64.send(valid, group); // valid but TTL 64
      else ttl255.send(Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 60) }, () => Math.floor(Math.random() * 256))), group);
      sent++;
    } catch {
      // ENOBUFS under load: keep flooding.
    }
  }
  if (Date.now() < end) setImmediate(burst);
  else {
    process.stdout.write(`${sent}\n`);
    ttl255.close();
    ttl64.close();
  }
};
burst();
