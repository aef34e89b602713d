// The process split: a VRRP side that nothing in the supervisor can stall, and that the
// supervisor brings back when it dies.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, TANDEMD } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { exited, nsRun, sleep, waitFor } from '../lib/sh.js';

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
