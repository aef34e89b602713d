// test/bench/bfd-takeover: the client-observed outage when the master's link is cut, for a
// tandem pair at VRRPv2 advert 1 s with a BFD session between the directors and tandem's fast
// takeover (`@tandem bfd_takeover`), beside the same pair without BFD and a keepalived pair
// at advert 1 s and at VRRPv3 advert 0.05 s, in the same run. The cut falls at a random
// point of the advert cycle; median of N runs per row. Then, optionally, a soak: the pair at
// BFD 10 ms x 3 with the other core busy, counting takeovers that should not have happened.
// Prints a table and writes JSON to test/results/bench-bfd-takeover.json. Root only.
//   node test/dist/bench/bfd-takeover.js [--runs 5] [--soak-minutes 0] [--soak-interval 10] [--prefix tD] [--runs 0: soak only]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { masterDownIntervalMs } from '@tandem/vrrp';
import { bfdPairConf, bfdPairUp, type BfdTimers } from '../lib/bfd-pair.js';
import { VIP, failoverOnce, markdownTable, median, startDaemon, type Impl, type Setting } from '../lib/failover-run.js';
import { Lab, REPO } from '../lib/lab.js';
import { sleep } from '../lib/sh.js';

interface Row {
  readonly label: string;
  readonly impl: Impl;
  readonly setting: Setting;
  readonly bfd?: BfdTimers;
}

const V2_1S: Setting = { label: 'v2 advert 1 s', version: 2, advertInt: 1 };
const ROWS: Row[] = [
  { label: 'tandem, v2 advert 1 s, BFD 50 ms x 3 + bfd_takeover', impl: 'tandem', setting: V2_1S, bfd: { intervalMs: 50, multiplier: 3 } },
  { label: 'tandem, v2 advert 1 s, BFD 10 ms x 3 + bfd_takeover', impl: 'tandem', setting: V2_1S, bfd: { intervalMs: 10, multiplier: 3 } },
  { label: 'tandem, v2 advert 1 s, no BFD', impl: 'tandem', setting: V2_1S },
  { label: 'keepalived, v2 advert 1 s', impl: 'keepalived', setting: V2_1S },
  { label: 'keepalived, v3 advert 0.05 s', impl: 'keepalived', setting: { label: 'v3 advert 0.05 s', version: 3, advertInt: 0.05 } },
];

/** The pair at BFD 10 ms x 3, the other core busy: MASTER transitions after the election (there should be none). */
async function soak(minutes: number, intervalMs: number, prefix: string): Promise<{ transitions: number; holderChanges: number; bfdDowns: number; sides: Record<string, unknown> }> {
  const lab = await Lab.create('bsoak', ['a', 'b'], prefix);
  try {
    const conf = bfdPairConf(lab, V2_1S, { intervalMs, multiplier: 3 });
    const a = await startDaemon(lab, 'tandem', 'a', conf('a', 150));
    const b = await startDaemon(lab, 'tandem', 'b', conf('b', 100));
    await lab.waitHolder(VIP, 'a', 15_000);
    await bfdPairUp(a, b);
    await sleep(2000);
    const count = (re: RegExp): number => (a.child.output().match(re) ?? []).length + (b.child.output().match(re) ?? []).length;
    const masters = count(/-> MASTER/g);
    const downs = count(/\(peer\) Entering Down/g);
    let holderChanges = 0;
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      const h = await lab.holders(VIP);
      if (h.length !== 1 || h[0] !== 'a') holderChanges++;
      await sleep(500);
    }
    // Each BFD side's event-loop delay and garbage-collection pauses over the soak: what held its timers.
    const sides: Record<string, unknown> = {};
    for (const d of [a, b]) sides[d.director] = ((await lab.ctl(d, 'stats')) as unknown as { sides: { bfd?: unknown } }).sides.bfd;
    const downLines = [a, b].flatMap((d) => d.child.output().split('\n').filter((l) => /\(peer\) Entering Down/.test(l)).map((l) => `${d.director}: ${l}`));
    process.stderr.write(`${downLines.slice(-20).join('\n')}\n`);
    return { transitions: count(/-> MASTER/g) - masters, holderChanges, bfdDowns: count(/\(peer\) Entering Down/g) - downs, sides };
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, 'soak-minutes': { type: 'string', default: '0' }, 'soak-interval': { type: 'string', default: '10' }, prefix: { type: 'string', default: 'tD' }, out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-bfd-takeover.json') } },
  });
  const runs = Number(values.runs);
  const results: Array<{ label: string; impl: Impl; setting: string; bfd: BfdTimers | null; outagesMs: number[]; medianMs: number; masterDownIntervalMs: number }> = [];
  for (const [i, row] of runs > 0 ? ROWS.entries() : []) {
    const lab = await Lab.create(`bt${i}`, ['a', 'b'], 'tD');
    lab.startResponders();
    const outagesMs: number[] = [];
    try {
      for (let n = 0; n < runs; n++) {
        const bfd = row.bfd;
        const options = bfd === undefined ? {} : { confOf: bfdPairConf(lab, row.setting, bfd), ready: bfdPairUp };
        outagesMs.push(await failoverOnce(lab, row.impl, row.setting, 'random', options));
        process.stderr.write(`${row.label}, run ${n + 1}: ${outagesMs.at(-1)} ms\n`);
      }
    } finally {
      await lab.cleanup();
    }
    const mdi = masterDownIntervalMs(row.setting.version, 100, Math.round(row.setting.advertInt * 100));
    results.push({ label: row.label, impl: row.impl, setting: row.setting.label, bfd: row.bfd ?? null, outagesMs, medianMs: median(outagesMs), masterDownIntervalMs: Math.round(mdi) });
  }
  let soakResult: { minutes: number; intervalMs: number; spuriousMasterTransitions: number; samplesWithVipElsewhere: number; bfdDowns: number; sides: Record<string, unknown> } | undefined;
  const soakMinutes = Number(values['soak-minutes']);
  const soakInterval = Number(values['soak-interval']);
  if (soakMinutes > 0) {
    // The other core is kept busy for the whole soak.
    const hog = spawn('node', ['-e', 'for(;;){}'], { stdio: 'ignore' });
    try {
      const s = await soak(soakMinutes, soakInterval, values.prefix);
      soakResult = { minutes: soakMinutes, intervalMs: soakInterval, spuriousMasterTransitions: s.transitions, samplesWithVipElsewhere: s.holderChanges, bfdDowns: s.bfdDowns, sides: s.sides };
    } finally {
      hog.kill('SIGKILL');
    }
  }
  const table = [['pair', 'Master_Down_Interval', 'median outage', `runs (ms)`]];
  for (const r of results) table.push([r.label, `${r.masterDownIntervalMs} ms`, `${r.medianMs} ms`, r.outagesMs.join(' ')]);
  if (results.length > 0) process.stdout.write(`\nClient-observed outage after the master's link is cut at a random phase (median of ${runs}):\n${markdownTable(table)}`);
  if (soakResult !== undefined) {
    process.stdout.write(`\nSoak, BFD ${soakInterval} ms x 3 + bfd_takeover, other core busy, ${soakMinutes} min: spurious MASTER transitions ${soakResult.spuriousMasterTransitions}, samples with the VIP elsewhere ${soakResult.samplesWithVipElsewhere}, BFD Down ${soakResult.bfdDowns}\nBFD sides (loop delay, GC pauses): ${JSON.stringify(soakResult.sides)}\n`);
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), runs, results, soak: soakResult ?? null }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${values.out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
