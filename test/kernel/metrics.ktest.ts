import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { klog, ktest } from './harness.js';
import { sh, until } from './guest-sh.js';
import { ask, count, natLab } from './labs.js';

// tandemd's Prometheus metrics read the kernel's IPVS counters: connections, packets and bytes
// per service and per real server, after real traffic through a NAT virtual server.

const conf = `virtual_server 198.51.100.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.1.2 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.1.2.2 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`;

/** The value of one series in the exposition text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

ktest('metrics: the IPVS counters in /metrics are the kernel\'s, per service and real server, after real connections', async () => {
  const lab = natLab();
  const file = join('/tmp', 'tandem-metrics.conf');
  writeFileSync(file, conf);
  const socket = join(mkdtempSync('/run/tandem-metrics-'), 'tandem.sock');
  const daemon = spawn('node', ['packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '--control-socket', socket, '--metrics-listen', '127.0.0.1:19650'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stdout.on('data', (d: Buffer) => (log += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await until('both real servers in IPVS', 60_000, () => ((sh('ipvsadm', '-Ln').match(/->\s+10\.1\./g) ?? []).length === 2 ? true : undefined));
    assert.deepEqual(count(ask('198.51.100.1', 10)), { kr1: 5, kr2: 5 });
    const svc = 'service="TCP 198.51.100.1:80"';
    const scrape = (): string => sh('curl', '-s', 'http://127.0.0.1:19650/metrics');
    // The kernel folds its per-CPU counters into what it reports every couple of seconds.
    await until('the kernel to count all 10 connections', 20_000, () => ((value(scrape(), `tandem_ipvs_service_connections_total{${svc}}`) ?? 0) >= 10 ? true : undefined));
    const text = scrape();
    const conns = value(text, `tandem_ipvs_service_connections_total{${svc}}`);
    klog(text.split('\n').filter((l) => l.startsWith('tandem_ipvs_')).join('\n'));
    assert.ok(conns !== undefined && conns >= 10, `service connections ${String(conns)}`);
    const kernel = sh('ipvsadm', '-Ln', '--stats', '-t', '198.51.100.1:80');
    klog(kernel);
    for (const rs of ['10.1.1.2:80', '10.1.2.2:80']) {
      const c = value(text, `tandem_ipvs_real_server_connections_total{${svc},real_server="${rs}"}`);
      assert.ok(c !== undefined && c >= 5, `${rs} connections ${String(c)}`);
    }
    for (const what of ['packets_in', 'packets_out', 'bytes_in', 'bytes_out']) {
      const v = value(text, `tandem_ipvs_service_${what}_total{${svc}}`);
      assert.ok(v !== undefined && v > 0, `${what} ${String(v)}`);
    }
    // The same figure ipvsadm reads from the kernel.
    const m = /TCP\s+198\.51\.100\.1:80\s+(\d+)/.exec(kernel);
    assert.equal(conns, Number(m?.[1]));
    assert.equal(value(text, 'tandem_real_server_up{virtual_server="198.51.100.1:80/TCP",real_server="10.1.1.2:80"}'), 1);
  } catch (err) {
    klog(log.slice(-4000));
    throw err;
  } finally {
    daemon.kill('SIGTERM');
    await until('tandemd to exit', 20_000, () => (daemon.exitCode !== null ? true : undefined)).catch(() => daemon.kill('SIGKILL'));
    lab.teardown();
  }
}, 180_000);
