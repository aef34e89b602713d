// Runs inside the real-kernel guest (see test/bench/checks.ts): the same keepalived.conf with
// N TCP_CHECKs at delay_loop 1 run by tandemd and by keepalived's checker (which needs IPVS),
// one after the other, against the same kind of listeners on loopback. Measures each
// daemon's CPU and RSS in steady state, then stops 100 listeners at once and times how long
// each daemon takes to call those real servers down. Writes JSON.
// Usage: node bench-checks-guest.js OUT [N] [tandem,keepalived]
// (on a host without IPVS only tandem can run: keepalived's checker exits without IPVS)
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { sleep } from '../lib/sh.js';

const PER_VS = 100;
const BASE_PORT = 20000;

function conf(n: number): string {
  const out: string[] = [];
  for (let v = 0; v < n / PER_VS; v++) {
    out.push(`virtual_server 10.9.${Math.floor(v / 250)}.${1 + (v % 250)} 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP`);
    for (let r = 0; r < PER_VS; r++) {
      out.push(`    real_server 127.0.0.1 ${BASE_PORT + v * PER_VS + r} {\n        TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }\n    }`);
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

/** utime + stime in clock ticks and RSS in kB, summed over the processes. */
function usage(pids: readonly number[]): { ticks: number; rssKb: number } {
  let ticks = 0;
  let rssKb = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { ticks, rssKb };
}

function children(pid: number): number[] {
  try {
    return execSync(`ps -o pid= --ppid ${pid}`, { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** One daemon's figures (test/bench/checks.ts reads them back). */
export interface Run {
  readonly impl: string;
  readonly cpuPercent: number;
  readonly rssMb: number;
  readonly detectionMs: number[];
  readonly missed: number;
}

const clearIpvs = (): void => {
  try {
    execSync('ipvsadm -C', { stdio: 'ignore' });
  } catch {
    // no IPVS here: tandem checks all the same
  }
};

async function measure(impl: 'tandem' | 'keepalived', n: number): Promise<Run> {
  clearIpvs();
  const listeners = spawn('node', ['test/dist/kernel/listeners.js', String(BASE_PORT), String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let lout = '';
  listeners.stdout.on('data', (d: Buffer) => (lout += d.toString()));
  const waitL = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(lout);
      if (m !== null) return m;
      await sleep(20);
    }
  };
  await waitL(/ready/);
  const file = `/tmp/bench-checks-${impl}.conf`;
  writeFileSync(file, conf(n));
  const down = new Map<number, number>();
  const pattern = impl === 'tandem' ? /real server 127\.0\.0\.1:(\d+) DOWN/g : /Removing service \[127\.0\.0\.1\]:tcp:(\d+)/g;
  let daemon: ChildProcess;
  if (impl === 'tandem') {
    daemon = spawn('node', ['packages/daemon/bin/tandemd.js', '-n', '-l', '-f', file, '--control-socket', '/run/tandem-test/bench-checks.sock'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    daemon = spawn('keepalived', ['-n', '-l', '-C', '-f', file, '-p', '/tmp/bench-k.pid', '-c', '/tmp/bench-k-check.pid'], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let tail = '';
  const scan = (d: Buffer): void => {
    const now = Date.now();
    tail = (tail + d.toString()).slice(-100_000);
    for (const m of d.toString().matchAll(pattern)) if (!down.has(Number(m[1]))) down.set(Number(m[1]), now);
  };
  daemon.stdout?.on('data', scan);
  daemon.stderr?.on('data', scan);
  try {
    // Steady state first: every real server checked a few times.
    await sleep(20_000);
    const pids = (): number[] => [daemon.pid ?? 0, ...children(daemon.pid ?? 0)];
    const before = usage(pids());
    const t0 = Date.now();
    await sleep(20_000);
    const after = usage(pids());
    const elapsed = (Date.now() - t0) / 1000;
    const cpuPercent = ((after.ticks - before.ticks) / 100 / elapsed) * 100;
    const rssMb = after.rssKb / 1024;
    down.clear();
    // Stop 100 listeners spread over the range, at once.
    const victims = Array.from({ length: 100 }, (_v, i) => BASE_PORT + Math.floor((i * n) / 100) + 7);
    listeners.stdin.write(`close ${victims.join(' ')}\n`);
    const closedAt = Number((await waitL(/closed (\d+)/))[1]);
    await sleep(6000);
    const detectionMs = victims.map((p) => down.get(p)).filter((t): t is number => t !== undefined).map((t) => t - closedAt).sort((a, b) => a - b);
    console.log(`${impl}: cpu ${cpuPercent.toFixed(1)}% rss ${rssMb.toFixed(1)} MB, detected ${detectionMs.length}/100`);
    if (detectionMs.length === 0) console.log(tail.slice(-3000));
    return { impl, cpuPercent, rssMb, detectionMs, missed: 100 - detectionMs.length };
  } finally {
    daemon.kill('SIGTERM');
    await sleep(3000);
    daemon.kill('SIGKILL');
    if (impl === 'keepalived') {
      try {
        execSync('pkill -9 keepalived');
      } catch {
        // none
      }
    }
    listeners.kill('SIGKILL');
    clearIpvs();
  }
}

async function main(): Promise<void> {
  const [out = '/run/share/bench-checks.json', nText = '10000', implsText = 'tandem,keepalived'] = process.argv.slice(2);
  const n = Number(nText);
  const runs: Run[] = [];
  for (const impl of implsText.split(',')) runs.push(await measure(impl === 'keepalived' ? 'keepalived' : 'tandem', n));
  writeFileSync(out, JSON.stringify({ checks: n, delayLoop: 1, connectTimeout: 1, runs }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
