import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keepalived, stop, tandemd, type Daemon } from './daemons.js';
import { klog, ktest } from './harness.js';
import { sh, sleep, until } from './guest-sh.js';
import { natLab } from './labs.js';

// `omega` on a virtual server: at its stop keepalived tells of each real server that was up
// (notify_down, the checker FIFO's RS line) and of the virtual server (quorum_down, its VS
// line). A reload tells of the real servers and virtual servers it takes away, omega or not.
// keepalived 2.2.7 runs first on the file, then tandemd; what each told is compared.

/**
 * The file: 198.51.100.1:80 with `omega` and three real servers (10.1.1.2:81 has nothing
 * listening: down), 198.51.100.1:8080 without it and one live real server. `reloaded`: 8080
 * gone, and 10.1.2.2 gone from 80.
 */
const omegaFile = (dir: string, reloaded = false): string => {
  const log = join(dir, 'scripts.log');
  const say = (what: string): string => `"/bin/sh -c 'echo ${what} >> ${log}'"`;
  const real = (vsPort: number, address: string, port: number): string => `    real_server ${address} ${port} {
        notify_up ${say(`up ${vsPort}/${address}:${port}`)}
        notify_down ${say(`down ${vsPort}/${address}:${port}`)}
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
`;
  const web = `virtual_server 198.51.100.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    omega
    quorum_up ${say('quorum_up 80')}
    quorum_down ${say('quorum_down 80')}
${real(80, '10.1.1.2', 80)}${reloaded ? '' : real(80, '10.1.2.2', 80)}${real(80, '10.1.1.2', 81)}}
`;
  const other = `virtual_server 198.51.100.1 8080 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum_down ${say('quorum_down 8080')}
${real(8080, '10.1.2.2', 80)}}
`;
  return `global_defs {
    script_user root
    lvs_notify_fifo ${join(dir, 'lvs.fifo')}
}
${web}${reloaded ? '' : other}`;
};

/** What the daemon told of, once started on the file: in `event` (its stop, or a reload to the smaller file). */
type Event = (d: Daemon, file: string, readerDone: () => boolean) => Promise<void>;

const atStop: Event = async (d, _file, readerDone) => {
  await stop(d);
  await until("the FIFO's reader to see the end", 10_000, () => (readerDone() ? true : undefined));
};

const atReload: Event = async (d, file) => {
  writeFileSync(file, omegaFile(dirname(file), true));
  d.child.kill('SIGHUP');
  await until('the reload in IPVS', 30_000, () => {
    const t = sh('ipvsadm', '-Ln');
    return !/:8080/.test(t) && !/10\.1\.2\.2:80/.test(t) ? true : undefined;
  });
};

/** What one daemon told in `event`: the scripts' lines and the FIFO's, each sorted (scripts run side by side). */
async function told(dir: string, start: (dir: string, file: string) => Daemon, who: string, event: Event): Promise<{ scripts: string[]; fifo: string[] }> {
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
    await until(`${who}: the live real servers in IPVS, the dead one out`, 60_000, () => {
      const web = sh('ipvsadm', '-Ln', '-t', '198.51.100.1:80');
      const other = sh('ipvsadm', '-Ln', '-t', '198.51.100.1:8080');
      return /10\.1\.1\.2:80/.test(web) && /10\.1\.2\.2:80/.test(web) && !/10\.1\.1\.2:81/.test(web) && /10\.1\.2\.2:80/.test(other) && existsSync(log) && readFileSync(log, 'utf8').includes('down 80/10.1.1.2:81') ? true : undefined;
    });
    await sleep(2500); // a few more checks: nothing changes
    const scriptsBefore = readFileSync(log, 'utf8').length;
    const fifoBefore = existsSync(fifoLog) ? readFileSync(fifoLog, 'utf8').length : 0;
    await event(d, file, () => reader.exitCode !== null);
    await sleep(1500); // the scripts it started
    const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();
    return { scripts: lines(readFileSync(log, 'utf8').slice(scriptsBefore)), fifo: lines(readFileSync(fifoLog, 'utf8').slice(fifoBefore)) };
  } catch (err) {
    klog(`${who}:\n${d.log().slice(-3000)}`);
    throw err;
  } finally {
    await stop(d).catch(() => undefined);
    d.child.kill('SIGKILL');
    reader.kill('SIGKILL');
  }
}

/** What each told: keepalived first, then tandemd, on the file in `event` ("stop", "reload"), in a NAT lab of their own. */
async function bothTold(event: Event, name: string): Promise<{ k: { scripts: string[]; fifo: string[] }; t: { scripts: string[]; fifo: string[] } }> {
  const lab = natLab();
  const dir = mkdtempSync('/run/tandem-omega-');
  try {
    const k = await told(dir, keepalived, 'keepalived', event);
    klog(`keepalived at its ${name}: ${JSON.stringify(k)}`);
    assert.equal(sh('ipvsadm', '-Sn'), '', 'keepalived removes its services at stop');
    const t = await told(dir, tandemd, 'tandemd', event);
    klog(`tandemd at its ${name}: ${JSON.stringify(t)}`);
    assert.equal(sh('ipvsadm', '-Sn'), '', 'tandemd removes its services at stop');
    return { k, t };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    lab.teardown();
  }
}

ktest('omega: at stop, notify_down for each real server that was up and quorum_down, with their FIFO lines, as keepalived 2.2.7; none without omega', async () => {
  const { k, t } = await bothTold(atStop, 'stop');
  assert.deepEqual(t.scripts, ['down 80/10.1.1.2:80', 'down 80/10.1.2.2:80', 'quorum_down 80'], '8080, without omega, tells nothing');
  assert.deepEqual(t, k);
}, 300_000);

ktest('reload: real servers a reload takes away while up are told down, and a virtual server it takes away loses its quorum, as keepalived 2.2.7', async () => {
  const { k, t } = await bothTold(atReload, 'reload');
  assert.deepEqual(t.scripts, ['down 80/10.1.2.2:80', 'down 8080/10.1.2.2:80', 'quorum_down 8080']);
  assert.deepEqual(t.scripts, k.scripts);
  // keepalived closes its notify FIFO at a reload and opens it again (check_daemon.c: "we don't
  // know if it will be the same"), so a reader of its own sees the end there and its lines of the
  // reload reach no one; tandemd keeps the FIFO open across a reload, and these are its lines.
  assert.deepEqual(t.fifo, ['RS [10.1.2.2]:tcp:80 [198.51.100.1]:tcp:80 DOWN', 'RS [10.1.2.2]:tcp:80 [198.51.100.1]:tcp:8080 DOWN', 'VS [198.51.100.1]:tcp:8080 DOWN']);
}, 300_000);
