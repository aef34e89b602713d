// test/bench/checks: N TCP_CHECKs at delay_loop 1 (connect_timeout 1, retry 0) against
// listeners on loopback, from one keepalived.conf: CPU and RSS in steady state, and how long
// after 100 listeners stop each daemon calls those real servers down (p50/p99).
//   - in the real-kernel guest (qemu TCG), tandem and keepalived's checker, same file, same
//     guest: keepalived's checker needs IPVS, which the host kernel may lack;
//   - on the host, tandem alone at the full 10,000 (keepalived's checker exits without IPVS).
// Prints a table and writes JSON. Root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHostTools, ensureKernel, runInGuest } from '../lib/vm.js';
// A type only: the guest script's main() is not run by this import.
import type { Run } from '../kernel/bench-checks-guest.js';

const REPO = join(__dirname, '..', '..', '..');

const pct = (xs: readonly number[], p: number): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'guest-checks': { type: 'string', default: '2000' },
      'host-checks': { type: 'string', default: '10000' },
      out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-checks.json') },
    },
  });
  const rows: Array<{ where: string; checks: number; run: Run }> = [];

  const hostOut = join(REPO, 'test', 'results', '.bench-checks-host.json');
  mkdirSync(dirname(hostOut), { recursive: true });
  execFileSync('sh', ['-c', `ulimit -n $(ulimit -Hn); node test/dist/kernel/bench-checks-guest.js ${hostOut} ${Number(values['host-checks'])} tandem`], { cwd: REPO, stdio: 'inherit' });
  const host = JSON.parse(readFileSync(hostOut, 'utf8')) as { checks: number; runs: Run[] };
  for (const run of host.runs) rows.push({ where: 'host', checks: host.checks, run });

  ensureHostTools();
  const kernel = ensureKernel();
  const g = await runInGuest(kernel, { command: `ulimit -n 65536; node test/dist/kernel/bench-checks-guest.js /run/share/bench.json ${Number(values['guest-checks'])}`, cwd: REPO, timeoutMs: 20 * 60_000 });
  try {
    if (g.exitCode !== 0) throw new Error(`the guest bench failed (exit ${String(g.exitCode)}):\n${g.output.slice(-3000)}`);
    const guest = JSON.parse(readFileSync(join(g.share, 'bench.json'), 'utf8')) as { checks: number; runs: Run[] };
    for (const run of guest.runs) rows.push({ where: 'guest (TCG)', checks: guest.checks, run });
  } finally {
    g.cleanup();
  }

  const table = [
    ['where', 'checks/s', 'daemon', 'CPU %', 'RSS MB', 'detected', 'p50 ms', 'p99 ms'],
    ...rows.map((r) => [r.where, String(r.checks), r.run.impl, r.run.cpuPercent.toFixed(1), r.run.rssMb.toFixed(1), `${100 - r.run.missed}/100`, String(pct(r.run.detectionMs, 50)), String(pct(r.run.detectionMs, 99))]),
  ];
  const widths = table[0]!.map((_c, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log('\nTCP_CHECK, delay_loop 1, connect_timeout 1, retry 0; detection: 100 listeners stopped at once');
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
