import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { nsRun, waitFor } from '../lib/sh.js';

// dynamic_interfaces against real interfaces: an instance on an interface that does not exist
// yet (a macvlan on eth0: this kernel has no VLAN or bond driver; the events are the same),
// which then appears, is deleted, and is made again with another index.

const VIP = '192.0.2.100';

test.serial('dynamic_interfaces: FAULT while the interface is missing, MASTER once it appears, FAULT when it is deleted, MASTER when it is back', async (t) => {
  const lab = await Lab.create('tFdyn', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const confA = vrrpConf({ ...common, priority: 150, globalLines: ['dynamic_interfaces'] }).replace('interface eth0', 'interface mv7').replace(`${VIP}/24 dev eth0`, `${VIP}/24 dev mv7`);
    const a = await lab.startTandem('a', confA);
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    const state = async (): Promise<string | undefined> => (await lab.ctl(a, 'status', true))?.instances[0]?.state;
    t.is(await state(), 'FAULT');
    t.regex(a.child.output(), /interface mv7 does not exist: FAULT until it appears \(dynamic_interfaces\)/);
    await lab.waitHolder(VIP, 'b', 8000);

    const make = async (): Promise<void> => {
      await nsRun(lab.ns('a'), 'ip', ['link', 'add', 'link', 'eth0', 'name', 'mv7', 'type', 'macvlan', 'mode', 'bridge']);
      await nsRun(lab.ns('a'), 'ip', ['addr', 'add', '192.0.2.21/24', 'dev', 'mv7']);
      await nsRun(lab.ns('a'), 'ip', ['link', 'set', 'mv7', 'up']);
    };
    await make();
    await waitFor('a MASTER on mv7', 10_000, async () => ((await state()) === 'MASTER' ? true : undefined), 100).catch((err: Error) => {
      t.log(a.child.output());
      throw err;
    });
    await lab.waitHolder(VIP, 'a', 5000);

    await nsRun(lab.ns('a'), 'ip', ['link', 'del', 'mv7']);
    await waitFor('a FAULT after the deletion', 3000, async () => ((await state()) === 'FAULT' ? true : undefined), 50);
    await lab.waitHolder(VIP, 'b', 8000);

    await make();
    await waitFor('a MASTER again', 10_000, async () => ((await state()) === 'MASTER' ? true : undefined), 100);
    await lab.waitHolder(VIP, 'a', 5000);
    t.is((await lab.ctl(a, 'status'))!.instances.length, 1);
  } finally {
    await lab.cleanup();
  }
});

test.serial('an interface without an address of its family: the instance waits in FAULT (no dynamic_interfaces needed) and starts when one is added, as keepalived', async (t) => {
  const lab = await Lab.create('tFnoad', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    await nsRun(lab.ns('a'), 'ip', ['-4', 'addr', 'flush', 'dev', 'eth0']);
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    const state = async (): Promise<string | undefined> => (await lab.ctl(a, 'status', true))?.instances[0]?.state;
    t.is(await state(), 'FAULT');
    t.regex(a.child.output(), /eth0 has no IPv4 address to send VRRP from: FAULT until an address is added/);
    await lab.waitHolder(VIP, 'b', 8000);
    await nsRun(lab.ns('a'), 'ip', ['addr', 'add', '192.0.2.31/24', 'dev', 'eth0']);
    await waitFor('a MASTER once it has an address', 10_000, async () => ((await state()) === 'MASTER' ? true : undefined), 100).catch((err: Error) => {
      t.log(a.child.output());
      throw err;
    });
    await lab.waitHolder(VIP, 'a', 5000);
  } finally {
    await lab.cleanup();
  }
});
