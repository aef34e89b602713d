// The client of test/bench/anycast: holds HOLD connections to HOST:80, each sending a numbered
// line every 200 ms and checking the echo, and opens a new connection every 50 ms (1 s to get
// the greeting). `mark` on stdin notes the time of an event; `report` prints JSON: how many
// held connections were established and how many are still echoing, and each new
// connection's start time (relative to the mark) and outcome.
// Usage: node anycast-client.js HOST HOLD
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [host = '10.60.0.100', holdText = '30'] = process.argv.slice(2);
const hold = Number(holdText);
let mark = 0;
const held: Array<{ established: boolean; broken: boolean }> = [];
const probes: Array<[number, boolean]> = [];

function holdOne(i: number): void {
  const state = { established: false, broken: false };
  held[i] = state;
  const s: Socket = connect({ host, port: 80 });
  let sent = 0;
  let echoed = 0;
  let buf = '';
  let greeted = false;
  s.setNoDelay(true);
  const timer = setInterval(() => {
    if (greeted && !state.broken) s.write(`${++sent}\n`);
  }, 200);
  const broken = (): void => {
    if (state.established) state.broken = true;
    clearInterval(timer);
  };
  s.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!greeted) {
        greeted = true;
        continue;
      }
      if (Number(line) !== echoed + 1) broken();
      else if (++echoed >= 3) state.established = true;
    }
  });
  s.on('error', broken);
  s.on('close', broken);
}

function probe(): void {
  const t = Date.now() - mark;
  const s = connect({ host, port: 80 });
  const done = (ok: boolean): void => {
    clearTimeout(timeout);
    s.destroy();
    probes.push([t, ok]);
  };
  const timeout = setTimeout(() => done(false), 1000);
  s.once('data', () => done(true));
  s.on('error', () => done(false));
}

for (let i = 0; i < hold; i++) setTimeout(() => holdOne(i), i * 20);
setInterval(probe, 50);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'mark') {
    mark = Date.now();
    probes.length = 0;
    console.log('marked');
  } else if (line.trim() === 'report') {
    console.log(JSON.stringify({ held: hold, established: held.filter((h) => h.established).length, alive: held.filter((h) => h.established && !h.broken).length, probes }));
  }
});
