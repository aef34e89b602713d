// Runs inside the real-kernel guest (see test/bench/ipvs.ts): programs 1,000 services x 10 real
// servers from an empty table and dumps it, with tandem's driver and with ipvsadm, alternately,
// RUNS times each; writes the timings as JSON. Usage: node bench-ipvs-guest.js OUT [RUNS]
import { execFileSync, execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { IpvsClient, planChanges, type TableService } from '@tandem/ipvs';

const SERVICES = 1000;
const REALS = 10;

const table: TableService[] = Array.from({ length: SERVICES }, (_v, i) => ({
  service: { key: { family: 'inet', protocol: 'tcp', address: `192.0.${2 + Math.floor(i / 250)}.${1 + (i % 250)}`, port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 32 },
  destinations: Array.from({ length: REALS }, (_w, j) => ({ address: `10.0.${j}.${1 + (i % 250)}`, port: 8080, forward: 'masq' as const, weight: 1 + (j % 3), upperThreshold: 0, lowerThreshold: 0 })),
}));

const restore = table
  .flatMap((t) => {
    const k = t.service.key as { address: string; port: number };
    return [`-A -t ${k.address}:${k.port} -s wlc`, ...t.destinations.map((d) => `-a -t ${k.address}:${k.port} -r ${d.address}:${d.port} -m -w ${d.weight}`)];
  })
  .join('\n');

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const [out = '/run/share/bench-ipvs.json', runsText = '5'] = process.argv.slice(2);
  execSync('ip link add tnd0 type dummy && ip addr add 10.0.0.254/16 dev tnd0 && ip link set tnd0 up');
  writeFileSync('/tmp/ipvs.rules', `${restore}\n`);
  const runs = Number(runsText);
  const r = { tandemProgram: [] as number[], ipvsadmProgram: [] as number[], tandemDump: [] as number[], ipvsadmDump: [] as number[] };
  for (let i = 0; i < runs; i++) {
    execFileSync('ipvsadm', ['-C']);
    let t0 = process.hrtime.bigint();
    const ipvs = await IpvsClient.open();
    const results = await ipvs.apply(planChanges(table, []));
    r.tandemProgram.push(ms(t0));
    const failed = results.filter((x) => x.error !== undefined);
    if (failed.length > 0) throw new Error(`${failed.length} operations refused: ${failed[0]?.error?.message}`);
    t0 = process.hrtime.bigint();
    const dumped = await ipvs.table();
    r.tandemDump.push(ms(t0));
    if (dumped.reduce((n, s) => n + s.destinations.length, 0) !== SERVICES * REALS) throw new Error('tandem dump incomplete');
    ipvs.close();

    execFileSync('ipvsadm', ['-C']);
    t0 = process.hrtime.bigint();
    execSync('ipvsadm -R < /tmp/ipvs.rules');
    r.ipvsadmProgram.push(ms(t0));
    t0 = process.hrtime.bigint();
    const listing = execFileSync('ipvsadm', ['-Ln'], { maxBuffer: 64 << 20, encoding: 'utf8' });
    r.ipvsadmDump.push(ms(t0));
    if (listing.split('\n').filter((l) => l.includes('->') && l.includes(':8080')).length !== SERVICES * REALS) throw new Error('ipvsadm dump incomplete');
    console.log(`run ${i + 1}: tandem ${r.tandemProgram.at(-1)?.toFixed(0)} / ${r.tandemDump.at(-1)?.toFixed(0)} ms, ipvsadm ${r.ipvsadmProgram.at(-1)?.toFixed(0)} / ${r.ipvsadmDump.at(-1)?.toFixed(0)} ms`);
  }
  execFileSync('ipvsadm', ['-C']);
  writeFileSync(out, JSON.stringify({ services: SERVICES, realsPerService: REALS, ...r }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
