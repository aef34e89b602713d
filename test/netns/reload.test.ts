import test from 'ava';
import { Lab, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { run, sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const VIP2 = '192.0.2.101';

const transitions = (d: Daemon): number => (d.child.output().match(/\) \w+ -> \w+:/g) ?? []).length;

async function reloaded(d: Daemon, count: number): Promise<void> {
  await waitFor('reload logged', 5000, () => ((d.child.output().match(/reload (applied|refused|failed)/g) ?? []).length >= count ? true : undefined));
}

test.serial('SIGHUP with a VIP added on both nodes: the master stays MASTER and adds and announces it, the backup stays BACKUP', async (t) => {
  const lab = await Lab.create('rl1', ['a', 'b']);
  try {
    const one = { advertInt: 1, vips: [`${VIP}/24`] };
    const two = { advertInt: 1, vips: [`${VIP}/24`, `${VIP2}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...one, priority: 150 }));
    const b = await lab.startTandem('b', vrrpConf({ ...one, priority: 100 }));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 8000);
    await sleep(1500);
    const before = [transitions(a), transitions(b)];
    lab.writeConfig('a', vrrpConf({ ...two, priority: 150 }));
    lab.writeConfig('b', vrrpConf({ ...two, priority: 100 }));
    b.child.kill('SIGHUP');
    a.child.kill('SIGHUP');
    await reloaded(a, 1);
    await reloaded(b, 1);
    await lab.waitHolder(VIP2, 'a', 3000);
    const probe = lab.startProber(VIP2);
    await waitFor('client reaching the new VIP on a', 3000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    await probe.stop();
    await sleep(4000); // longer than Master_Down_Interval: a mismatch would have made b master by now
    t.deepEqual([transitions(a), transitions(b)], before, 'no transition on either node');
    t.deepEqual(await lab.holders(VIP), ['a']);
    t.deepEqual(await lab.holders(VIP2), ['a']);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER', vips: [`${VIP}/24`, `${VIP2}/24`] });
    t.regex(a.child.output(), /updated in place: virtualIpaddress/);
  } finally {
    await lab.cleanup();
  }
});

test.serial('an instance removed by a reload releases its VIP; the other instance is untouched', async (t) => {
  const lab = await Lab.create('rl2', ['a']);
  try {
    const vi1 = vrrpConf({ name: 'VI_1', vrid: 51, priority: 150, advertInt: 0.1, version: 3, vips: [`${VIP}/24`] });
    const vi2 = vrrpConf({ name: 'VI_2', vrid: 52, priority: 150, advertInt: 0.1, version: 3, vips: [`${VIP2}/24`] }).replace(/global_defs \{[^}]*\}\n/, '');
    const a = await lab.startTandem('a', vi1 + vi2);
    await lab.waitHolder(VIP, 'a', 5000);
    await lab.waitHolder(VIP2, 'a', 5000);
    const before = transitions(a);
    lab.writeConfig('a', vi1);
    a.child.kill('SIGHUP');
    await reloaded(a, 1);
    await waitFor('VIP2 released', 3000, async () => ((await lab.holds('a', VIP2)) ? undefined : true));
    t.true(await lab.holds('a', VIP));
    t.deepEqual((await lab.ctl(a, 'status'))!.instances.map((i) => [i.name, i.state]), [['VI_1', 'MASTER']]);
    t.is(transitions(a), before + 1, 'only VI_2 left (MASTER -> INIT)');
    t.regex(a.child.output(), /\(VI_2\) MASTER -> INIT: shutdown/);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a broken file is refused with its position and the running configuration stays in force', async (t) => {
  const lab = await Lab.create('rl3', ['a']);
  try {
    const good = vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: [`${VIP}/24`] });
    const a = await lab.startTandem('a', good);
    await lab.waitHolder(VIP, 'a', 5000);
    const before = transitions(a);
    const path = lab.writeConfig('a', good.replace('priority 150', 'priority 150 oops').replace(`${VIP}/24`, `${VIP2}/24`));
    const out = await run('node', [TANDEMCTL, '--socket', a.socket, 'reload', '--json']);
    const reply = JSON.parse(out) as { applied: boolean; errors: string[] };
    t.false(reply.applied);
    t.deepEqual(reply.errors, [`${path}:10:18: unexpected 'oops' after priority`]);
    a.child.kill('SIGHUP');
    await reloaded(a, 2);
    await sleep(500);
    t.is(transitions(a), before);
    t.true(await lab.holds('a', VIP));
    t.false(await lab.holds('a', VIP2));
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER', vips: [`${VIP}/24`] });
  } finally {
    await lab.cleanup();
  }
});
