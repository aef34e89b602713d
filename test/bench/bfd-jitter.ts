// Transmit jitter of tandem's BFD sender, read off the wire with tcpdump, beside the peer's
// own sender in the same run: keepalived 2.2.7's bfd process and FRR 8.4's bfdd, at 50 ms
// and 300 ms intervals (min_tx = min_rx on both sides, multiplier 3). RFC 5880 §6.8.7 wants
// each gap at 75-100 % of the negotiated interval, 87.5 % on average.
// Then tandemd's own BFD side (its child process) with and without bfd_rt_priority, the other
// core kept busy, against FRR under SCHED_RR: the same gaps, and how often the session fell.
// Prints tables and writes JSON to test/results/bench-bfd-jitter.json. Root only.
//   node test/dist/bench/bfd-jitter.js [--runs 2] [--seconds 12] [--only tandemd|harness]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { A, B, BfdLab } from '../lib/bfd-lab.js';
import { gaps, summarise, type WirePacket } from '../lib/bfd-wire.js';
import { sleep, waitFor } from '../lib/sh.js';

type Peer = 'keepalived' | 'frr';

interface Row {
  readonly run: number;
  readonly intervalMs: number;
  readonly peer: Peer;
  readonly sender: 'tandem' | Peer;
  readonly n: number;
  /** Gaps as a percentage of the interval. */
  readonly minPct: number;
  readonly p1Pct: number;
  readonly medianPct: number;
  readonly meanPct: number;
  readonly p99Pct: number;
  readonly maxPct: number;
  /** Share of gaps outside 75-100 % of the interval (timer lateness shows here). */
  readonly outsidePct: number;
}

const REPO = resolve(__dirname, '..', '..', '..');

function row(run: number, intervalMs: number, peer: Peer, sender: Row['sender'], packets: readonly WirePacket[]): Row {
  const g = gaps(packets).map((x) => (100 * x) / intervalMs);
  const s = summarise(g);
  const outside = g.filter((x) => x < 75 || x > 100).length;
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return { run, intervalMs, peer, sender, n: s.n, minPct: r1(s.min), p1Pct: r1(s.p1), medianPct: r1(s.p50), meanPct: r1(s.mean), p99Pct: r1(s.p99), maxPct: r1(s.max), outsidePct: r1((100 * outside) / Math.max(1, g.length)) };
}

async function measure(run: number, intervalMs: number, peer: Peer, seconds: number): Promise<Row[]> {
  const lab = await BfdLab.create(`j${peer[0]}${intervalMs}`);
  try {
    const wire = await lab.capture('a');
    if (peer === 'keepalived') {
      await lab.startKeepalived(`global_defs { router_id tD-peer }\nbfd_instance tandem {\n  neighbor_ip ${A}\n  source_ip ${B}\n  min_rx ${intervalMs}\n  min_tx ${intervalMs}\n  multiplier 3\n}\n`);
    } else {
      await lab.startFrr(`bfd\n peer ${A} local-address ${B} interface eth0\n  detect-multiplier 3\n  receive-interval ${intervalMs}\n  transmit-interval ${intervalMs}\n  no shutdown\n`);
    }
    const us = intervalMs * 1000;
    const tandem = await lab.startTandem({ desiredMinTxUs: us, requiredMinRxUs: us, detectMult: 3, idleTxUs: 1_000_000, passive: false });
    await waitFor('session Up', 10_000, async () => ((await tandem.status()).state === 'Up' ? true : undefined), 50);
    // Past the Poll Sequence and the first interval at the new rate.
    await sleep(Math.max(1000, 3 * intervalMs));
    const from = Date.now();
    await sleep(seconds * 1000);
    const to = Date.now();
    const status = await tandem.status();
    if (status.state !== 'Up' || status.txIntervalUs !== us) throw new Error(`session not steady: ${JSON.stringify(status)}`);
    const packets = (await wire.stop()).filter((p) => p.bfd !== undefined && p.t >= from && p.t <= to);
    // Packets answering a Poll leave at once, outside the periodic schedule.
    const periodic = (src: string): WirePacket[] => packets.filter((p) => p.src === src && !p.bfd!.final && p.bfd!.state === 'Up');
    return [row(run, intervalMs, peer, 'tandem', periodic(A)), row(run, intervalMs, peer, peer, periodic(B))];
  } finally {
    await lab.cleanup();
  }
}

/** tandemd's BFD side, in a busy machine, with or without bfd_rt_priority. */
interface SideRow {
  readonly run: number;
  readonly intervalMs: number;
  readonly rtPriority: boolean;
  readonly gaps: Row;
  /** Times the session fell from Up during the window (tandem's side). */
  readonly downs: number;
  readonly loopDelayP99Ms: number;
}

