// The process split: a VRRP side that nothing in the supervisor can stall, and that the
// supervisor brings back when it dies.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, TANDEMD } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { exited, nsRun, run, sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';

interface SidesStats {
  sides: { supervisor: { pid: number; loopDelayMs: { p50: number; p99: number; max: number } }; vrrp: { pid?: number; restarts: number; loopDelayMs?: { p50: number; p99: number; max: number }; error?: string } };
}

/** `virtual_server` blocks: `n` services of `reals` real servers each, no checkers (a large LVS site's file, lightly). */
export function bigLvsFile(n: number, reals: number): string {
  const out: string[] = [];
  for (let v = 0; v < n; v++) {
    out.push(`virtual_server 10.${20 + Math.floor(v / 250)}.${v % 250}.1 80 {\n    delay_loop 10\n    lb_algo wrr\n    lb_kind DR\n    protocol TCP`);
    for (let r = 0; r < reals; r++) out.push(`    real_server 10.99.${Math.floor(r / 250)}.${(r % 250) + 1} 80 {\n        weight ${1 + (r % 5)}\n    }`);
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

test.serial('a VRRP side killed with -9 is restarted by the supervisor, resumes MASTER, and the backup never takes the VIP', async (t) => {
  const lab = await Lab.create('side1', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    const before = (await lab.ctl(a, 'stats')) as unknown as SidesStats;
    const sidePid = before.sides.vrrp.pid!;
    t.not(sidePid, a.child.pid, 'the VRRP side is a process of its own');
    process.kill(sidePid, 'SIGKILL');
    let bHeld = false;
    const end = Date.now() + 6000;
    while (Date.now() < end) {
      if (await lab.holds('b', VIP)) bHeld = true;
      await sleep(100);
    }
    t.false(bHeld, 'the backup never took the VIP');
    const after = (await lab.ctl(a, 'stats')) as unknown as SidesStats;
    t.is(after.sides.vrrp.restarts, 1);
    t.not(after.sides.vrrp.pid, sidePid);
    t.is(after.sides.supervisor.pid, a.child.pid!, 'the supervisor itself kept running');
    t.regex(a.child.output(), new RegExp(`VRRP side \\(pid ${sidePid}\\) killed by SIGKILL; restarting it in \\d+ ms \\(restart 1, resuming MASTER for VI_LAB\\)`));
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER' });
    t.like((await lab.ctl(b, 'status'))!.instances[0], { state: 'BACKUP' });
    t.deepEqual(await lab.holders(VIP), ['a']);
    // The pair still fails over as before.
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 6000);
  } finally {
    await lab.cleanup();
  }
});

test.serial('tandemd killed with -9 alone: its VRRP side leaves VRRP cleanly, and the backup takes over within Skew_Time, not Master_Down_Interval', async (t) => {
  const lab = await Lab.create('side3', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    const sidePid = ((await lab.ctl(a, 'stats')) as unknown as SidesStats).sides.vrrp.pid!;
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await lab.waitHolder(VIP, 'b', 3000);
    const took = Date.now() - killedAt;
    t.log(`b alone held the VIP ${took} ms after tandemd was killed`);
    t.true(took < 2000, `${took} ms (Master_Down_Interval would be 3.6 s)`);
    await waitFor('the VRRP side to leave', 5000, () => {
      try {
        process.kill(sidePid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
  } finally {
    await lab.cleanup();
  }
});

test.serial('reloads of a 1,000 x 10 virtual server file on the master never let the backup take over at advert 0.1 s', async (t) => {
  const lab = await Lab.create('side2', ['a', 'b']);
  try {
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }) + bigLvsFile(1000, 10));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 15_000);
    await sleep(500);
    const mastersBefore = (b.child.output().match(/-> MASTER/g) ?? []).length;
    for (let i = 0; i < 5; i++) {
      a.child.kill('SIGHUP');
      await sleep(1500);
    }
    await waitFor('the reloads', 20_000, () => ((a.child.output().match(/reload applied/g) ?? []).length >= 2 ? true : undefined));
    t.is((b.child.output().match(/-> MASTER/g) ?? []).length, mastersBefore, 'the backup never became MASTER');
    t.deepEqual(await lab.holders(VIP), ['a']);
    const stats = (await lab.ctl(a, 'stats')) as unknown as SidesStats;
    t.log(`supervisor loop delay ${JSON.stringify(stats.sides.supervisor.loopDelayMs)}, VRRP side ${JSON.stringify(stats.sides.vrrp.loopDelayMs)}`);
    t.true(stats.sides.vrrp.loopDelayMs!.max < 100, 'the VRRP side\'s loop never waited an advert interval');
  } finally {
    await lab.cleanup();
  }
});

test.serial('a SIGTERM while tandemd is still starting its sides stops it cleanly: exit 0, nothing of its own left', async (t) => {
  const lab = await Lab.create('side5', ['a']);
  try {
    // The static address goes on before the sides start, so its appearance marks the moment
    // tandemd is forking its VRRP side.
    const conf = `static_ipaddress {\n    198.18.5.1/32 dev eth0\n}\n${vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] })}`;
    const path = lab.writeConfig('a', conf);
    const d = lab.spawnIn('a', TANDEMD, ['-n', '-l', '-f', path, '-p', join(lab.dir, 'a.pid'), '--control-socket', join(lab.dir, 'a.sock')]);
    const addrs = (): Promise<string> => nsRun(lab.ns('a'), 'ip', ['-4', 'addr', 'show', 'dev', 'eth0']);
    await waitFor('the static address', 15_000, async () => ((await addrs()).includes('198.18.5.1') ? true : undefined), 5);
    d.kill('SIGTERM');
    const code = await exited(d, 20_000);
    t.log(d.output().split('\n').slice(-4).join('\n'));
    t.is(code, 0, 'a stop asked for, not a failure');
    t.notRegex(d.output(), /cannot start/);
    const left = await addrs();
    t.false(left.includes('198.18.5.1'), 'the static address is gone');
    t.false(left.includes(VIP), 'no VIP');
    t.false(existsSync(join(lab.dir, 'a.sock')), 'no control socket');
  } finally {
    await lab.cleanup();
  }
});

/** The scheduling policy, real-time priority and nice value of a process, as `chrt -p` and /proc say them. */
async function scheduling(pid: number): Promise<{ policy: string; rtPriority: number; nice: number; title: string }> {
  const out = await run('chrt', ['-p', String(pid)]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { policy: /policy: (\S+)/.exec(out)?.[1] ?? '', rtPriority: Number(/priority: (\d+)/.exec(out)?.[1]), nice: Number(fields[16]), title: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]! };
}

test.serial("the VRRP side runs at SCHED_RR 1 by default; vrrp_priority, vrrp_rt_priority and vrrp_no_swap set it as keepalived's do, also by a reload", async (t) => {
  const lab = await Lab.create('side5', ['a']);
  try {
    const conf = (globalLines: string[]): string => vrrpConf({ advertInt: 1, vips: [`${VIP}/24`], priority: 150, globalLines });
    const a = await lab.startTandem('a', conf([]));
    await lab.waitHolder(VIP, 'a', 8000);
    const sidePid = async (): Promise<number> => ((await lab.ctl(a, 'stats')) as unknown as SidesStats).sides.vrrp.pid!;
    const pid = await sidePid();
    t.like(await scheduling(pid), { policy: 'SCHED_RR|SCHED_RESET_ON_FORK', rtPriority: 1, nice: -10 });
    t.like(await scheduling(a.child.pid!), { policy: 'SCHED_OTHER', nice: 0 }, 'the supervisor keeps the normal policy');
    const reloads = (): number => (a.child.output().match(/reload applied/g) ?? []).length;
    const reload = async (lines: string[]): Promise<void> => {
      const before = reloads();
      lab.writeConfig('a', conf(lines));
      a.child.kill('SIGHUP');
      await waitFor('reload applied', 10_000, () => (reloads() > before ? true : undefined));
    };
    const lockedKb = (): number => Number(/^VmLck:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    t.is(lockedKb(), 0);
    await reload(['vrrp_priority 5', 'vrrp_no_swap']);
    t.like(await scheduling(pid), { policy: 'SCHED_OTHER', nice: 5 }, 'vrrp_priority: the nice value, not real time');
    t.true(lockedKb() > 0, 'vrrp_no_swap: the side locked its memory');
    await reload(['vrrp_rt_priority 20', 'vrrp_rlimit_rttime 400000']);
    t.like(await scheduling(pid), { policy: 'SCHED_RR|SCHED_RESET_ON_FORK', rtPriority: 20 });
    t.regex(readFileSync(`/proc/${pid}/limits`, 'utf8'), /Max realtime timeout\s+200000\s+400000\s+us/, 'half of vrrp_rlimit_rttime is the soft limit');
    await reload([]);
    t.like(await scheduling(pid), { policy: 'SCHED_RR|SCHED_RESET_ON_FORK', rtPriority: 1 });
    t.is(lockedKb(), 0, 'a reload without vrrp_no_swap unlocks it');
    // Raising the hard limit back takes CAP_SYS_RESOURCE; without it the side keeps it, and says so.
    const capSysResource = (BigInt(`0x${/CapEff:\s+(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 24n) & 1n;
    if (capSysResource === 1n) t.regex(readFileSync(`/proc/${pid}/limits`, 'utf8'), /Max realtime timeout\s+unlimited\s+unlimited\s+us/);
    else t.regex(a.child.output(), /VRRP side: cannot apply no RLIMIT_RTTIME: .*; the side keeps the last vrrp_rlimit_rttime until it restarts/);
    t.is(await sidePid(), pid, 'the same side all along');
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER' });
  } finally {
    await lab.cleanup();
  }
});

test.serial('vrrp_process_name names the VRRP side from its start', async (t) => {
  const lab = await Lab.create('side6', ['a']);
  try {
    const a = await lab.startTandem('a', vrrpConf({ advertInt: 1, vips: [`${VIP}/24`], priority: 150, globalLines: ['vrrp_process_name tdm_vrrp'] }));
    const pid = ((await lab.ctl(a, 'stats')) as unknown as SidesStats).sides.vrrp.pid!;
    t.is((await scheduling(pid)).title, 'tdm_vrrp');
  } finally {
    await lab.cleanup();
  }
});
