import test from 'ava';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, TANDEMD } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun, run, sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';

/** The lab's instance config with a vrrp_script block and extra instance lines. */
function withTracking(base: string, scriptBlock: string, instanceLines: string): string {
  return base.replace('global_defs {', 'global_defs {\n    script_user root').replace('vrrp_instance', `${scriptBlock}\nvrrp_instance`).replace(/\n\}\n$/, `\n${instanceLines}}\n`);
}

test.serial('track_script: a failing check lowers the priority and moves the VIP; recovery moves it back; notify scripts run with keepalived\'s arguments', async (t) => {
  const lab = await Lab.create('trk', ['a', 'b']);
  try {
    const ok = join(lab.dir, 'a.ok');
    const notified = join(lab.dir, 'notify.log');
    const notifier = join(lab.dir, 'notify.sh');
    writeFileSync(notifier, `echo "$*" >> ${notified}\n`);
    writeFileSync(ok, '');
    const script = `vrrp_script chk_app {\n    script "/usr/bin/test -e ${ok}"\n    interval 0.2\n    fall 2\n    rise 2\n    weight -60\n}\n`;
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const a = await lab.startTandem(
      'a',
      withTracking(vrrpConf({ ...common, priority: 150 }), script, `    track_script {\n        chk_app\n    }\n    notify "/bin/sh ${notifier}"\n`),
    );
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 5000);
    await waitFor('notify of MASTER', 3000, () => (existsSync(notified) && readFileSync(notified, 'utf8').includes('INSTANCE VI_LAB MASTER 150') ? true : undefined));

    rmSync(ok);
    await lab.waitHolder(VIP, 'b', 5000);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'BACKUP', priority: 150, effectivePriority: 90 });
    t.regex(a.child.output(), /vrrp_script chk_app is now down/);

    writeFileSync(ok, '');
    await lab.waitHolder(VIP, 'a', 5000);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER', effectivePriority: 150 });
    await sleep(300);
    const lines = readFileSync(notified, 'utf8').trim().split('\n');
    t.deepEqual(lines.filter((l) => l.startsWith('INSTANCE')), ['INSTANCE VI_LAB BACKUP 150', 'INSTANCE VI_LAB MASTER 150', 'INSTANCE VI_LAB BACKUP 90', 'INSTANCE VI_LAB MASTER 150']);
  } finally {
    await lab.cleanup();
  }
});

test.serial('an unweighted failing script puts the instance in FAULT; track_interface with a weight lowers the priority', async (t) => {
  const lab = await Lab.create('trk2', ['a', 'b']);
  try {
    await run('ip', ['-n', lab.ns('a'), 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1']);
    await run('ip', ['-n', lab.ns('a'), 'link', 'set', 'up0', 'up']);
    await run('ip', ['-n', lab.ns('a'), 'link', 'set', 'up1', 'up']);
    const ok = join(lab.dir, 'a.ok');
    writeFileSync(ok, '');
    const script = `vrrp_script chk_zero {\n    script "/usr/bin/test -e ${ok}"\n    interval 0.2\n}\n`;
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', withTracking(vrrpConf({ ...common, priority: 150 }), script, '    track_script {\n        chk_zero\n    }\n    track_interface {\n        up0 weight -70\n    }\n'));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 5000);
    await run('ip', ['-n', lab.ns('a'), 'link', 'set', 'up1', 'down']);
    await lab.waitHolder(VIP, 'b', 5000);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'BACKUP', effectivePriority: 80 });
    await run('ip', ['-n', lab.ns('a'), 'link', 'set', 'up1', 'up']);
    await lab.waitHolder(VIP, 'a', 5000);
    rmSync(ok);
    await waitFor('FAULT', 3000, async () => ((await lab.ctl(a, 'status'))!.instances[0]!.state === 'FAULT' ? true : undefined));
    await lab.waitHolder(VIP, 'b', 3000);
    t.regex(a.child.output(), /MASTER -> FAULT: script chk_zero is down/);
  } finally {
    await lab.cleanup();
  }
});

test.serial('track_file: the value times the weight changes the priority at once when the file changes', async (t) => {
  const lab = await Lab.create('trk4', ['a', 'b']);
  try {
    const file = join(lab.dir, 'prio');
    const block = `track_file maint {\n    file "${file}"\n    weight 30\n    init_file 0 overwrite\n}\n`;
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', withTracking(vrrpConf({ ...common, priority: 150 }), block, '    track_file {\n        maint\n    }\n'));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 5000);
    t.is(readFileSync(file, 'utf8').trim(), '0', 'init_file wrote the file');
    writeFileSync(join(lab.dir, 'prio.tmp'), '-3\n');
    // Replaced by rename, as a deployment script would.
    await run('mv', [join(lab.dir, 'prio.tmp'), file]);
    await lab.waitHolder(VIP, 'b', 5000);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'BACKUP', effectivePriority: 60 });
    writeFileSync(file, '0\n');
    await lab.waitHolder(VIP, 'a', 5000);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a root script that others can modify is refused at start with its position', async (t) => {
  const lab = await Lab.create('trk3', ['a']);
  try {
    const unsafe = join(lab.dir, 'unsafe.sh');
    writeFileSync(unsafe, '#!/bin/sh\nexit 0\n', { mode: 0o777 });
    const conf = lab.writeConfig('a', withTracking(vrrpConf({ priority: 100, advertInt: 1, vips: [`${VIP}/24`] }), `vrrp_script chk {\n    script "${unsafe}"\n}\n`, '    track_script {\n        chk\n    }\n'));
    const out = await nsRun(lab.ns('a'), 'node', [TANDEMD, '-n', '-l', '-f', conf, '--control-socket', join(lab.dir, 'x.sock')], { allowFail: true, withStderr: true });
    t.regex(out, new RegExp(`a\\.conf:\\d+:\\d+: refusing to run ${unsafe.replace(/[.]/g, '\\.')} as root: .* is writable by everyone \\(enable_script_security\\)`));
    t.regex(out, /not starting, 1 error/);
    // tandemd -t gives the same verdict as the start: it must not call such a file valid.
    const check = await nsRun(lab.ns('a'), 'node', [TANDEMD, '-t', '-f', conf], { allowFail: true, withStderr: true });
    t.regex(check, new RegExp(`a\\.conf:\\d+:\\d+: refusing to run ${unsafe.replace(/[.]/g, '\\.')} as root`));
    t.notRegex(check, /configuration is valid/);
    t.deepEqual(await lab.holders(VIP), []);
  } finally {
    await lab.cleanup();
  }
});
