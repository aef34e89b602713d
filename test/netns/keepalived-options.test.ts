// keepalived's command-line options that change what tandemd does, each tried on a real daemon:
// -C (no VRRP), -P (no checks), -V (addresses left at stop), -R (no respawn), -r (the VRRP
// side's pidfile, rewritten on restart), -d (the configuration dumped to the log).
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const conf = vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`] });
const lvs = (client: string): string => `virtual_server ${VIP} 80 {\n    delay_loop 5\n    lb_kind DR\n    protocol TCP\n    real_server ${client} 8080 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n`;

interface Status {
  instances: { name: string; state: string }[];
  virtualServers: { name: string }[];
}

test.serial('-C runs no VRRP, -P no checks; -d logs the configuration as keepalived dumps it', async (t) => {
  const lab = await Lab.create('tEopt1', ['a']);
  try {
    const c = await lab.startTandem('a', conf + lvs(lab.address('client')), ['-C', '-d']);
    const s = (await lab.ctl(c, 'status')) as unknown as Status;
    t.deepEqual(s.instances, [], 'no VRRP instance runs with -C');
    t.is(s.virtualServers.length, 1, 'the checks run');
    t.false(await lab.holds('a', VIP));
    t.regex(c.child.output(), /\(checks only: -C\)/);
    t.regex(c.child.output(), /------< VRRP Topology >------/);
    t.regex(c.child.output(), / VRRP Instance = VI_LAB/);
    await lab.stopDaemon(c);

    const p = await lab.startTandem('a', conf + lvs(lab.address('client')), ['-P']);
    await lab.waitHolder(VIP, 'a', 8000);
    const sp = (await lab.ctl(p, 'status')) as unknown as Status;
    t.deepEqual(sp.virtualServers, [], 'no checks with -P');
    t.is(sp.instances[0]!.state, 'MASTER');
    await lab.stopDaemon(p);
    t.false(await lab.holds('a', VIP), 'a normal stop removes the address');

    // Debian's /etc/default/keepalived DAEMON_ARGS="-D -x", with no SNMP master agent running: tandemd runs all the same.
    const dx = await lab.startTandem('a', conf, ['-D', '-x', '-A', join(lab.dir, 'no-agentx')]);
    await lab.waitHolder(VIP, 'a', 8000);
    t.is(dx.child.exitCode, null);
    await lab.stopDaemon(dx);
  } finally {
    await lab.cleanup();
  }
});

test.serial('-V leaves the address in place at stop; -R stops tandemd (exit 1) when the VRRP side dies; -r follows the side across a restart', async (t) => {
  const lab = await Lab.create('tEopt2', ['a']);
  try {
    const v = await lab.startTandem('a', conf, ['-V']);
    await lab.waitHolder(VIP, 'a', 8000);
    t.is(await lab.stopDaemon(v), 0);
    t.true(await lab.holds('a', VIP), '--dont-release-vrrp: the address stays');
    await lab.flushAddress('a', VIP);

    const sidePid = join(lab.dir, 'side.pid');
    const r = await lab.startTandem('a', conf, ['-r', sidePid]);
    await lab.waitHolder(VIP, 'a', 8000);
    const first = Number(readFileSync(sidePid, 'utf8'));
    process.kill(first, 'SIGKILL');
    const second = await waitFor('a new side pid in -r\'s file', 10_000, () => {
      const n = Number(readFileSync(sidePid, 'utf8'));
      return n !== first && n > 0 ? n : undefined;
    }, 50);
    t.not(second, first);
    await lab.stopDaemon(r);
    t.false(existsSync(sidePid), 'the pidfile is removed at stop');

    const noRespawn = await lab.startTandem('a', conf, ['-R', '-r', sidePid]);
    await lab.waitHolder(VIP, 'a', 8000);
    process.kill(Number(readFileSync(sidePid, 'utf8')), 'SIGKILL');
    const code = await new Promise<number | null>((resolve) => {
      if (noRespawn.child.exitCode !== null) resolve(noRespawn.child.exitCode);
      else noRespawn.child.once('exit', (c) => resolve(c));
    });
    t.is(code, 1);
    t.regex(noRespawn.child.output(), /VRRP side \(pid \d+\) killed by SIGKILL; stopping \(--dont-respawn\)/);
  } finally {
    await lab.cleanup();
  }
});
