// Runs inside the real-kernel guest (see test/bench/anycast.ts): the same four real servers
// (echo, anycast-server.ts) behind
// - tandem: three active directors announcing the VIP over BGP (examples/anycast, lb_algo mh,
//   sync daemon on every director), flows spread by the router's ECMP;
// - keepalived: a VRRP pair (advert 1 s) holding the VIP on a LAN in front of the router, one
//   active director, the same virtual server (mh, DR) and lvs_sync_daemon following VRRP.
// A client holds HOLD connections and opens a new one every 50 ms; one director's link to
// the router is cut (tandem: director 1, keepalived: the master), and after SETTLE_MS the
// figures are read: the share of held connections still echoing, and the time from the cut
// until the last failed new connection. Writes JSON. Usage: node bench-anycast-guest.js OUT [RUNS] [HOLD]
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AnycastLab, VIP } from './anycast-lab.js';
import { script, sh, sleep, until } from './guest-sh.js';

const SETTLE_MS = 10_000;
/** anycast-client.ts opens a new connection this often. */
const PROBE_EVERY_MS = 50;

/** One cut's figures. */
export interface AnycastRun {
  readonly impl: 'tandem' | 'keepalived';
  readonly held: number;
  readonly survived: number;
  /** From the cut until new connections all succeed: the last failed one's start plus the probe interval (0: none failed). */
  readonly recoveryMs: number;
  readonly failedProbes: number;
}

interface Report {
  held: number;
  established: number;
  alive: number;
  probes: Array<[number, boolean]>;
}

function client(hold: number): { child: ChildProcess; ask(line: string): Promise<string> } {
  const child = spawn('ip', ['netns', 'exec', 'ac', 'node', 'test/dist/kernel/anycast-client.js', VIP, String(hold)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(l: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => waiting.shift()?.(l));
  return {
    child,
    ask: (line) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin!.write(`${line}\n`);
      }),
  };
}

async function measure(impl: AnycastRun['impl'], hold: number, cut: string): Promise<AnycastRun> {
  const c = client(hold);
  try {
    await until('the held connections', 60_000, async () => ((JSON.parse(await c.ask('report')) as Report).established === hold ? true : undefined));
    // The sync daemons send a connection's state within a second or two.
    await sleep(3000);
    await c.ask('mark');
    script(`ip link set ${cut} down`);
    await sleep(SETTLE_MS);
    const r = JSON.parse(await c.ask('report')) as Report;
    const failed = r.probes.filter(([, ok]) => !ok);
    return { impl, held: hold, survived: r.alive, recoveryMs: failed.length === 0 ? 0 : Math.max(...failed.map(([t]) => t)) + PROBE_EVERY_MS, failedProbes: failed.length };
  } finally {
    c.child.kill('SIGKILL');
    script(`ip link set ${cut} up`);
  }
}

async function tandem(hold: number): Promise<AnycastRun> {
  const lab = await AnycastLab.start({ echo: true });
  try {
    for (const ns of ['ad1', 'ad2', 'ad3']) lab.startTandem(ns);
    await lab.waitPaths([1, 2, 3], 240_000);
    return await measure('tandem', hold, 'ab1-d');
  } finally {
    await lab.teardown();
  }
}

const pairConf = (priority: number): string => `global_defs {
    lvs_sync_daemon eth1 VI_1 id 61
}
vrrp_instance VI_1 {
    interface eth2
    virtual_router_id 61
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        ${VIP}/32 dev eth2
    }
}
virtual_server ${VIP} 80 {
    delay_loop 2
    lb_algo mh
    mh-port
    lb_kind DR
    protocol TCP
${[21, 22, 23, 24].map((h) => `    real_server 10.52.0.${h} 80 {\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }`).join('\n')}
}
`;

async function keepalived(hold: number): Promise<AnycastRun> {
  const lab = await AnycastLab.start({ echo: true, front: true });
  const children: ChildProcess[] = [];
  try {
    for (const [ns, prio] of [['ad1', 150], ['ad2', 100]] as const) {
      const file = `/tmp/anycast/keepalived-${ns}.conf`;
      writeFileSync(file, pairConf(prio));
      const base = `/run/tandem-test/ka-${ns}`;
      children.push(spawn('ip', ['netns', 'exec', ns, 'keepalived', '-n', '-l', '-D', '-f', file, '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-check.pid`], { stdio: 'ignore' }));
    }
    await until('the master to hold the VIP', 120_000, () => (sh('ip', '-n', 'ad1', 'addr', 'show', 'dev', 'eth2').includes(VIP) ? true : undefined));
    await until("the backup's sync daemon", 60_000, () => (/backup sync daemon/.test(sh('ip', 'netns', 'exec', 'ad2', 'ipvsadm', '-L', '--daemon')) ? true : undefined));
    await until('the real servers in IPVS', 60_000, () => ((sh('ip', 'netns', 'exec', 'ad1', 'ipvsadm', '-Ln').match(/-> 10\.52\.0\.2\d:80/g) ?? []).length === 4 ? true : undefined));
    return await measure('keepalived', hold, 'afront-d1');
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(1000);
    await lab.teardown();
  }
}

async function main(): Promise<void> {
  const [out = '/run/share/bench.json', runsText = '1', holdText = '30'] = process.argv.slice(2);
  const runs: AnycastRun[] = [];
  for (let i = 0; i < Number(runsText); i++) {
    for (const impl of [tandem, keepalived]) {
      const r = await impl(Number(holdText));
      console.log(JSON.stringify(r));
      runs.push(r);
      writeFileSync(out, JSON.stringify({ hold: Number(holdText), runs }, null, 1));
    }
  }
  process.exit(0);
}

if (require.main === module) void main();
