import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { waitFor } from '../lib/sh.js';

// interface_up_down_delays against a real carrier: the director's cable pulled (its bridge
// port down) for less than the down delay changes nothing; pulled for longer, the instance
// goes to FAULT once the delay has passed, and back only after the up delay.

const VIP = '192.0.2.100';

test.serial('interface_up_down_delays { eth0 1.5 0.5 }: a 0.6 s carrier loss changes nothing; a longer one is FAULT after 1.5 s, and over 0.5 s after the carrier is back', async (t) => {
  const lab = await Lab.create('tFdeb', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', `interface_up_down_delays {\n    eth0 1.5 0.5\n}\n${vrrpConf({ ...common, priority: 150 })}`);
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    const state = async (): Promise<string | undefined> => (await lab.ctl(a, 'status', true))?.instances[0]?.state;

    await lab.cut('a');
    await new Promise((r) => setTimeout(r, 600));
    await lab.restore('a');
    await new Promise((r) => setTimeout(r, 2500));
    t.is(await state(), 'MASTER');
    t.notRegex(a.child.output(), /-> FAULT/);
    t.regex(a.child.output(), /eth0 is up again within its interface_up_down_delays: no change/);

    await lab.cut('a');
    const cutAt = Date.now();
    await waitFor('a FAULT', 5000, async () => ((await state()) === 'FAULT' ? true : undefined), 25);
    const faultAfter = (Date.now() - cutAt) / 1000;
    await lab.restore('a');
    const upAt = Date.now();
    await waitFor('a out of FAULT', 5000, async () => ((await state()) !== 'FAULT' ? true : undefined), 25);
    const backAfter = (Date.now() - upAt) / 1000;
    t.log(`FAULT ${faultAfter.toFixed(3)} s after the cut, out of it ${backAfter.toFixed(3)} s after the carrier came back`);
    t.true(faultAfter >= 1.5 && faultAfter < 2.5, String(faultAfter));
    t.true(backAfter >= 0.5 && backAfter < 1.5, String(backAfter));
    await lab.waitHolder(VIP, 'a', 8000);
  } finally {
    await lab.cleanup();
  }
});
