// test/bench/config: the config path at LVS scale, on the host (issue 12). One keepalived.conf
// of 1,000 virtual servers x 10 real servers (46,000 lines, each real server with a weight and
// a TCP_CHECK), and:
//   - parse + validate in a fresh node process, as tandemd reads a file at start and reload:
//     the first (cold) run, and the median of RUNS more;
//   - `tandemd -t` wall time vs `keepalived -t`, same file, runs alternating, medians of RUNS;
//   - RSS once started, tandemd and keepalived (whose checker runs without IPVS), each in a
//     namespace of our own where every real server answers its TCP_CHECK (tandemd logs one
//     error per virtual server: the host has no IPVS);
//   - a reload with one real server's weight changed: SIGHUP until tandemd logs the reload
//     applied, and until `tandemctl status` shows the weight; median of RELOADS.
// With --baseline DIR (a built checkout of an older tandem), that tandem is measured alongside.
// Prints a table and writes JSON to test/results/bench-config.json. Root (namespaces).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { requestControl } from '@tandem/daemon';
import { lvsConf, realAddress, serviceAddress } from '../lib/lvs-conf.js';
import { exited, nsSpawn, run, sleep, waitFor } from '../lib/sh.js';

const REPO = join(__dirname, '..', '..', '..');
/** The namespace the daemons run in (--netns: each engineer's runs keep a prefix of their own). */
let NS = 'tA-bench';
const SERVICES = 1000;
const REALS = 10;
/** The real server whose weight the reloads change. */
const CHANGED = { v: 500, r: 5 };

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** The RSS goal: 1.5 x the 98.2 MB tandemd took when issue 12 was filed, whatever build runs beside. */
const RSS_GOAL_MB = 147.3;

/** A tandem to measure: this checkout, or an older build given with --baseline. */
interface Tandem {
  readonly name: string;
  readonly root: string;
}
const bin = (t: Tandem): string => join(t.root, 'packages', 'daemon', 'bin', 'tandemd.js');

/** Loads the file RUNS + 1 times in a fresh node process; the first is the cold one. */
function parseInProcess(t: Tandem, file: string, runs: number): { cold: number; warm: number[] } {
  const script = `
    const { load } = require(${JSON.stringify(join(t.root, 'packages', 'config', 'dist', 'src', 'index.js'))});
    const times = [];
    for (let i = 0; i <= ${runs}; i++) {
      const t0 = process.hrtime.bigint();
      const r = load(${JSON.stringify(file)}, { fingerprints: true });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.config === undefined) throw new Error('the file did not load');
    }
    process.stdout.write(JSON.stringify(times));`;
  const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parse in process (${t.name}): ${r.stderr}`);
  const times = JSON.parse(r.stdout) as number[];
  return { cold: times[0]!, warm: times.slice(1) };
}

/** Wall time of one `-t` run, checked to succeed. */
function configTestWall(cmd: string, args: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
  const wall = ms(t0);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}: ${r.stdout}${r.stderr}`);
  return wall;
}

/** VmRSS (and VmHWM, the peak) in MB of a process and its children, and of the process alone. */
function rssOf(pid: number): { rss: number; peak: number; ownRss: number } {
  const pids = [pid, ...spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter((p) => p > 0)];
  let rss = 0;
  let peak = 0;
  let ownRss = 0;
  for (const p of pids) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    const mb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    rss += mb;
    if (p === pid) ownRss = mb;
    peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }
  return { rss, peak, ownRss };
}

const withWeight = (w: number): string => lvsConf({ services: SERVICES, realsPerService: REALS, weight: (v, r) => (v === CHANGED.v && r === CHANGED.r ? w : 1) });

/** The weight `tandemctl status` shows for the changed real server, if any yet. */
async function shownWeight(socket: string): Promise<number | undefined> {
  const reply = await requestControl(socket, 'status', 30_000);
  if (!reply.ok) return undefined;
  const status = reply.data as { virtualServers: Array<{ name: string; reals: Array<{ address: string; weight: number }> }> };
  const vs = status.virtualServers.find((v) => v.name === `${serviceAddress(CHANGED.v)}:80/TCP`);
  return vs?.reals.find((r) => r.address === realAddress(CHANGED.v, CHANGED.r, REALS))?.weight;
}

