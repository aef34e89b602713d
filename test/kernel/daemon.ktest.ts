import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { klog, ktest } from './harness.js';
import { sh, sleep, until } from './guest-sh.js';
import { ask, count, natLab } from './labs.js';

// tandemd itself in the guest: keepalived.conf in, the kernel's IPVS out, driven by real
// health checks of real servers, through a reload and a stop.

const conf = (w2: number): string => `virtual_server 198.51.100.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.1.2 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 10.1.2.2 80 {
        weight ${w2}
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
`;

const reals = (): string[] =>
  sh('ipvsadm', '-Ln', '-t', '198.51.100.1:80')
    .split('\n')
    .filter((l) => l.includes('->') && !l.includes('RemoteAddress'))
    .map((l) => l.trim().split(/\s+/).slice(1, 4).join(' '));

ktest('daemon: tandemd programs IPVS from keepalived.conf, a failing real server stops getting connections, reload changes one entry, stop removes its own', async () => {
  const lab = natLab();
  const file = join('/tmp', 'tandem-ipvs.conf');
  writeFileSync(file, conf(1));
  // Another tool's service: tandem must never touch it.
  sh('ipvsadm', '-A', '-t', '192.0.2.9:80', '-s', 'rr');
  // --plan against the kernel: what starting would do, and nothing done.
  const plan = sh('node', 'packages/daemon/bin/tandemd.js', '--plan', '-f', file);
  klog(plan);
  assert.match(plan, /^ipvs: add service TCP 198\.51\.100\.1:80 rr$/m);
  assert.match(plan, /^ipvs: add destination TCP 198\.51\.100\.1:80 -> 10\.1\.2\.2:80 masq weight 1$/m);
  assert.match(plan, /^ipvs: 3 operation\(s\); 0 service\(s\) already as the file wants$/m);
  assert.match(plan, /^ipvs: left alone \(not in this file\): TCP 192\.0\.2\.9:80$/m);
  assert.doesNotMatch(sh('ipvsadm', '-Sn'), /198\.51\.100\.1/);
  // -D: each IPVS entry is logged at debug, with one summary line per batch at info.
  // The control socket's directory must be root's alone (tandemd refuses /tmp, writable by all).
  const socket = join(mkdtempSync('/run/tandem-ipvs-'), 'tandem.sock');
  const daemon = spawn('node', ['packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '-D', '--control-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stdout.on('data', (d: Buffer) => (log += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await until('tandemd to program both real servers', 60_000, () => (reals().length === 2 ? true : undefined));
    assert.deepEqual(reals(), ['10.1.1.2:80 Masq 1', '10.1.2.2:80 Masq 1']);
    assert.deepEqual(count(ask('198.51.100.1', 10)), { kr1: 5, kr2: 5 });

    lab.stopServer('kr1');
    const t0 = Date.now();
    await until('the dead real server to leave IPVS', 20_000, () => (reals().length === 1 ? true : undefined));
    // delay_loop 1 + connect_timeout 1 + retry 1 x delay_before_retry 1 = 3 s, plus slack under TCG.
    klog(`removed ${Date.now() - t0} ms after its server stopped`);
    assert.deepEqual(reals(), ['10.1.2.2:80 Masq 1']);
    assert.deepEqual(count(ask('198.51.100.1', 6)), { kr2: 6 });

    lab.startServer('kr1');
    await until('the real server to come back', 20_000, () => (reals().length === 2 ? true : undefined));
    assert.deepEqual(count(ask('198.51.100.1', 4)), { kr1: 2, kr2: 2 });

    // Let the log of the re-add arrive before marking where the reload's lines begin.
    await until('the re-add to be logged', 10_000, () => (log.split('add destination TCP 198.51.100.1:80 -> 10.1.1.2:80').length === 3 ? true : undefined));
    const before = log.length;
    writeFileSync(file, conf(3));
    const replan = sh('node', 'packages/daemon/bin/tandemd.js', '--plan', '-f', file);
    assert.match(replan, /^ipvs: update destination TCP 198\.51\.100\.1:80 -> 10\.1\.2\.2:80 masq weight 3$/m);
    assert.match(replan, /^ipvs: 1 operation\(s\); 0 service\(s\) already as the file wants$/m);
    daemon.kill('SIGHUP');
    await until('the reload to change the weight', 20_000, () => (reals().includes('10.1.2.2:80 Masq 3') ? true : undefined));
    await sleep(500);
    const ipvsLines = log.slice(before).split('\n').filter((l) => /IPVS: (add|update|delete) /.test(l));
    klog(log.slice(before));
    assert.equal(ipvsLines.length, 1, 'one netlink operation for one changed real server');
    assert.match(ipvsLines[0] ?? '', /update destination TCP 198\.51\.100\.1:80 -> 10\.1\.2\.2:80 masq weight 3/);
    assert.match(log.slice(before), /IPVS: 1 destination updated in \d+ ms/);

    daemon.kill('SIGTERM');
    await until('tandemd to exit', 20_000, () => (daemon.exitCode !== null ? true : undefined));
    const left = sh('ipvsadm', '-Sn');
    assert.doesNotMatch(left, /198\.51\.100\.1/);
    assert.match(left, /-A -t 192\.0\.2\.9:80 -s rr/);
  } catch (err) {
    klog(log.slice(-4000));
    throw err;
  } finally {
    daemon.kill('SIGKILL');
    lab.teardown();
  }
}, 180_000);
