import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { waitFor } from '../lib/sh.js';

// ha_suspend against real parts: the virtual server's address is the VRRP address, so a's
// checkers connect to the real server (the client's TCP port 8080) only while a is MASTER.
// b, with a higher priority, takes the address: a's checks stop; b stops, they start again.

const VIP = '192.0.2.100';
const COUNTER = `
require('node:net').createServer((s) => { console.log('conn ' + s.remoteAddress.replace(/^::ffff:/, '')); s.destroy(); }).listen(8080, '0.0.0.0', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
`;

test.serial('ha_suspend: the checkers of a virtual server run only while its address is on the host (VRRP MASTER)', async (t) => {
  const lab = await Lab.create('tFhas', ['a', 'b']);
  try {
    const counter = lab.spawnIn('client', 'node', ['-e', COUNTER]);
    await waitFor('counter listening', 5000, () => (counter.output().includes('listening') ? true : undefined));
    const fromA = (): number => counter.output().split('\n').filter((l) => l === `conn ${lab.address('a')}`).length;
    const vs = `virtual_server ${VIP} 8080 {\n    delay_loop 0.2\n    lb_kind DR\n    ha_suspend\n    real_server ${lab.address('client')} 8080 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n`;
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 100 }) + vs);
    await lab.waitHolder(VIP, 'a', 8000);
    await waitFor('checks from a', 5000, () => (fromA() >= 3 ? true : undefined));

    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 150 }));
    await lab.waitHolder(VIP, 'b', 8000);
    await new Promise((r) => setTimeout(r, 500));
    const atBackup = fromA();
    await new Promise((r) => setTimeout(r, 2000));
    t.is(fromA(), atBackup, 'no checks while a is BACKUP');
    t.regex(a.child.output(), /ha_suspend: suspending its checkers: its address is not on this host/);
    const st = (await lab.ctl(a, 'status', true)) as unknown as { virtualServers: Array<{ suspended?: boolean }> };
    t.true(st.virtualServers[0]?.suspended, JSON.stringify(st.virtualServers));

    await lab.stopDaemon(b);
    await lab.waitHolder(VIP, 'a', 8000);
    await waitFor('checks from a again', 5000, () => (fromA() >= atBackup + 3 ? true : undefined));
    t.regex(a.child.output(), /ha_suspend: activating its checkers: its address is on this host/);
  } finally {
    await lab.cleanup();
  }
});
