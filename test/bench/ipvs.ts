// test/bench/ipvs: 1,000 services x 10 real servers in the same real-kernel guest (qemu, TCG),
// median of RUNS: tandem's driver vs `ipvsadm -R` / `ipvsadm -Ln`, and tandemd vs keepalived
// starting on one keepalived.conf and reloading it with one weight changed (issue 12's
// figures). Prints tables and writes JSON. Root: it boots the guest.
// Usage: node bench/ipvs.js [--runs N] [--out FILE] [--impls tandem,keepalived]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchResult, DaemonRun } from '../kernel/bench-ipvs-guest.js';
import { ensureHostTools, ensureKernel, runInGuest } from '../lib/vm.js';

const REPO = join(__dirname, '..', '..', '..');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function print(title: string, rows: string[][]): void {
  const widths = rows[0]!.map((_c, c) => Math.max(...rows.map((x) => x[c]!.length)));
  console.log(`\n${title}`);
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

/** One figure of issue 12: tandem's median over the reference's, and its goal. */
interface Figure {
  readonly figure: string;
  readonly tandem: number;
  readonly reference: number;
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
}

function figure(name: string, tandem: readonly number[], reference: readonly number[], goal: number): Figure {
  const t = median(tandem);
  const r = median(reference);
  return { figure: name, tandem: t, reference: r, ratio: t / r, goal, met: t / r <= goal };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-ipvs.json') }, impls: { type: 'string', default: 'tandem,keepalived' } } });
  ensureHostTools();
  const kernel = ensureKernel();
  const run = await runInGuest(kernel, { command: `node test/dist/kernel/bench-ipvs-guest.js /run/share/bench.json ${Number(values.runs)} ${values.impls}`, cwd: REPO, timeoutMs: 60 * 60_000 });
  try {
    if (run.exitCode !== 0) throw new Error(`the guest bench failed (exit ${String(run.exitCode)}):\n${run.output}\n${run.console.slice(-2000)}`);
    process.stdout.write(run.output);
    const r = JSON.parse(readFileSync(join(run.share, 'bench.json'), 'utf8')) as BenchResult;
    const fmt = (n: number): string => n.toFixed(0);
    print(`${r.services} services x ${r.realsPerService} real servers, median of ${values.runs}, qemu TCG guest, Debian ${kernel.version}`, [
      ['driver task', 'tandem (ms)', 'ipvsadm (ms)', 'tandem / ipvsadm'],
      ['program from empty', fmt(median(r.tandemProgram)), fmt(median(r.ipvsadmProgram)), (median(r.tandemProgram) / median(r.ipvsadmProgram)).toFixed(2)],
      ['full dump', fmt(median(r.tandemDump)), fmt(median(r.ipvsadmDump)), (median(r.tandemDump) / median(r.ipvsadmDump)).toFixed(2)],
    ]);
    const t = r.daemons['tandem'] ?? [];
    const k = r.daemons['keepalived'] ?? [];
    const pick = (runs: readonly DaemonRun[], f: keyof DaemonRun): number[] => runs.map((x) => x[f]);
    const figures: Figure[] = [];
    if (t.length > 0 && k.length > 0) {
      figures.push(
        figure('guest: start -> full table, tandem / keepalived', pick(t, 'startToFull'), pick(k, 'startToFull'), 1.0),
        figure('guest: reload one weight -> kernel shows it, tandem / keepalived', pick(t, 'reloadToKernel'), pick(k, 'reloadToKernel'), 0.5),
        figure('guest: program from empty, first entry -> full, tandem / keepalived', pick(t, 'firstToFull'), pick(k, 'firstToFull'), 0.35),
      );
    }
    figures.push(figure('guest: full dump, tandem / ipvsadm -Ln', r.tandemDump, r.ipvsadmDump, 1.0));
    const changed = (runs: readonly DaemonRun[]): string => [...new Set(pick(runs, 'changedEntries'))].join('/');
    print(`daemons on one keepalived.conf (no health checks), the kernel watched every ${r.pollMs} ms`, [
      ['daemon', 'start -> first (ms)', 'start -> full (ms)', 'first -> full (ms)', 'reload -> kernel (ms)', 'entries changed by the reload', 'restart -> full (ms)'],
      ...Object.entries(r.daemons).map(([impl, runs]) => [impl, fmt(median(pick(runs, 'startToFirst'))), fmt(median(pick(runs, 'startToFull'))), fmt(median(pick(runs, 'firstToFull'))), fmt(median(pick(runs, 'reloadToKernel'))), changed(runs), fmt(median(pick(runs, 'restartToFull')))]),
    ]);
    print('issue 12 figures', [['figure', 'tandem (ms)', 'reference (ms)', 'ratio', 'goal', 'met'], ...figures.map((f) => [f.figure, fmt(f.tandem), fmt(f.reference), f.ratio.toFixed(2), `<= ${f.goal}`, f.met ? 'yes' : 'no'])]);
    const oneEntry = Object.values(r.daemons).every((runs) => runs.every((x) => x.changedEntries === 1));
    console.log(`reload changed exactly one entry in every run: ${oneEntry ? 'yes' : 'no'}`);
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(
      values.out,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          kernel: kernel.version,
          ...r,
          medians: {
            tandemProgram: median(r.tandemProgram),
            ipvsadmProgram: median(r.ipvsadmProgram),
            tandemDump: median(r.tandemDump),
            ipvsadmDump: median(r.ipvsadmDump),
            daemons: Object.fromEntries(Object.entries(r.daemons).map(([impl, runs]) => [impl, { startToFirst: median(pick(runs, 'startToFirst')), startToFull: median(pick(runs, 'startToFull')), firstToFull: median(pick(runs, 'firstToFull')), reloadToKernel: median(pick(runs, 'reloadToKernel')), restartToFull: median(pick(runs, 'restartToFull')) }])),
          },
          figures,
          reloadChangedOneEntry: oneEntry,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${values.out}`);
  } finally {
    run.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
