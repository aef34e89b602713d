import test from 'ava';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { nsRun, waitFor } from '../lib/sh.js';

// keepalived's startup_script / shutdown_script and static track groups, against real
// interfaces: what the scripts see of the namespace's addresses, and an instance taken to
// FAULT by a static address's interface going down (keepalived 2.2.7 in the same place as the oracle).

const VIP = '192.0.2.100';

test.serial('startup_script runs, and is waited for, before the VIP is added; shutdown_script after it is removed; a failing startup script is logged and tandemd starts', async (t) => {
  const lab = await Lab.create('ss', ['a'], 'tI');
  try {
    const up = join(lab.dir, 'up.sh');
    const down = join(lab.dir, 'down.sh');
    writeFileSync(up, `#!/bin/sh\nip -4 addr show dev eth0 > ${lab.dir}/up.addrs\nsleep 1\ndate +%s%3N > ${lab.dir}/up.end\nexit 3\n`);
    writeFileSync(down, `#!/bin/sh\nip -4 addr show dev eth0 > ${lab.dir}/down.addrs\n`);
    for (const f of [up, down]) chmodSync(f, 0o755);
    const conf = vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`], globalLines: ['script_user root', `startup_script "/bin/sh ${up}"`, 'startup_script_timeout 5', `shutdown_script "/bin/sh ${down}"`] });
    const a = await lab.startTandem('a', conf);
    await lab.waitHolder(VIP, 'a', 8000);
    const heldAt = Date.now();
    t.notRegex(readFileSync(join(lab.dir, 'up.addrs'), 'utf8'), /192\.0\.2\.100/, 'the startup script ran before the VIP was added');
    t.true(Number(readFileSync(join(lab.dir, 'up.end'), 'utf8')) <= heldAt, 'and was waited for');
    t.regex(a.child.output(), /startup script failed, status 3/);
    t.is(await lab.stopDaemon(a), 0);
    const seen = readFileSync(join(lab.dir, 'down.addrs'), 'utf8');
    t.regex(seen, /192\.0\.2\.11\//);
    t.notRegex(seen, /192\.0\.2\.100/, 'the shutdown script ran after the VIP was removed, before tandemd exited');
  } finally {
    await lab.cleanup();
  }
});

const trackGroupConf = (): string =>
  vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`] }).replace(
    'vrrp_instance',
    'track_group TG {\n    group {\n        VI_LAB\n    }\n}\nstatic_ipaddress {\n    198.51.100.1/24 dev eth1 track_group TG\n}\n\nvrrp_instance',
  );

for (const who of ['tandem', 'keepalived'] as const) {
  test.serial(`track_group (${who} on a): a's instance is in FAULT while the static address's interface is down, and b holds the VIP; back when it is up`, async (t) => {
    const lab = await Lab.create(`tg${who[0]}`, ['a', 'b'], 'tI');
    try {
      const ns = lab.ns('a');
      await nsRun(ns, 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
      await nsRun(ns, 'ip', ['link', 'set', 'eth1p', 'up']);
      await nsRun(ns, 'ip', ['link', 'set', 'eth1', 'up']);
      await lab.startTandem('b', vrrpConf({ advertInt: 1, priority: 100, vips: [`${VIP}/24`] }));
      const conf = trackGroupConf();
      const a = who === 'tandem' ? await lab.startTandem('a', conf) : await lab.startKeepalived('a', conf);
      await lab.waitHolder(VIP, 'a', 10_000);
      t.regex(await nsRun(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'eth1']), /198\.51\.100\.1\/24/);
      await nsRun(ns, 'ip', ['link', 'set', 'eth1', 'down']);
      const downAt = Date.now();
      await lab.waitHolder(VIP, 'b', 10_000);
      t.log(`${who}: b holds the VIP ${Date.now() - downAt} ms after a's eth1 went down (timings under shared load)`);
      if (who === 'tandem') {
        const s = await lab.ctl(a, 'status');
        t.is(s?.instances[0]?.state, 'FAULT');
      }
      await nsRun(ns, 'ip', ['link', 'set', 'eth1', 'up']);
      await lab.waitHolder(VIP, 'a', 10_000);
      t.pass();
    } finally {
      await lab.cleanup();
    }
  });
}

test.serial('the scripts are not waited for forever: SIGTERM at startup_script_timeout', async (t) => {
  const lab = await Lab.create('st', ['a'], 'tI');
  try {
    const up = join(lab.dir, 'slow.sh');
    writeFileSync(up, '#!/bin/sh\nsleep 60\n');
    chmodSync(up, 0o755);
    const started = Date.now();
    const a = await lab.startTandem('a', vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`], globalLines: ['script_user root', `startup_script "/bin/sh ${up}"`, 'startup_script_timeout 1'] }));
    await lab.waitHolder(VIP, 'a', 20_000);
    // Well before the script's 60 s: tandemd started once the script was killed.
    t.true(Date.now() - started < 30_000, `${Date.now() - started} ms`);
    await waitFor('the timeout logged', 2000, async () => (/startup script timed out after 1 s: sending its process group SIGTERM/.test(a.child.output()) ? true : undefined));
  } finally {
    await lab.cleanup();
  }
});
