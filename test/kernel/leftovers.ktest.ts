import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { klog, ktest } from './harness.js';
import { sh, until } from './guest-sh.js';

// After a crash of the whole daemon, the next tandemd with a changed file removes the IPVS
// services the old file had (its ledger remembers what it created), and leaves another
// tool's service alone. keepalived leaves them in the kernel for good.

const service = (vip: string): string => `virtual_server ${vip} 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.1.2 80 {
        weight 1
    }
}
`;

const services = (): string => sh('ipvsadm', '-Sn');

function start(file: string, socket: string): ChildProcess & { log: () => string } {
  const child = spawn('node', ['packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '--control-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  return Object.assign(child, { log: () => log });
}

/** Stops tandemd and its VRRP side at once, then kills both: neither cleans up. */
function crash(d: ChildProcess): void {
  const side = sh('sh', '-c', `pgrep -P ${d.pid} || true`).trim().split('\n').filter((p) => p !== '').map(Number);
  for (const pid of [d.pid!, ...side]) process.kill(pid, 'SIGSTOP');
  for (const pid of [d.pid!, ...side]) process.kill(pid, 'SIGKILL');
}

ktest('leftovers: after a crash, the next start removes the IPVS services the old file had and no other', async () => {
  sh('ipvsadm', '-C');
  sh('ipvsadm', '-A', '-t', '192.0.2.9:80', '-s', 'rr');
  const dir = mkdtempSync('/run/tandem-leftovers-');
  const socket = join(dir, 'tandem.sock');
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, service('198.51.100.1') + service('198.51.100.2'));
  const first = start(file, socket);
  let second: ReturnType<typeof start> | undefined;
  try {
    await until('both services in IPVS', 60_000, () => (/198\.51\.100\.1:80/.test(services()) && /198\.51\.100\.2:80/.test(services()) ? true : undefined));
    crash(first);
    await until('tandemd gone', 10_000, () => (first.exitCode !== null || first.signalCode !== null ? true : undefined));
    const ledger = JSON.parse(readFileSync(join(dir, 'tandem.state'), 'utf8')) as { ipvsServices: string[] };
    klog(`ledger after the crash: ${JSON.stringify(ledger.ipvsServices)}`);
    assert.equal(ledger.ipvsServices.length, 2);
    assert.match(services(), /198\.51\.100\.2:80/, 'the crash left the service behind');
    writeFileSync(file, service('198.51.100.1'));
    second = start(file, socket);
    await until('the old service gone', 60_000, () => (!/198\.51\.100\.2:80/.test(services()) ? true : undefined));
    assert.match(services(), /198\.51\.100\.1:80/, 'the service the new file still has stays');
    assert.match(services(), /192\.0\.2\.9:80/, 'another tool\'s service is never touched');
    second.kill('SIGTERM');
    await until('a clean stop', 20_000, () => (second!.exitCode !== null ? true : undefined));
    assert.doesNotMatch(services(), /198\.51\.100\./, 'a clean stop leaves none of tandem\'s');
    assert.deepEqual((JSON.parse(readFileSync(join(dir, 'tandem.state'), 'utf8')) as { ipvsServices: string[] }).ipvsServices, []);
  } catch (err) {
    klog(first.log().slice(-2000));
    klog(second?.log().slice(-2000) ?? '');
    throw err;
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGKILL');
    sh('ipvsadm', '-C');
  }
}, 240_000);
