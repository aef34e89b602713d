import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { klog, ktest } from './harness.js';
import { sh, until } from './guest-sh.js';
import { ask, count, natLab } from './labs.js';

// Quorum and sorry server through tandemd and the kernel: when the live weight falls below
// the quorum the sorry server takes the traffic and quorum_down runs; when it is back, the
// real server serves again and quorum_up runs.

ktest('daemon: a lost quorum sends the traffic to the sorry server and runs quorum_down; regained, quorum_up', async () => {
  const lab = natLab();
  const file = '/tmp/tandem-quorum.conf';
  const log = '/tmp/tandem-quorum.log';
  writeFileSync(
    file,
    `global_defs {
    script_user root
}
virtual_server 198.51.100.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 1
    quorum_up "/bin/sh -c 'echo up >> ${log}'"
    quorum_down "/bin/sh -c 'echo down >> ${log}'"
    sorry_server 10.1.2.2 80
    real_server 10.1.1.2 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
`,
  );
  const daemon = spawn('node', ['packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '--control-socket', '/run/tandem-test/tandem-quorum.sock'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const dests = (): string => sh('ipvsadm', '-Ln', '-t', '198.51.100.1:80');
  try {
    await until('the real server in IPVS', 60_000, () => (/10\.1\.1\.2:80/.test(dests()) ? true : undefined));
    assert.doesNotMatch(dests(), /10\.1\.2\.2:80/, 'no sorry server while the quorum holds');
    assert.deepEqual(count(ask('198.51.100.1', 4)), { kr1: 4 });

    lab.stopServer('kr1');
    await until('the sorry server in IPVS', 20_000, () => (/10\.1\.2\.2:80/.test(dests()) && !/10\.1\.1\.2:80/.test(dests()) ? true : undefined));
    assert.deepEqual(count(ask('198.51.100.1', 4)), { kr2: 4 });
    await until('quorum_down', 5000, () => (existsSync(log) && readFileSync(log, 'utf8').includes('down') ? true : undefined));

    lab.startServer('kr1');
    await until('the real server back, the sorry server gone', 20_000, () => (/10\.1\.1\.2:80/.test(dests()) && !/10\.1\.2\.2:80/.test(dests()) ? true : undefined));
    assert.deepEqual(count(ask('198.51.100.1', 4)), { kr1: 4 });
    await until('quorum_up', 5000, () => (readFileSync(log, 'utf8').trim().split('\n').join(' ') === 'down up' ? true : undefined));
  } catch (err) {
    klog(out.slice(-3000));
    throw err;
  } finally {
    daemon.kill('SIGKILL');
    lab.teardown();
  }
}, 180_000);