interface DaemonFigures {
  /** All of tandemd's processes (the supervisor and its VRRP side, where there is one). */
  readonly rssMb: number;
  /** The supervisor alone: the process that reads the file and runs the checks and IPVS. */
  readonly supervisorRssMb: number;
  readonly peakMb: number;
  readonly startMs: number;
  readonly reloadAppliedMs: number[];
  readonly reloadShownMs: number[];
}

/** Starts tandemd on the file in the namespace, measures its RSS and `reloads` reloads, stops it. */
async function daemonRun(t: Tandem, dir: string, reloads: number): Promise<DaemonFigures> {
  const file = join(dir, `${t.name}.conf`);
  writeFileSync(file, withWeight(1));
  const socket = join(dir, `${t.name}.sock`);
  const t0 = process.hrtime.bigint();
  const child = nsSpawn(NS, 'node', [bin(t), '-n', '-l', '-f', file, '--control-socket', socket, '-p', join(dir, `${t.name}.pid`)]);
  const applied: bigint[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    if (d.toString().includes('reload applied')) applied.push(process.hrtime.bigint());
  });
  try {
    await waitFor(`${t.name} to start`, 120_000, () => (child.output().includes('tandemd running') ? true : undefined), 10);
    const startMs = ms(t0);
    await sleep(5000);
    const { rss, peak, ownRss } = rssOf(child.pid!);
    const appliedMs: number[] = [];
    const shownMs: number[] = [];
    for (let i = 0; i < reloads; i++) {
      const w = i % 2 === 0 ? 7 : 1;
      writeFileSync(file, withWeight(w));
      const seen = applied.length;
      const s0 = process.hrtime.bigint();
      child.kill('SIGHUP');
      const at = await waitFor('the reload to be applied', 60_000, () => applied[seen], 1);
      appliedMs.push(Number(at - s0) / 1e6);
      await waitFor('the new weight in tandemctl status', 60_000, async () => ((await shownWeight(socket)) === w ? true : undefined), 1);
      shownMs.push(ms(s0));
      await sleep(1000);
    }
    return { rssMb: rss, supervisorRssMb: ownRss, peakMb: peak, startMs, reloadAppliedMs: appliedMs, reloadShownMs: shownMs };
  } catch (err) {
    process.stderr.write(child.output().slice(-3000));
    throw err;
  } finally {
    child.kill('SIGTERM');
    await exited(child, 20_000);
  }
}

/** keepalived on the same file in the namespace: its RSS (all its processes) once started. */
async function keepalivedRss(file: string, dir: string): Promise<{ rssMb: number; peakMb: number }> {
  const pid = join(dir, 'keepalived.pid');
  const child: ChildProcess = nsSpawn(NS, 'keepalived', ['-n', '-l', '-f', file, '-p', pid, '-c', join(dir, 'checkers.pid'), '-r', join(dir, 'vrrp.pid')]);
  try {
    await waitFor('keepalived to start', 60_000, () => (existsSync(join(dir, 'checkers.pid')) ? true : undefined), 10);
    await sleep(5000);
    const r = rssOf(Number(readFileSync(pid, 'utf8').trim()));
    return { rssMb: r.rss, peakMb: r.peak };
  } finally {
    child.kill('SIGTERM');
    await exited(child, 20_000);
  }
}

