// test/bench/steady: does anything the master does stall its adverts? A pair at VRRPv3 advert
// 0.1 s and 0.05 s; the master's file also holds 1,000 x 10 virtual servers; for DURATION s it
// gets a SIGHUP every second, `tandemctl status --json` every 100 ms, a SIGUSR1 every 2 s, and
// runs 10,000 TCP_CHECKs a second against listeners in its namespace. The backup counts
// takeovers and the gaps between the master's adverts on the wire (tcpdump's kernel
// timestamps). keepalived runs the same file and signals (VRRP only: its checker needs IPVS).
// Then the client's outage after a master link cut at a random phase of the advert cycle
// (one in each RUNS-th of it, the same phases for both pairs), median of RUNS, tandem pair vs
// keepalived pair. Prints tables, writes JSON. Root.
//   node test/dist/bench/steady.js [--seconds 60] [--runs 5] [--out FILE]
//     [--impls tandem,keepalived] [--intervals 0.1,0.05] [--keep-log PREFIX]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, REPO, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { VIP, failoverOnce, markdownTable, median, pairConf, randomPhases, startDaemon, type Impl, type Setting } from '../lib/failover-run.js';
import { exited, sleep, waitFor } from '../lib/sh.js';

const SETTINGS: Setting[] = [
  { label: 'v3 advert 0.1 s', version: 3, advertInt: 0.1 },
  { label: 'v3 advert 0.05 s', version: 3, advertInt: 0.05 },
];
const BASE_PORT = 20000;
const VIRTUAL_SERVERS = 1000;
const REALS = 10;

