import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { waitFor } from '../lib/sh.js';

// A cloud pair: no virtual_ipaddress; notify scripts would move an elastic address. keepalived
// 2.2.7 runs such a VRRPv2 instance with a warning; tandem must too, with keepalived as its peer.

test.serial('an instance with no virtual_ipaddress runs VRRPv2 against keepalived: adverts with no address, MASTER and BACKUP, notify scripts, failover', async (t) => {
  const lab = await Lab.create('tFnovip', ['a', 'b']);
  try {
    const log = (d: string): string => join(lab.dir, `${d}.notify`);
    for (const d of ['a', 'b']) writeFileSync(join(lab.dir, `${d}.sh`), `echo "$*" >> ${log(d)}\n`);
    const conf = (d: string, priority: number): string =>
      vrrpConf({ priority, advertInt: 1, vips: [], globalLines: ['script_user root', 'enable_script_security'], instanceLines: [`notify "/bin/sh ${join(lab.dir, `${d}.sh`)}"`] });
    const a = await lab.startTandem('a', conf('a', 150));
    await lab.startKeepalived('b', conf('b', 100));
    const notified = (d: string, what: string): Promise<true> => waitFor(`${d}: ${what}`, 8000, () => (existsSync(log(d)) && readFileSync(log(d), 'utf8').includes(what) ? true : undefined));
    await notified('a', 'INSTANCE VI_LAB MASTER 150');
    await notified('b', 'INSTANCE VI_LAB BACKUP 100');
    const status = await lab.ctl(a, 'status');
    t.like(status!.instances[0], { name: 'VI_LAB', state: 'MASTER', vips: [] });
    // keepalived keeps taking tandem's zero-address adverts: it stays BACKUP for several intervals.
    await new Promise((r) => setTimeout(r, 3500));
    t.false(readFileSync(log('b'), 'utf8').includes('MASTER'), readFileSync(log('b'), 'utf8'));
    await lab.stopDaemon(a);
    await notified('b', 'INSTANCE VI_LAB MASTER 100');
    t.regex(readFileSync(log('a'), 'utf8'), /INSTANCE VI_LAB STOP|INSTANCE VI_LAB BACKUP/);
  } finally {
    await lab.cleanup();
  }
});