async function setUpNamespace(): Promise<ChildProcess> {
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // Every real server address is local, and one listener answers all their TCP_CHECKs.
  await run('ip', ['-n', NS, 'route', 'add', 'local', '10.20.0.0/16', 'dev', 'lo']);
  const listener = nsSpawn(NS, 'node', ['-e', "require('net').createServer((s) => s.destroy()).listen(8080, '0.0.0.0', () => console.log('listening'))"]);
  await waitFor('the real servers to listen', 10_000, () => (listener.output().includes('listening') ? true : undefined));
  return listener;
}

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '9' },
      reloads: { type: 'string', default: '7' },
      baseline: { type: 'string' },
      netns: { type: 'string', default: NS },
      out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-config.json') },
    },
  });
  const runs = Number(values.runs);
  NS = values.netns;
  const reloads = Number(values.reloads);
  const tandems: Tandem[] = [{ name: 'tandem', root: REPO }, ...(values.baseline !== undefined ? [{ name: 'baseline', root: values.baseline }] : [])];
  const dir = mkdtempSync(join(tmpdir(), 'tA-bench-config-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, withWeight(1));
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  let listener: ChildProcess | undefined;
  const cleanup = (): void => {
    listener?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const parse = Object.fromEntries(tandems.map((t) => [t.name, parseInProcess(t, file, runs)]));
    const configTest: Record<string, number[]> = { keepalived: [], ...Object.fromEntries(tandems.map((t) => [t.name, [] as number[]])) };
    for (let i = 0; i < runs; i++) {
      configTest['keepalived']!.push(configTestWall('keepalived', ['-t', '-f', file]));
      for (const t of tandems) configTest[t.name]!.push(configTestWall('node', [bin(t), '-t', '-f', file]));
    }
    listener = await setUpNamespace();
    const daemons: Record<string, DaemonFigures> = {};
    for (const t of tandems) daemons[t.name] = await daemonRun(t, dir, reloads);
    const keepalived = await keepalivedRss(file, dir);

    const f = (x: number): string => x.toFixed(0);
    const tandemT = median(configTest['tandem']!);
    const keepalivedT = median(configTest['keepalived']!);
    const base = values.baseline !== undefined ? 'baseline' : undefined;
    const col = (get: (name: string) => string): string[] => (base !== undefined ? [get('tandem'), get(base)] : [get('tandem')]);
    const rows: string[][] = [
      ['figure', ...(base !== undefined ? ['tandem', 'before'] : ['tandem']), 'keepalived', 'goal'],
      ['parse + validate in process, cold (ms)', ...col((n) => f(parse[n]!.cold)), '', ''],
      [`parse + validate in process, median of ${runs} (ms)`, ...col((n) => f(median(parse[n]!.warm))), '', '<= 60'],
      [`-t wall, median of ${runs} (ms)`, ...col((n) => f(median(configTest[n]!))), f(keepalivedT), ''],
      ['-t wall / keepalived -t wall', ...col((n) => (median(configTest[n]!) / keepalivedT).toFixed(2)), '1.00', '<= 2.0'],
      ['RSS after start, all processes (MB)', ...col((n) => daemons[n]!.rssMb.toFixed(1)), keepalived.rssMb.toFixed(1), `<= ${RSS_GOAL_MB} (1.5 x the filing's 98.2)`],
      ['RSS after start, the supervisor alone (MB)', ...col((n) => daemons[n]!.supervisorRssMb.toFixed(1)), '', ''],
      [`reload, one weight: signal -> applied, median of ${reloads} (ms)`, ...col((n) => f(median(daemons[n]!.reloadAppliedMs))), '', '<= 50'],
      [`reload, one weight: signal -> status shows it (ms)`, ...col((n) => f(median(daemons[n]!.reloadShownMs))), '', ''],
    ];
    console.log(`\n${SERVICES} virtual servers x ${REALS} real servers (${lines.toLocaleString('en-US')} lines), host, ${new Date().toISOString().slice(0, 10)}`);
    console.log(table(rows));
    console.log(`(tandemd -t ${f(tandemT)} ms = ${(tandemT / keepalivedT).toFixed(2)} x keepalived -t; node -e 0 alone: ${f(median(Array.from({ length: 5 }, () => configTestWall('node', ['-e', '0']))))} ms)`);
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), services: SERVICES, realsPerService: REALS, lines, runs, reloads, parse, configTest, daemons, keepalived }, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
  } finally {
    cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
