// test/bench/ipvs: 1,000 services x 10 real servers programmed from empty, and a full dump,
// tandem's driver vs `ipvsadm -R` / `ipvsadm -Ln`, in the same real-kernel guest (qemu, TCG),
// median of RUNS. Prints a table and writes JSON. Root: it boots the guest.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHostTools, ensureKernel, runInGuest } from '../lib/vm.js';

const REPO = join(__dirname, '..', '..', '..');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-ipvs.json') } } });
  ensureHostTools();
  const kernel = ensureKernel();
  const run = await runInGuest(kernel, { command: `node test/dist/kernel/bench-ipvs-guest.js /run/share/bench.json ${Number(values.runs)}`, cwd: REPO, timeoutMs: 30 * 60_000 });
  try {
    if (run.exitCode !== 0) throw new Error(`the guest bench failed (exit ${String(run.exitCode)}):\n${run.output}\n${run.console.slice(-2000)}`);
    process.stdout.write(run.output);
    const r = JSON.parse(readFileSync(join(run.share, 'bench.json'), 'utf8')) as { services: number; realsPerService: number; tandemProgram: number[]; ipvsadmProgram: number[]; tandemDump: number[]; ipvsadmDump: number[] };
    const rows = [
      ['task', 'tandem (ms)', 'ipvsadm (ms)', 'tandem / ipvsadm'],
      ['program from empty', median(r.tandemProgram), median(r.ipvsadmProgram)],
      ['full dump', median(r.tandemDump), median(r.ipvsadmDump)],
    ].map((row, i) => (i === 0 ? (row as string[]) : [row[0] as string, (row[1] as number).toFixed(0), (row[2] as number).toFixed(0), ((row[1] as number) / (row[2] as number)).toFixed(2)]));
    const widths = rows[0]!.map((_c, c) => Math.max(...rows.map((x) => x[c]!.length)));
    console.log(`\n${r.services} services x ${r.realsPerService} real servers, median of ${values.runs}, qemu TCG guest, Debian ${kernel.version}`);
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), kernel: kernel.version, ...r, medians: { tandemProgram: median(r.tandemProgram), ipvsadmProgram: median(r.ipvsadmProgram), tandemDump: median(r.tandemDump), ipvsadmDump: median(r.ipvsadmDump) } }, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
  } finally {
    run.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
