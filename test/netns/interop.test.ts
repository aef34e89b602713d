import test from 'ava';
import { Lab, type Daemon } from '../lib/lab.js';
import { vrrpConf, type LabInstance } from '../lib/configs.js';
import { sleep } from '../lib/sh.js';

type Kind = 'tandem' | 'keepalived';

interface Case {
  readonly master: Kind;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly fault: 'link cut' | 'SIGTERM';
  readonly ah?: boolean;
  /** vrrp_strict on both: no authentication, Accept_Mode off, no answer to a lower priority. */
  readonly strict?: boolean;
}

const cases: Case[] = [];
for (const master of ['keepalived', 'tandem'] as const) {
  for (const version of [2, 3] as const) for (const fault of ['link cut', 'SIGTERM'] as const) cases.push({ master, version, family: 4, fault });
  cases.push({ master, version: 3, family: 6, fault: 'link cut' });
  // keepalived's VRRPv2 over IPv6 (an explicit `version 2` before IPv6 addresses, not strict).
  cases.push({ master, version: 2, family: 6, fault: 'link cut' });
  for (const fault of ['link cut', 'SIGTERM'] as const) cases.push({ master, version: 2, family: 4, fault, ah: true });
  cases.push({ master, version: 2, family: 4, fault: 'link cut', strict: true }, { master, version: 3, family: 4, fault: 'SIGTERM', strict: true });
}

const start = (lab: Lab, kind: Kind, director: string, conf: string): Promise<Daemon> =>
  kind === 'tandem' ? lab.startTandem(director, conf) : lab.startKeepalived(director, conf);

for (const c of cases) {
  const backup: Kind = c.master === 'tandem' ? 'keepalived' : 'tandem';
  test.serial(`${c.master} master + ${backup} backup, VRRPv${c.version} IPv${c.family}${c.ah === true ? ' with IPsec AH' : ''}${c.strict === true ? ' in strict mode' : ''}, ${c.fault}: the backup takes over`, async (t) => {
    const lab = await Lab.create(`io${cases.indexOf(c)}`, ['a', 'b']);
    try {
      const vip = c.family === 4 ? '192.0.2.100' : '2001:db8::100';
      // The same keepalived.conf text for both daemons; only the priority differs.
      const common: Omit<LabInstance, 'priority'> = {
        advertInt: c.version === 2 ? 1 : 0.1,
        ...(c.version === 3 || c.family === 6 ? { version: c.version } : {}),
        vips: [`${vip}/${c.family === 4 ? 24 : 64}`],
        ...(c.version === 2 && c.family === 4 && c.strict !== true ? { password: 'interop1' } : {}),
        ...(c.strict === true ? { strict: true } : {}),
        ...(c.ah === true ? { authType: 'AH' as const } : {}),
      };
      const master = await start(lab, c.master, 'a', vrrpConf({ ...common, priority: 150 }));
      await start(lab, backup, 'b', vrrpConf({ ...common, priority: 100 }));
      await lab.waitHolder(vip, 'a', 10_000);
      // Several advert intervals with both running: exactly one holder throughout.
      for (let i = 0; i < 10; i++) {
        t.deepEqual(await lab.holders(vip), ['a']);
        await sleep(c.version === 2 ? 300 : 50);
      }
      const faultAt = Date.now();
      // Signal without waiting for the exit: keepalived's parent lingers after its VRRP child is done.
      if (c.fault === 'link cut') await lab.cut('a');
      else master.child.kill('SIGTERM');
      const mdi = c.version === 2 ? 3000 + (156 * 1000) / 256 : 300 + (156 * 10) / 256;
      const bound = c.fault === 'SIGTERM' ? (c.version === 2 ? 609 : 61) + 800 : mdi + 1000;
      await lab.waitHolder(vip, 'b', bound + 2000);
      const took = Date.now() - faultAt;
      t.log(`${backup} took over ${took} ms after the ${c.fault} (bound ${Math.round(bound)} ms)`);
      t.true(took <= bound, `took ${took} ms`);
    } finally {
      await lab.cleanup();
    }
  });
}
