// The VRRP side runs only for a file with VRRP configuration, as keepalived's parent starts no
// VRRP child without it (running_vrrp()); a reload that brings the first vrrp_instance starts it.
import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { run, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const LVS = 'virtual_server 192.0.2.200 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 192.0.2.11 80 {\n        weight 1\n    }\n}\n';

interface Stats {
  sides: { vrrp: { pid?: number; error?: string } };
}

/** The pids of a process's children. */
async function childrenOf(pid: number): Promise<number[]> {
  const out = await run('ps', ['-o', 'pid=', '--ppid', String(pid)], { allowFail: true });
  return out.split('\n').map(Number).filter((p) => p > 0);
}

test.serial('a file without VRRP configuration starts no VRRP side; the reload that adds a vrrp_instance starts it and the instance runs', async (t) => {
  const lab = await Lab.create('vsd', ['a'], 'tJ');
  try {
    const sidePidFile = join(lab.dir, 'vrrp.pid');
    const a = await lab.startTandem('a', LVS, ['-r', sidePidFile]);
    const before = (await lab.ctl(a, 'stats')) as unknown as Stats;
    t.is(before.sides.vrrp.pid, undefined, 'no VRRP side');
    t.deepEqual(await childrenOf(a.child.pid!), [], 'tandemd runs alone');
    t.false(existsSync(sidePidFile), 'no VRRP side pid file, as keepalived writes none without a VRRP child');
    t.deepEqual((await lab.ctl(a, 'status'))!.instances, []);

    writeFileSync(join(lab.dir, 'a.conf'), `${vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`] })}\n${LVS}`);
    a.child.kill('SIGHUP');
    await waitFor('the reload to be applied', 20_000, () => (/reload applied: 1 added/.test(a.child.output()) ? true : undefined));
    await lab.waitHolder(VIP, 'a', 10_000);
    const after = (await lab.ctl(a, 'stats')) as unknown as Stats;
    t.true(after.sides.vrrp.pid !== undefined && after.sides.vrrp.pid !== a.child.pid, 'the VRRP side is a process of its own');
    t.deepEqual(await childrenOf(a.child.pid!), [after.sides.vrrp.pid!]);
    t.true(existsSync(sidePidFile));
    t.like((await lab.ctl(a, 'status'))!.instances[0], { name: 'VI_LAB', state: 'MASTER' });
  } finally {
    await lab.cleanup();
  }
});

test.serial('--all starts the VRRP side for a file without VRRP configuration, as keepalived --all runs every child', async (t) => {
  const lab = await Lab.create('vsd2', ['a'], 'tJ');
  try {
    const a = await lab.startTandem('a', LVS, ['--all']);
    const stats = (await lab.ctl(a, 'stats')) as unknown as Stats;
    t.true(stats.sides.vrrp.pid !== undefined);
    t.deepEqual(await childrenOf(a.child.pid!), [stats.sides.vrrp.pid!]);
  } finally {
    await lab.cleanup();
  }
});