async function measureSide(run: number, intervalMs: number, rtPriority: boolean, seconds: number): Promise<SideRow> {
  const lab = await BfdLab.create(`jt${rtPriority ? 1 : 0}${intervalMs}`, { realtime: true });
  // The other core is kept busy: what bfd_rt_priority is for.
  const hog = spawn('node', ['-e', 'for(;;){}'], { stdio: 'ignore' });
  try {
    const wire = await lab.capture('a');
    await lab.startFrr(`bfd\n peer ${A} local-address ${B} interface eth0\n  detect-multiplier 3\n  receive-interval ${intervalMs}\n  transmit-interval ${intervalMs}\n  no shutdown\n`);
    const d = await lab.startTandemd(
      `global_defs {\n    router_id tD-jitter\n${rtPriority ? '    bfd_rt_priority 10\n' : ''}}\nbfd_instance peer {\n    neighbor_ip ${B}\n    source_ip ${A}\n    min_rx ${intervalMs}\n    min_tx ${intervalMs}\n    multiplier 3\n}\n`,
    );
    await waitFor('session Up', 15_000, async () => ((await d.session('peer'))?.state === 'Up' ? true : undefined), 100);
    await sleep(Math.max(1500, 3 * intervalMs));
    type Stats = { bfd: { sessions: Record<string, { downTransitions: number }> }; sides: { bfd: { loopDelayMs: { p99: number } } } };
    const before = await d.ctl<Stats>('stats');
    const from = Date.now();
    await sleep(seconds * 1000);
    const to = Date.now();
    const after = await d.ctl<Stats>('stats');
    const packets = (await wire.stop()).filter((p) => p.bfd !== undefined && p.t >= from && p.t <= to && p.src === A && !p.bfd.final && p.bfd.state === 'Up');
    return {
      run,
      intervalMs,
      rtPriority,
      gaps: row(run, intervalMs, 'frr', 'tandem', packets),
      downs: after.bfd.sessions['peer']!.downTransitions - before.bfd.sessions['peer']!.downTransitions,
      loopDelayP99Ms: after.sides.bfd.loopDelayMs.p99,
    };
  } finally {
    hog.kill('SIGKILL');
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      seconds: { type: 'string', default: '12' },
      only: { type: 'string' },
      out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-bfd-jitter.json') },
    },
  });
  const runs = Number(values.runs);
  const rows: Row[] = [];
  const sideRows: SideRow[] = [];
  for (let run = 1; run <= runs && values.only !== 'harness'; run++) {
    for (const intervalMs of [10, 50]) {
      for (const rt of [false, true]) {
        sideRows.push(await measureSide(run, intervalMs, rt, Number(values.seconds)));
        process.stderr.write(`run ${run}, tandemd's BFD side at ${intervalMs} ms, bfd_rt_priority ${rt ? 'on' : 'off'}: done\n`);
      }
    }
  }
  for (let run = 1; run <= runs && values.only !== 'tandemd'; run++) {
    for (const intervalMs of [50, 300]) {
      for (const peer of ['keepalived', 'frr'] as const) {
        // A 300 ms interval needs longer for as many gaps.
        const seconds = Number(values.seconds) * (intervalMs === 300 ? 3 : 1);
        const r = await measure(run, intervalMs, peer, seconds);
        rows.push(...r);
        process.stderr.write(`run ${run}, ${intervalMs} ms, against ${peer}: done\n`);
      }
    }
  }
  const head = ['run', 'interval', 'peer', 'sender', 'gaps', 'min %', 'p1 %', 'median %', 'mean %', 'p99 %', 'max %', 'outside 75-100 %'];
  const cells = rows.map((r) => [String(r.run), `${r.intervalMs} ms`, r.peer, r.sender, String(r.n), ...[r.minPct, r.p1Pct, r.medianPct, r.meanPct, r.p99Pct, r.maxPct, r.outsidePct].map((x) => x.toFixed(1))]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  if (rows.length > 0) process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
  if (sideRows.length > 0) {
    const sideHead = ['run', 'interval', 'bfd_rt_priority', 'gaps', 'median %', 'p99 %', 'max %', 'outside 75-100 %', 'session Down', 'side loop p99 ms'];
    const sideCells = sideRows.map((r) => [String(r.run), `${r.intervalMs} ms`, r.rtPriority ? '10' : 'off', String(r.gaps.n), ...[r.gaps.medianPct, r.gaps.p99Pct, r.gaps.maxPct, r.gaps.outsidePct].map((x) => x.toFixed(1)), String(r.downs), r.loopDelayP99Ms.toFixed(1)]);
    const w = sideHead.map((h, i) => Math.max(h.length, ...sideCells.map((c) => c[i]!.length)));
    const l = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
    process.stdout.write(`\ntandemd's BFD side, the other core busy, FRR peer:\n${l(sideHead)}\n${l(w.map((x) => '-'.repeat(x)))}\n${sideCells.map(l).join('\n')}\n`);
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), runs, rows, tandemdSide: sideRows }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
