// Runs inside the real-kernel guest (see test/bench/ipvs.ts). A table of 1,000 services x 10
// real servers, RUNS times each, the tools taking turns:
// - the driver: tandem's client (as tandemd opens it) programs the table from empty and reads
//   it back, against `ipvsadm -R` and `ipvsadm -Ln`;
// - the daemons: tandemd and keepalived (its checker, -C) start on the same keepalived.conf
//   (from spawn to the first kernel entry and to the full table), then reload it with one real
//   server's weight changed (from SIGHUP, sent once the daemon's log has been quiet for 2 s,
//   until the kernel shows it; the whole table is compared before and after, and exactly that
//   entry may differ), then stop, and start again at once in the same namespace (a restart:
//   the table it just took out is in the kernel's trash, in the order it took it out).
// The kernel is watched from this process through tandem's own client, every POLL_MS, with
// one small request per look (the first service, or the last one's destinations), so the
// watching costs the daemons little. Writes the figures as JSON.
//
// Each table is programmed into a network namespace made for it, whose IPVS is empty as at
// boot. In one namespace, the order a table left in would set the next one's pace: the kernel
// keeps removed destinations in a trash list for a minute or two and walks it at each add
// (10,000 destinations went in in 1.9 s after a removal in file order, 0.18 s after one
// backwards, 0.7 s into an empty trash), so whichever daemon ran second paid for how the
// first one stopped.
// Usage: node bench-ipvs-guest.js OUT [RUNS] [tandem,keepalived]
import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { destinationId, IpvsClient, type KernelService, planChanges, type ServiceKey, serviceId, type TableService } from '@tandem/ipvs';
import { callInNetworkNamespace, NetlinkSocket } from '@tandem/net';
import { sleep } from '../lib/sh.js';

const SERVICES = 1000;
const REALS = 10;
const POLL_MS = 20;
/** The real server whose weight the reload changes, and its new weight. */
const CHANGED = { service: 500, real: 5, weight: 9 };

const vip = (i: number): string => `192.0.${2 + Math.floor(i / 250)}.${1 + (i % 250)}`;
const rip = (i: number, j: number): string => `10.0.${j}.${1 + (i % 250)}`;
const weightOf = (i: number, j: number, changed: boolean): number => (changed && i === CHANGED.service && j === CHANGED.real ? CHANGED.weight : 1 + (j % 3));
const keyOf = (i: number): ServiceKey => ({ family: 'inet', protocol: 'tcp', address: vip(i), port: 80 });

const table: TableService[] = Array.from({ length: SERVICES }, (_v, i) => ({
  service: { key: keyOf(i), scheduler: 'wlc', flags: 0, timeout: 0, netmask: 32 },
  destinations: Array.from({ length: REALS }, (_w, j) => ({ address: rip(i, j), port: 8080, forward: 'masq' as const, weight: weightOf(i, j, false), upperThreshold: 0, lowerThreshold: 0 })),
}));

const restore = table
  .flatMap((t, i) => [`-A -t ${vip(i)}:80 -s wlc`, ...t.destinations.map((d) => `-a -t ${vip(i)}:80 -r ${d.address}:${d.port} -m -w ${d.weight}`)])
  .join('\n');

