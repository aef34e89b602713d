// A stand-in for tandemd's supervisor in the announcement tests: the daemon's own Announcer
// on the real host (a TUN interface, routes through it), driven by lines on stdin:
//   announce PREFIX / withdraw PREFIX   apply a plan with PREFIX announced or not
//   child                               start a long-lived child process (as a notify script)
// Each line is answered with `ok` once the kernel has the change (`error ...` otherwise).
// Usage: node announce-driver.js INTERFACE
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Announcer, netAnnounceHost, type PlannedPrefix } from '@tandem/daemon';

const [ifname = 'tandem-anycast'] = process.argv.slice(2);
const log = { error: (m: string) => console.error(m), warn: (m: string) => console.error(m), info: (m: string) => console.error(m), debug: () => undefined, child: () => log };
const announcer = new Announcer(netAnnounceHost((c) => c), log);
const wanted = new Map<string, boolean>();

function plan(): PlannedPrefix[] {
  return [...wanted].map(([key, announce]) => {
    const [address = '', prefix = '32'] = key.split('/');
    return { key, address, prefix: Number(prefix), family: address.includes(':') ? 6 : 4, announce, reason: announce ? 'told to announce' : 'told to withdraw', virtualServers: ['driver'] };
  });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg = ''] = line.trim().split(/\s+/);
  if (cmd === 'child') {
    const c = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
    c.unref();
    console.log(`ok ${c.pid}`);
    return;
  }
  if (cmd !== 'announce' && cmd !== 'withdraw') {
    console.log(`error: unknown command ${cmd}`);
    return;
  }
  wanted.set(arg, cmd === 'announce');
  announcer.apply(ifname, plan()).then(
    () => console.log(announcer.status().prefixes.find((p) => p.prefix === arg)?.announced === (cmd === 'announce') ? 'ok' : `error: ${JSON.stringify(announcer.status())}`),
    (err: unknown) => console.log(`error: ${String(err)}`),
  );
});