/** 1,000 virtual servers x 10 real servers, each a TCP_CHECK every second against a listener on loopback. */
function lvsFile(): string {
  const out: string[] = [];
  for (let v = 0; v < VIRTUAL_SERVERS; v++) {
    out.push(`virtual_server 10.${20 + Math.floor(v / 250)}.${v % 250}.1 80 {\n    delay_loop 1\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP`);
    for (let r = 0; r < REALS; r++) out.push(`    real_server 127.0.0.1 ${BASE_PORT + v * REALS + r} {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }\n    }`);
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const pct = (xs: readonly number[], p: number): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!);

interface SteadyResult {
  readonly impl: Impl;
  readonly setting: string;
  readonly seconds: number;
  readonly takeovers: number;
  readonly adverts: number;
  readonly gapP50Ms: number;
  readonly gapP99Ms: number;
  readonly gapMaxMs: number;
  readonly reloads: number;
  readonly statusCalls: number;
  readonly sideLoopDelayMs?: unknown;
}

/** Every `everyMs`, runs `fn` (never two at once) until stop() is called. */
function every(everyMs: number, fn: () => Promise<void> | void): { stop: () => Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      await fn();
      await sleep(Math.max(0, everyMs - (Date.now() - t0)));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function steady(impl: Impl, s: Setting, seconds: number, keepLog: string | undefined): Promise<SteadyResult> {
  const lab = await Lab.create(`st${impl[0]}${Math.round(s.advertInt * 100)}`, ['a', 'b']);
  let listeners: ChildProcess | undefined;
  try {
    if (impl === 'tandem') {
      listeners = lab.spawnIn('a', 'sh', ['-c', `ulimit -n 65536; exec node ${join(REPO, 'test', 'dist', 'kernel', 'listeners.js')} ${BASE_PORT} ${VIRTUAL_SERVERS * REALS}`]);
      await waitFor('listeners', 60_000, () => ((listeners as ReturnType<Lab['spawnIn']>).output().includes('ready') ? true : undefined), 100);
    }
    const a = await startDaemon(lab, impl, 'a', pairConf(s, 150) + lvsFile());
    const b = await startDaemon(lab, impl, 'b', pairConf(s, 100));
    await lab.waitHolder(VIP, 'a', 60_000);
    await sleep(3000);
    const masterLines = (d: Daemon): number => (d.child.output().match(impl === 'tandem' ? /-> MASTER/g : /Entering MASTER STATE/g) ?? []).length;
    const takeoversBefore = masterLines(b);
    const dump = await lab.capture('b', ['-tt', `ip proto 112 and src ${lab.address('a')}`]);
    let reloads = 0;
    let statusCalls = 0;
    const pid = a.child.pid!;
    const hup = every(1000, () => {
      process.kill(pid, 'SIGHUP');
      reloads++;
    });
    const usr1 = every(2000, () => void process.kill(pid, 'SIGUSR1'));
    const status =
      impl === 'tandem'
        ? every(100, async () => {
            await new Promise<void>((resolve) => {
              const c = spawn('node', [TANDEMCTL, '--socket', a.socket, 'status', '--json'], { stdio: 'ignore' });
              c.on('exit', () => resolve());
            });
            statusCalls++;
          })
        : undefined;
    await sleep(seconds * 1000);
    await Promise.all([hup.stop(), usr1.stop(), status?.stop()]);
    await sleep(500);
    dump.kill('SIGTERM');
    await exited(dump, 3000);
    const times = dump
      .output()
      .split('\n')
      .map((l) => /^(\d+\.\d+) IP /.exec(l)?.[1])
      .filter((x): x is string => x !== undefined)
      .map((x) => Number(x) * 1000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    if (keepLog !== undefined) writeFileSync(`${keepLog}.${impl}-${s.advertInt}`, `${a.child.output()}\n---gaps\n${times.map((t, i) => `${t.toFixed(1)} ${i > 0 ? (t - times[i - 1]!).toFixed(1) : ''}`).join('\n')}`);
    const side = impl === 'tandem' ? ((await lab.ctl(a, 'stats')) as unknown as { sides?: { vrrp?: { loopDelayMs?: unknown } } }).sides?.vrrp?.loopDelayMs : undefined;
    return {
      impl,
      setting: s.label,
      seconds,
      takeovers: masterLines(b) - takeoversBefore,
      adverts: times.length,
      gapP50Ms: Math.round(pct(gaps, 50) * 10) / 10,
      gapP99Ms: Math.round(pct(gaps, 99) * 10) / 10,
      gapMaxMs: Math.round(Math.max(...gaps) * 10) / 10,
      reloads,
      statusCalls,
      ...(side !== undefined ? { sideLoopDelayMs: side } : {}),
    };
  } finally {
    listeners?.kill('SIGKILL');
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      runs: { type: 'string', default: '5' },
      // For a look at one case: `--impls tandem --intervals 0.05 --runs 0` (no outage runs);
      // `--keep-log PREFIX` writes the master's log and the gaps to PREFIX.IMPL-INTERVAL.
      'keep-log': { type: 'string' },
      impls: { type: 'string', default: 'tandem,keepalived' },
      intervals: { type: 'string', default: SETTINGS.map((s) => s.advertInt).join(',') },
      out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-steady.json') },
    },
  });
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const impls = values.impls.split(',') as Impl[];
  const settings = SETTINGS.filter((s) => values.intervals.split(',').map(Number).includes(s.advertInt));
  const steadyResults: SteadyResult[] = [];
  for (const s of settings) {
    for (const impl of impls) {
      const r = await steady(impl, s, seconds, values['keep-log']);
      process.stderr.write(`${s.label} ${impl}: ${JSON.stringify(r)}\n`);
      steadyResults.push(r);
    }
  }
  const outages: Array<{ setting: string; impl: Impl; phases: number[]; outagesMs: number[]; medianMs: number }> = [];
  for (const s of runs > 0 ? settings : []) {
    // The same phases for both daemons (a paired comparison): five random cuts spread the
    // outage over the advert interval by more than the daemons differ.
    const phases = randomPhases(runs);
    for (const impl of impls) {
      const lab = await Lab.create(`so${impl[0]}${Math.round(s.advertInt * 100)}`, ['a', 'b']);
      lab.startResponders();
      const outagesMs: number[] = [];
      try {
        for (let i = 0; i < runs; i++) {
          outagesMs.push(await failoverOnce(lab, impl, s, phases[i]!));
          process.stderr.write(`${s.label} ${impl} cut ${i + 1}: ${outagesMs.at(-1)} ms\n`);
        }
      } finally {
        await lab.cleanup();
      }
      outages.push({ setting: s.label, impl, phases, outagesMs, medianMs: median(outagesMs) });
    }
  }
  const load = `SIGHUP every 1 s, SIGUSR1 every 2 s; tandem also: status --json every 100 ms, ${VIRTUAL_SERVERS * REALS} TCP_CHECKs/s`;
  const rows = [['setting', 'daemon', 'takeovers', 'adverts seen', 'gap p50', 'gap p99', 'gap max', 'goal (max)']];
  for (const r of steadyResults) {
    const s = settings.find((x) => x.label === r.setting)!;
    rows.push([r.setting, r.impl, String(r.takeovers), String(r.adverts), `${r.gapP50Ms} ms`, `${r.gapP99Ms} ms`, `${r.gapMaxMs} ms`, `${Math.round(s.advertInt * 1200)} ms`]);
  }
  process.stdout.write(`\nMaster under load for ${seconds} s (file: ${VIRTUAL_SERVERS} x ${REALS} virtual servers; ${load}):\n${markdownTable(rows)}`);
  const orows = [['setting', 'tandem median', 'keepalived median', 'tandem runs', 'keepalived runs']];
  for (const s of settings) {
    const t = outages.find((o) => o.setting === s.label && o.impl === 'tandem');
    const k = outages.find((o) => o.setting === s.label && o.impl === 'keepalived');
    if (t !== undefined || k !== undefined) orows.push([s.label, t !== undefined ? `${t.medianMs} ms` : '', k !== undefined ? `${k.medianMs} ms` : '', t?.outagesMs.join(' ') ?? '', k?.outagesMs.join(' ') ?? '']);
  }
  process.stdout.write(`\nClient-observed outage after a link cut at a random phase, the same ${runs} phases for both (median of ${runs}):\n${markdownTable(orows)}`);
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), seconds, runs, steady: steadyResults, outages }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${values.out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
