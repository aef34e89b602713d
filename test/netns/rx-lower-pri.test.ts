import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { waitFor } from '../lib/sh.js';

// notify_master_rx_lower_pri: a master that hears a master of lower priority (a split that
// heals) runs the script and writes MASTER_RX_LOWER_PRI to its notify FIFO. keepalived 2.2.7
// and tandemd each play the higher-priority director against a tandemd at 100.

const VIP = '192.0.2.100';

async function healedSplit(who: 'keepalived' | 'tandem'): Promise<{ runs: number; fifo: string[] }> {
  const lab = await Lab.create(who === 'tandem' ? 'rxlT' : 'rxlK', ['a', 'b']);
  try {
    const ran = join(lab.dir, 'ran.log');
    const fifo = join(lab.dir, 'a.fifo');
    const fifoLog = join(lab.dir, 'fifo.log');
    const reader = lab.writeConfig('a', `while read -r line; do echo "$line" >> ${fifoLog}; done < "$1"\n`, 'sh');
    const a = vrrpConf({
      priority: 150,
      advertInt: 1,
      vips: [`${VIP}/24`],
      globalLines: ['script_user root', `notify_fifo ${fifo}`, `notify_fifo_script "/bin/sh ${reader}"`],
      instanceLines: [`notify_master_rx_lower_pri "/bin/sh -c 'echo ran >> ${ran}'"`],
    });
    await (who === 'tandem' ? lab.startTandem('a', a) : lab.startKeepalived('a', a));
    await lab.startTandem('b', vrrpConf({ priority: 100, advertInt: 1, vips: [`${VIP}/24`] }));
    await lab.waitHolder(VIP, 'a', 10_000);
    await lab.blockVrrp();
    await waitFor('both directors MASTER', 10_000, async () => ((await lab.holders(VIP)).length === 2 ? true : undefined));
    await lab.unblockVrrp();
    await lab.waitHolder(VIP, 'a', 10_000);
    await waitFor(`${who} to run notify_master_rx_lower_pri`, 5000, () => (existsSync(ran) ? true : undefined));
    await waitFor(`${who}'s FIFO line`, 5000, () => (existsSync(fifoLog) && readFileSync(fifoLog, 'utf8').includes('RX_LOWER') ? true : undefined));
    return {
      runs: readFileSync(ran, 'utf8').trim().split('\n').length,
      fifo: [...new Set(readFileSync(fifoLog, 'utf8').split('\n').filter((l) => l.includes('RX_LOWER')))],
    };
  } finally {
    await lab.cleanup();
  }
}

test.serial('notify_master_rx_lower_pri and MASTER_RX_LOWER_PRI when a split heals, as keepalived 2.2.7', async (t) => {
  const k = await healedSplit('keepalived');
  const m = await healedSplit('tandem');
  t.log(`keepalived: ${JSON.stringify(k)}; tandem: ${JSON.stringify(m)}`);
  t.deepEqual(k.fifo, ['INSTANCE "VI_LAB" MASTER_RX_LOWER_PRI 150']);
  t.deepEqual(m.fifo, k.fifo);
  t.true(k.runs >= 1 && m.runs >= 1);
});
