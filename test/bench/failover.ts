// test/bench/failover: the client-observed outage after the master's link is
// cut, tandem pair vs keepalived pair in the same run, median of N runs per
// advert interval (cut just after an advert, the worst phase); then a soak at advert 0.02 s with the other core busy,
// counting spurious transitions. Prints a table, writes JSON.
//   node test/dist/bench/failover.js [--runs 5] [--soak-minutes 10] [--out FILE]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, REPO, type Daemon } from '../lib/lab.js';
import { sleep } from '../lib/sh.js';
import { VIP, failoverOnce, markdownTable, median, pairConf, startDaemon, type Impl, type Setting } from '../lib/failover-run.js';
import { masterDownIntervalMs } from '@tandem/vrrp';

const SETTINGS: Setting[] = [
  { label: 'v2 advert 1 s', version: 2, advertInt: 1 },
  { label: 'v3 advert 0.1 s', version: 3, advertInt: 0.1 },
  { label: 'v3 advert 0.05 s', version: 3, advertInt: 0.05 },
];

const conf = pairConf;
const start = startDaemon;

async function soak(impl: Impl, minutes: number): Promise<{ transitions: number; expected: number; holdersChanged: number }> {
  const lab = await Lab.create(`soak${impl[0]}`, ['a', 'b']);
  try {
    const s: Setting = { label: 'v3 advert 0.02 s', version: 3, advertInt: 0.02 };
    const a = await start(lab, impl, 'a', conf(s, 150));
    const b = await start(lab, impl, 'b', conf(s, 100));
    await lab.waitHolder(VIP, 'a', 15_000);
    await sleep(2000);
    const countMaster = (d: Daemon): number => (d.child.output().match(impl === 'tandem' ? /-> MASTER/g : /Entering MASTER STATE/g) ?? []).length;
    const before = countMaster(a) + countMaster(b);
    let holdersChanged = 0;
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      const h = await lab.holders(VIP);
      if (h.length !== 1 || h[0] !== 'a') holdersChanged++;
      await sleep(500);
    }
    return { transitions: countMaster(a) + countMaster(b) - before, expected: 0, holdersChanged };
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, 'soak-minutes': { type: 'string', default: '10' }, out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-failover.json') } },
  });
  const runs = Number(values.runs);
  const soakMinutes = Number(values['soak-minutes']);
  const results: Array<{ setting: string; impl: Impl; outagesMs: number[]; medianMs: number; floorMs: number }> = [];
  for (const s of SETTINGS) {
    const floorMs = masterDownIntervalMs(s.version, 100, Math.round(s.advertInt * 100));
    for (const impl of ['tandem', 'keepalived'] as const) {
      const lab = await Lab.create(`bf${impl[0]}${s.version}${Math.round(s.advertInt * 100)}`, ['a', 'b']);
      const outagesMs: number[] = [];
      lab.startResponders();
      try {
        for (let i = 0; i < runs; i++) {
          outagesMs.push(await failoverOnce(lab, impl, s, 'after-advert'));
          process.stderr.write(`${s.label} ${impl} run ${i + 1}: ${outagesMs.at(-1)} ms\n`);
        }
      } finally {
        await lab.cleanup();
      }
      results.push({ setting: s.label, impl, outagesMs, medianMs: median(outagesMs), floorMs: Math.round(floorMs) });
    }
  }
  const soakResults: Array<{ impl: Impl; minutes: number; spuriousMasterTransitions: number; samplesWithWrongHolder: number }> = [];
  if (soakMinutes > 0) {
    // The other core is kept busy for the whole soak.
    const hog = spawn('node', ['-e', 'for(;;){}'], { stdio: 'ignore' });
    try {
      const [t, k] = await Promise.all([soak('tandem', soakMinutes), soak('keepalived', soakMinutes)]);
      soakResults.push({ impl: 'tandem', minutes: soakMinutes, spuriousMasterTransitions: t.transitions, samplesWithWrongHolder: t.holdersChanged });
      soakResults.push({ impl: 'keepalived', minutes: soakMinutes, spuriousMasterTransitions: k.transitions, samplesWithWrongHolder: k.holdersChanged });
    } finally {
      hog.kill('SIGKILL');
    }
  }
  const rows = [['setting', 'floor (MDI)', 'tandem median', 'keepalived median', 'tandem runs', 'keepalived runs']];
  for (const s of SETTINGS) {
    const t = results.find((r) => r.setting === s.label && r.impl === 'tandem')!;
    const k = results.find((r) => r.setting === s.label && r.impl === 'keepalived')!;
    rows.push([s.label, `${t.floorMs} ms`, `${t.medianMs} ms`, `${k.medianMs} ms`, t.outagesMs.join(' '), k.outagesMs.join(' ')]);
  }
  process.stdout.write(`\nClient-observed outage after a link cut (median of ${runs}):\n${markdownTable(rows)}`);
  if (soakResults.length > 0) {
    process.stdout.write(`\nSoak, v3 advert 0.02 s, other core busy, ${soakMinutes} min:\n`);
    for (const r of soakResults) process.stdout.write(`  ${r.impl.padEnd(10)} spurious MASTER transitions: ${r.spuriousMasterTransitions}, samples with the VIP elsewhere: ${r.samplesWithWrongHolder}\n`);
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), runs, results, soak: soakResults }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${values.out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
