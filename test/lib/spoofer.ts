// Runs inside the client namespace: sends COUNT well-formed VRRPv2 adverts for VRID with a
// PRIORITY below the master's, spread over DURATION ms, as anyone on the segment could.
// Prints how many left.
import { createRawSocket } from '@tandem/net';
import { encode, noAuthData, type Advertisement } from '@tandem/vrrp';

const [src = '', countText = '2000', durationText = '2000', priorityText = '50', vridText = '51', ...addresses] = process.argv.slice(2);
const group = '224.0.0.18';
const advert: Advertisement = { version: 2, vrid: Number(vridText), priority: Number(priorityText), intervalCs: 100, addresses, authType: 0, authData: noAuthData };
const datagram = encode(advert, { family: 4, src, dst: group });
const socket = createRawSocket({ family: 4, protocol: 112, interface: 'eth0' });
const count = Number(countText);
const gapMs = Number(durationText) / count;
const start = Date.now();
let sent = 0;
const tick = (): void => {
  // Catch up with the schedule: as many as are due by now.
  const due = Math.min(count, Math.floor((Date.now() - start) / gapMs) + 1);
  for (; sent < due; sent++) {
    try {
      socket.send(datagram, group);
    } catch {
      // ENOBUFS: carry on.
    }
  }
  if (sent < count) setTimeout(tick, 1);
  else {
    process.stdout.write(`${sent}\n`);
    socket.close();
  }
};
tick();
