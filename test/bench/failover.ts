// test/bench/failover: the client-observed outage after the master's link is
// cut, tandem pair vs keepalived pair in the same run, median of N runs per
// advert interval (cut just after an advert, the worst phase); then a soak at advert 0.02 s with the other core busy,
// counting spurious transitions. Prints a table, writes JSON.
//   node test/dist/bench/failover.js [--runs 5] [--soak-minutes 10] [--out FILE]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, REPO, longestGap, type Daemon } from '../lib/lab.js';
import { vrrpConf, type LabInstance } from '../lib/configs.js';
import { sleep, waitFor } from '../lib/sh.js';
import { masterDownIntervalMs } from '@tandem/vrrp';

type Impl = 'tandem' | 'keepalived';
const VIP = '192.0.2.100';

interface Setting {
  readonly label: string;
  readonly version: 2 | 3;
  readonly advertInt: number;
}

const SETTINGS: Setting[] = [
  { label: 'v2 advert 1 s', version: 2, advertInt: 1 },
  { label: 'v3 advert 0.1 s', version: 3, advertInt: 0.1 },
  { label: 'v3 advert 0.05 s', version: 3, advertInt: 0.05 },
];

function conf(s: Setting, priority: number): string {
  const o: LabInstance = { priority, advertInt: s.advertInt, vips: [`${VIP}/24`], ...(s.version === 3 ? { version: 3 as const } : {}) };
  return vrrpConf(o);
}

const start = (lab: Lab, impl: Impl, d: string, text: string): Promise<Daemon> =>
  impl === 'tandem' ? lab.startTandem(d, text) : lab.startKeepalived(d, text);

/** One failover: fresh daemons, election, cut, outage as the client saw it. */
async function oneRun(lab: Lab, impl: Impl, s: Setting): Promise<number> {
  const a = await start(lab, impl, 'a', conf(s, 150));
  const b = await start(lab, impl, 'b', conf(s, 100));
  try {
    await lab.waitHolder(VIP, 'a', 15_000);
    const probe = lab.startProber(VIP, 2);
    await waitFor('client reaching a', 5000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    await sleep(300);
    // Cut right after an advert from a: the worst phase, the same for both implementations.
    await lab.nextAdvertFrom('a');
    const cutAt = Date.now();
    await lab.cut('a');
    await waitFor('client reaching b', 15_000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
    await probe.stop();
    return longestGap(probe.answers, cutAt - 20).gapMs;
  } finally {
    await lab.restore('a');
    await Promise.all([lab.stopDaemon(a), lab.stopDaemon(b)]);
    for (const d of lab.directors) await lab.flushAddress(d, VIP);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

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
          outagesMs.push(await oneRun(lab, impl, s));
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
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\nClient-observed outage after a link cut (median of ${runs}):\n`);
  process.stdout.write(`${line(rows[0]!)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n`);
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
