import test from 'ava';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lib/lab.js';
import { sleep, waitFor } from '../lib/sh.js';

// vrrp_sync_group: two instances that must live on the same director (a front VIP and the
// gateway behind it, in a real LVS-NAT pair) move together.

function conf(priority: number, okFile: string | undefined, notifier: string, fifoLines = ''): string {
  const track = okFile === undefined ? '' : '    track_script {\n        chk_vi2\n    }\n';
  const script = okFile === undefined ? '' : `vrrp_script chk_vi2 {\n    script "/usr/bin/test -e ${okFile}"\n    interval 0.2\n}\n`;
  const instance = (name: string, vrid: number, vip: string, extra: string): string =>
    `vrrp_instance ${name} {\n    interface eth0\n    virtual_router_id ${vrid}\n    priority ${priority}\n    advert_int 0.1\n    version 3\n    virtual_ipaddress {\n        ${vip}/24\n    }\n${extra}}\n`;
  return `global_defs {\n    script_user root\n${fifoLines}}\n${script}${instance('VI_1', 51, '192.0.2.100', '')}${instance('VI_2', 52, '192.0.2.101', track)}vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    notify "/bin/sh ${notifier}"\n}\n`;
}

test.serial('sync group: a fault of one member moves the whole group; a member that alone lost its master does not split the group', async (t) => {
  const lab = await Lab.create('sg', ['a', 'b']);
  try {
    const ok = join(lab.dir, 'vi2.ok');
    writeFileSync(ok, '');
    const notifier = join(lab.dir, 'notify.sh');
    const notified = join(lab.dir, 'notify-b.log');
    writeFileSync(notifier, `echo "$*" >> ${notified}\n`);
    const a = await lab.startTandem('a', conf(150, ok, join(lab.dir, 'none.sh')));
    // b also writes every event to a notify FIFO, read by a notify_fifo_script.
    const fifo = join(lab.dir, 'events.fifo');
    const fifoLog = join(lab.dir, 'fifo.log');
    const reader = join(lab.dir, 'reader.sh');
    writeFileSync(reader, `while read -r line; do echo "$line" >> ${fifoLog}; done < "$1"\n`);
    const b = await lab.startTandem('b', conf(100, undefined, notifier, `    notify_fifo ${fifo}\n    notify_fifo_script "/bin/sh ${reader}"\n`));
    await lab.waitHolder('192.0.2.100', 'a', 5000);
    await lab.waitHolder('192.0.2.101', 'a', 5000);

    // VI_2's check fails on a: VI_2 goes FAULT, and VI_1 with it; b takes both.
    rmSync(ok);
    await lab.waitHolder('192.0.2.101', 'b', 5000);
    await lab.waitHolder('192.0.2.100', 'b', 5000);
    const states = (await lab.ctl(a, 'status'))!.instances.map((i) => [i.name, i.state]);
    t.deepEqual(states, [['VI_1', 'FAULT'], ['VI_2', 'FAULT']]);
    t.regex(a.child.output(), /\(VI_1\) MASTER -> FAULT: sync group G: VI_2: /);
    await waitFor('the group notify on b', 3000, () => (existsSync(notified) && readFileSync(notified, 'utf8').includes('GROUP G MASTER') ? true : undefined));
    await waitFor('the FIFO lines on b', 3000, () => (existsSync(fifoLog) && readFileSync(fifoLog, 'utf8').includes('GROUP "G" MASTER 0') ? true : undefined));
    const lines = readFileSync(fifoLog, 'utf8').trim().split('\n');
    t.true(lines.includes('INSTANCE "VI_1" MASTER 100') && lines.includes('INSTANCE "VI_2" MASTER 100'), lines.join('\n'));
    t.true(lines.indexOf('GROUP "G" BACKUP 0') < lines.indexOf('GROUP "G" MASTER 0'));

    // Back: a preempts with both.
    writeFileSync(ok, '');
    await lab.waitHolder('192.0.2.101', 'a', 5000);
    await lab.waitHolder('192.0.2.100', 'a', 5000);

    // Only VI_2's adverts are lost: b's VI_2 wants MASTER, but VI_1 still hears a, so the
    // group stays BACKUP on b (keepalived: prefer backup, no thrashing) and nothing splits.
    await lab.blockVrid(52);
    await sleep(1500);
    t.deepEqual(await lab.holders('192.0.2.101'), ['a']);
    t.deepEqual(await lab.holders('192.0.2.100'), ['a']);
    t.deepEqual(
      (await lab.ctl(b, 'status'))!.instances.map((i) => i.state),
      ['BACKUP', 'BACKUP'],
    );
    t.regex(b.child.output(), /\(VI_2\) sync group G: waits for VI_1/);
    await lab.unblockVrid();
  } finally {
    await lab.cleanup();
  }
});
