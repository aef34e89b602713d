import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepalived, stop, tandemd, type Daemon } from './daemons.js';
import { klog, ktest } from './harness.js';
import { sh, sleep, until } from './guest-sh.js';
import { natLab } from './labs.js';

// `omega` on a virtual server: at its stop keepalived tells of each real server that was up
// (notify_down, the checker FIFO's RS line) and of the virtual server (quorum_down, its VS
// line). keepalived 2.2.7 runs first on the file, then tandemd; what each told at its stop is
// compared.

const omegaFile = (dir: string): string => {
  const log = join(dir, 'scripts.log');
  const say = (what: string): string => `"/bin/sh -c 'echo ${what} >> ${log}'"`;
  const real = (address: string, port: number): string => `    real_server ${address} ${port} {
        notify_up ${say(`up ${address}:${port}`)}
        notify_down ${say(`down ${address}:${port}`)}
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
`;
  return `global_defs {
    script_user root
    lvs_notify_fifo ${join(dir, 'lvs.fifo')}
}
virtual_server 198.51.100.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    omega
    quorum_up ${say('quorum_up 80')}
    quorum_down ${say('quorum_down 80')}
${real('10.1.1.2', 80)}${real('10.1.2.2', 80)}${real('10.1.1.2', 81)}}
virtual_server 198.51.100.1 8080 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum_down ${say('quorum_down 8080')}
${real('10.1.2.2', 8080)}}
`;
};

/** What one daemon told at its stop: the scripts' lines and the FIFO's, each sorted (scripts run side by side). */
async function toldAtStop(dir: string, start: (dir: string, file: string) => Daemon, who: string): Promise<{ scripts: string[]; fifo: string[] }> {
  const file = join(dir, 'keepalived.conf');
  const log = join(dir, 'scripts.log');
  const fifo = join(dir, 'lvs.fifo');
  const fifoLog = join(dir, 'fifo.log');
  rmSync(log, { force: true });
  rmSync(fifoLog, { force: true });
  rmSync(fifo, { force: true });
  sh('mkfifo', fifo);
  writeFileSync(file, omegaFile(dir));
  // The reader opens the FIFO first and reads until the daemon, its last writer, has gone.
  const reader = spawn('sh', ['-c', `exec cat ${fifo} > ${fifoLog}`], { stdio: 'ignore' });
  const d = start(dir, file);
  try {
    const dests = (): string => sh('ipvsadm', '-Ln', '-t', '198.51.100.1:80');
    await until(`${who}: both live real servers in IPVS, the dead one out`, 60_000, () => {
      const t = dests();
      return /10\.1\.1\.2:80/.test(t) && /10\.1\.2\.2:80/.test(t) && !/10\.1\.1\.2:81/.test(t) && existsSync(log) && readFileSync(log, 'utf8').includes('down 10.1.1.2:81') ? true : undefined;
    });
    await sleep(2500); // a few more checks: nothing changes
    const scriptsBefore = readFileSync(log, 'utf8').length;
    const fifoBefore = existsSync(fifoLog) ? readFileSync(fifoLog, 'utf8').length : 0;
    await stop(d);
    await until(`${who}: the FIFO's reader to see the end`, 10_000, () => (reader.exitCode !== null ? true : undefined));
    await sleep(1500); // the scripts it started at its stop
    const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();
    return { scripts: lines(readFileSync(log, 'utf8').slice(scriptsBefore)), fifo: lines(readFileSync(fifoLog, 'utf8').slice(fifoBefore)) };
  } catch (err) {
    klog(`${who}:\n${d.log().slice(-3000)}`);
    throw err;
  } finally {
    d.child.kill('SIGKILL');
    reader.kill('SIGKILL');
  }
}

ktest('omega: at stop, notify_down for each real server that was up and quorum_down, with their FIFO lines, as keepalived 2.2.7; none without omega', async () => {
  const lab = natLab();
  const dir = mkdtempSync('/run/tandem-omega-');
  try {
    const k = await toldAtStop(dir, keepalived, 'keepalived');
    klog(`keepalived at its stop: ${JSON.stringify(k)}`);
    assert.equal(sh('ipvsadm', '-Sn'), '', 'keepalived removes its services');
    const t = await toldAtStop(dir, tandemd, 'tandemd');
    klog(`tandemd at its stop: ${JSON.stringify(t)}`);
    assert.equal(sh('ipvsadm', '-Sn'), '', 'tandemd removes its services');
    assert.deepEqual(t.scripts, ['down 10.1.1.2:80', 'down 10.1.2.2:80', 'quorum_down 80']);
    assert.deepEqual(t, k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    lab.teardown();
  }
}, 300_000);
