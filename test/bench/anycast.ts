// test/bench/anycast: what a director's loss costs the clients, in the real-kernel guest
// (qemu TCG: IPVS, which the host kernel may lack). Three active tandem directors behind a
// router's ECMP (examples/anycast: BGP by FRR, BFD 300 ms x 3 in the guest, lb_algo mh, sync
// daemon on every director) beside a keepalived VRRP pair (advert 1 s, one active director,
// the same virtual server, lvs_sync_daemon following VRRP). A client holds connections and
// opens a new one every 50 ms; one director's link is cut (tandem: one of three; keepalived:
// the master). Figures: the share of held connections that survive, and the time until new
// connections all succeed again. Prints a table and writes JSON. Root.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHostTools, ensureKernel, runInGuest } from '../lib/vm.js';
// A type only: the guest script's main() is not run by this import.
import type { AnycastRun } from '../kernel/bench-anycast-guest.js';

const REPO = join(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      hold: { type: 'string', default: '30' },
      out: { type: 'string', default: join(REPO, 'test', 'results', 'bench-anycast.json') },
    },
  });
  ensureHostTools();
  const kernel = ensureKernel();
  const g = await runInGuest(kernel, { command: `node test/dist/kernel/bench-anycast-guest.js /run/share/bench.json ${Number(values.runs)} ${Number(values.hold)}`, cwd: REPO, timeoutMs: 60 * 60_000 });
  let runs: AnycastRun[];
  try {
    if (g.exitCode !== 0) throw new Error(`the guest bench failed (exit ${String(g.exitCode)}):\n${g.output.slice(-3000)}`);
    runs = (JSON.parse(readFileSync(join(g.share, 'bench.json'), 'utf8')) as { runs: AnycastRun[] }).runs;
  } finally {
    g.cleanup();
  }
  const setup = { tandem: '3 active directors, BGP + ECMP, mh + sync', keepalived: 'VRRP pair, 1 active director, mh + sync' };
  const table = [
    ['daemon', 'setup', 'held', 'survived', 'new connections all succeed after', 'failed new connections'],
    ...runs.map((r) => [r.impl, setup[r.impl], String(r.held), `${r.survived} (${Math.round((100 * r.survived) / r.held)} %)`, `${r.recoveryMs} ms`, String(r.failedProbes)]),
  ];
  const widths = table[0]!.map((_c, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log('\nOne director\'s link cut; a new connection every 50 ms (1 s to answer); qemu TCG guest: BFD 1 s x 3 there (the example: 100 ms x 3), VRRP advert 1 s');
  for (const row of table) console.log(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), runs }, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