/** The same table as keepalived.conf: no health checks, so every real server is in from the start. */
function conf(changed: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    out.push(`virtual_server ${vip(i)} 80 {\n    lb_algo wlc\n    lb_kind NAT\n    protocol TCP`);
    for (let j = 0; j < REALS; j++) out.push(`    real_server ${rip(i, j)} 8080 {\n        weight ${weightOf(i, j, changed)}\n    }`);
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One daemon's run: spawn to first entry, spawn to full, first to full, SIGHUP to the kernel showing the change. */
export interface DaemonRun {
  readonly startToFirst: number;
  readonly startToFull: number;
  readonly firstToFull: number;
  readonly reloadToKernel: number;
  /** Spawn to the full table again, started once its stop has ended (a restart). */
  readonly restartToFull: number;
  /** Entries (services or destinations) that differ between the tables before and after the reload. */
  readonly changedEntries: number;
}

/** The figures the host reads back (test/bench/ipvs.ts). */
export interface BenchResult {
  readonly services: number;
  readonly realsPerService: number;
  readonly pollMs: number;
  readonly tandemProgram: number[];
  readonly ipvsadmProgram: number[];
  readonly tandemDump: number[];
  readonly ipvsadmDump: number[];
  readonly daemons: Record<string, DaemonRun[]>;
}

let namespaces = 0;

/** A network namespace of its own for one table: loopback, and an address that routes the real servers (IPVS refuses a NAT destination it cannot reach). */
function freshNamespace(): string {
  const ns = `bipvs${++namespaces}`;
  execSync(`ip netns add ${ns} && ip -n ${ns} link set lo up && ip -n ${ns} link add tnd0 type dummy && ip -n ${ns} addr add 10.0.0.254/16 dev tnd0 && ip -n ${ns} link set tnd0 up`);
  return ns;
}

/** Runs `fn` with this thread in `ns`: a socket it opens, a process it spawns, lives there. */
const inNs = <T>(ns: string, fn: () => T): T => callInNetworkNamespace(ns, 'bench', fn);

/**
 * Empties and removes the namespace, then lets the kernel's cleanup (done in the background
 * after the namespace goes) finish before anything else is timed.
 */
async function dropNamespace(ns: string): Promise<void> {
  inNs(ns, () => execFileSync('ipvsadm', ['-C']));
  execSync(`ip netns del ${ns}`);
  await sleep(2000);
}

const openClient = (ns: string): Promise<IpvsClient> => IpvsClient.open({ socket: () => inNs(ns, () => new NetlinkSocket()) });

/** Entries that differ between two reads of the table: services by key and settings, destinations by service, address and settings. */
function differences(a: readonly KernelService[], b: readonly KernelService[]): number {
  const flat = (t: readonly KernelService[]): Map<string, string> => {
    const m = new Map<string, string>();
    for (const s of t) {
      const sid = serviceId(s.service.key);
      m.set(sid, `${s.service.scheduler}/${s.service.flags}/${s.service.timeout}/${s.service.netmask}`);
      for (const d of s.destinations) m.set(`${sid} ${destinationId(d)}`, `${d.forward}/${d.weight}/${d.upperThreshold}/${d.lowerThreshold}`);
    }
    return m;
  };
  const x = flat(a);
  const y = flat(b);
  let n = 0;
  for (const [k, v] of x) if (y.get(k) !== v) n++;
  for (const k of y.keys()) if (!x.has(k)) n++;
  return n;
}

/** Waits until the file has not grown for `quietMs`: the daemon has finished what it had to log. */
async function quiet(file: string, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  let size = -1;
  let since = now();
  while (now() < deadline) {
    const s = statSync(file).size;
    if (s !== size) {
      size = s;
      since = now();
    } else if (now() - since >= quietMs) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${file} kept growing for ${timeoutMs} ms`);
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await probe()) return now();
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

function spawnDaemon(impl: 'tandem' | 'keepalived', file: string, logFile: string): ChildProcess {
  // Their logs go to a file: reading 11,000 lines through a pipe would load this process.
  const log = openSync(logFile, 'w');
  try {
    return impl === 'tandem'
      ? spawn('node', ['packages/daemon/bin/tandemd.js', '-n', '-l', '-f', file, '--control-socket', '/run/tandem-test/bench-ipvs.sock'], { stdio: ['ignore', log, log] })
      : spawn('keepalived', ['-n', '-l', '-C', '-f', file, '-p', '/tmp/bench-ipvs-k.pid', '-c', '/tmp/bench-ipvs-kc.pid'], { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

async function stopDaemon(daemon: ChildProcess): Promise<void> {
  if (daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await Promise.race([exited, sleep(60_000)]);
    daemon.kill('SIGKILL');
  }
  try {
    execSync('pkill -9 -x keepalived', { stdio: 'ignore' });
  } catch {
    // none left
  }
}

async function daemonRun(impl: 'tandem' | 'keepalived'): Promise<DaemonRun> {
  const ns = freshNamespace();
  const watch = await openClient(ns);
  const file = `/tmp/bench-ipvs-${impl}.conf`;
  writeFileSync(file, conf(false));
  const first = keyOf(0);
  const last = keyOf(SERVICES - 1);
  const changedKey = keyOf(CHANGED.service);
  const logFile = `/tmp/bench-ipvs-${impl}.log`;
  const t0 = now();
  let daemon = inNs(ns, () => spawnDaemon(impl, file, logFile));
  try {
    let firstAt = 0;
    const fullAt = await until(`${impl} to program the full table`, 300_000, async () => {
      if (firstAt === 0 && (await watch.service(first)) !== undefined) firstAt = now();
      return firstAt !== 0 && (await watch.destinations(last)).length === REALS;
    });
    const before = await watch.table();
    if (before.reduce((n, s) => n + s.destinations.length, 0) !== SERVICES * REALS) throw new Error(`${impl}: the table is not complete when its last entry is in`);
    if (planChanges(table, before).length !== 0) throw new Error(`${impl}: the kernel's table is not the file's`);
    // The reload is timed from an idle daemon: whatever it logs after programming (tandemd
    // logs each entry it added) is written first.
    await quiet(logFile, 2000, 300_000);
    writeFileSync(file, conf(true));
    const sent = now();
    daemon.kill('SIGHUP');
    const shown = await until(`${impl} to apply the reload`, 300_000, async () => (await watch.destinations(changedKey)).some((d) => d.address === rip(CHANGED.service, CHANGED.real) && d.weight === CHANGED.weight));
    await sleep(2000);
    const after = await watch.table();
    await stopDaemon(daemon);
    // keepalived's parent kills its checker when it takes too long to stop ("checker process
    // failed to die"), which on this emulated CPU can leave part of the table in: cleared here.
    const left = (await watch.services()).length;
    if (left > 0) {
      console.log(`${impl}: ${left} services left in IPVS after its stop, cleared before the restart`);
      inNs(ns, () => execFileSync('ipvsadm', ['-C']));
    }
    const t1 = now();
    daemon = inNs(ns, () => spawnDaemon(impl, file, logFile));
    const restartedAt = await until(`${impl} to program the full table again`, 300_000, async () => (await watch.destinations(last)).length === REALS);
    const run = { startToFirst: firstAt - t0, startToFull: fullAt - t0, firstToFull: fullAt - firstAt, reloadToKernel: shown - sent, changedEntries: differences(before, after), restartToFull: restartedAt - t1 };
    console.log(`${impl}: start -> first ${run.startToFirst.toFixed(0)} ms, -> full ${run.startToFull.toFixed(0)} ms (first -> full ${run.firstToFull.toFixed(0)}), reload -> kernel ${run.reloadToKernel.toFixed(0)} ms, ${run.changedEntries} entry(ies) changed, restart -> full ${run.restartToFull.toFixed(0)} ms`);
    return run;
  } catch (err) {
    console.log(readFileSync(logFile, 'utf8').slice(-3000));
    throw err;
  } finally {
    await stopDaemon(daemon);
    watch.close();
    await dropNamespace(ns);
  }
}

async function driverRun(r: BenchResult): Promise<void> {
  const ns = freshNamespace();
  let t0 = now();
  const ipvs = await openClient(ns);
  const results = await ipvs.apply(planChanges(table, []));
  r.tandemProgram.push(now() - t0);
  ipvs.close();
  const failed = results.filter((x) => x.error !== undefined);
  if (failed.length > 0) throw new Error(`${failed.length} operations refused: ${failed[0]?.error?.message}`);
  t0 = now();
  const reader = await openClient(ns);
  const dumped = await reader.table();
  r.tandemDump.push(now() - t0);
  reader.close();
  if (dumped.reduce((n, s) => n + s.destinations.length, 0) !== SERVICES * REALS) throw new Error('tandem dump incomplete');
  await dropNamespace(ns);

  const ipvsadmNs = freshNamespace();
  t0 = now();
  inNs(ipvsadmNs, () => execSync('ipvsadm -R < /tmp/bench-ipvs.rules'));
  r.ipvsadmProgram.push(now() - t0);
  // Its listing goes to /dev/null, as a shell's `ipvsadm -Ln > /dev/null`: no pipe for this process to drain.
  const devNull = openSync('/dev/null', 'w');
  t0 = now();
  inNs(ipvsadmNs, () => execFileSync('ipvsadm', ['-Ln'], { stdio: ['ignore', devNull, 'inherit'] }));
  r.ipvsadmDump.push(now() - t0);
  closeSync(devNull);
  const listing = inNs(ipvsadmNs, () => execFileSync('ipvsadm', ['-Ln'], { maxBuffer: 64 << 20, encoding: 'utf8' }));
  if (listing.split('\n').filter((l) => l.includes('->') && l.includes(':8080')).length !== SERVICES * REALS) throw new Error('ipvsadm dump incomplete');
  await dropNamespace(ipvsadmNs);
  console.log(`driver: program tandem ${r.tandemProgram.at(-1)?.toFixed(0)} / ipvsadm -R ${r.ipvsadmProgram.at(-1)?.toFixed(0)} ms, dump tandem ${r.tandemDump.at(-1)?.toFixed(0)} / ipvsadm -Ln ${r.ipvsadmDump.at(-1)?.toFixed(0)} ms`);
}

async function main(): Promise<void> {
  const [out = '/run/share/bench-ipvs.json', runsText = '5', implsText = 'tandem,keepalived'] = process.argv.slice(2);
  const runs = Number(runsText);
  const impls = implsText.split(',').map((x) => (x === 'keepalived' ? 'keepalived' : 'tandem'));
  writeFileSync('/tmp/bench-ipvs.rules', `${restore}\n`);
  const r: BenchResult = { services: SERVICES, realsPerService: REALS, pollMs: POLL_MS, tandemProgram: [], ipvsadmProgram: [], tandemDump: [], ipvsadmDump: [], daemons: Object.fromEntries(impls.map((i) => [i, []])) };
  for (let i = 0; i < runs; i++) {
    console.log(`-- run ${i + 1} of ${runs}`);
    await driverRun(r);
    // The daemons take turns, and which goes first alternates from run to run.
    const order = i % 2 === 0 ? impls : [...impls].reverse();
    for (const impl of order) r.daemons[impl]?.push(await daemonRun(impl));
  }
  writeFileSync(out, JSON.stringify(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
