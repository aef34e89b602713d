import test from 'ava';
import { copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { vrrpConf } from '../lib/configs.js';
import { Lab, type Daemon } from '../lib/lab.js';
import { exited, hostSpawn, waitFor } from '../lib/sh.js';

// track_process against real processes: tandemd follows them through the kernel's process
// connector, which exists only in the initial network namespace, so it starts there (the
// test's) and moves into the director's namespace with net_namespace, as keepalived
// opens its process socket before entering its namespace.

const VIP = '192.0.2.100';

async function stateOf(lab: Lab, d: Daemon): Promise<string | undefined> {
  return (await lab.ctl(d, 'status', true))?.instances[0]?.state;
}

test.serial('track_process: the exit of a counted process faults the instance within milliseconds (no polling), quorum and param_match as keepalived', async (t) => {
  const lab = await Lab.create('tFproc', ['a', 'b']);
  const apps: ChildProcess[] = [];
  try {
    // A program whose name (comm) is its file name: tFproc-app, 10 characters.
    const app = join(lab.dir, 'tFproc-app');
    copyFileSync('/bin/sleep', app);
    chmodSync(app, 0o755);
    const startApp = (...args: string[]): ChildProcess => {
      const c = hostSpawn(app, args.length > 0 ? args : ['3600']);
      apps.push(c);
      return c;
    };
    const tracks = [
      'vrrp_track_process byname {',
      '    process tFproc-app',
      '    quorum 2',
      '}',
      'vrrp_track_process bycmd {',
      `    process ${app} 36`,
      '    param_match initial',
      '}',
    ].join('\n');
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const conf = `net_namespace ${lab.ns('a')}\n${tracks}\n${vrrpConf({ ...common, priority: 150, instanceLines: ['track_process {', '    byname', '    bycmd weight -10', '}'] })}`;
    const first = startApp();
    startApp('3600');
    await new Promise((r) => setTimeout(r, 100));
    const a = await lab.startTandem('a', conf, [], null);
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    t.is((await lab.ctl(a, 'status'))!.instances[0]!.effectivePriority, 150, 'both tracks up: no weight applied');

    // One of the two exits: quorum 2 is lost, the instance goes to FAULT at once.
    const killedAt = Date.now();
    first.kill('SIGKILL');
    // FAULT removes the address: watched with ip (a few ms a look), not tandemctl (a node start each).
    await waitFor('the address gone after the exit', 2000, async () => ((await lab.holds('a', VIP)) ? undefined : true), 1);
    const took = Date.now() - killedAt;
    t.log(`address removed ${took} ms after SIGKILL (ip addr polled back to back; shared machine)`);
    t.true(took < 300, `took ${took} ms`);
    t.is(await stateOf(lab, a), 'FAULT');
    await lab.waitHolder(VIP, 'b', 5000);

    // A new one brings the quorum back; the command-line track still matches the other's "3600".
    startApp('3600');
    await waitFor('a back', 8000, async () => ((await stateOf(lab, a)) === 'MASTER' ? true : undefined), 20);
    t.is((await lab.ctl(a, 'status'))!.instances[0]!.effectivePriority, 150);

    // Ending both "3600" ones takes bycmd down too: its weight counts against the priority.
    for (const c of apps) c.kill('SIGKILL');
    startApp('10');
    startApp('10');
    await waitFor('byname back with bycmd down', 5000, async () => {
      const i = (await lab.ctl(a, 'status', true))?.instances[0];
      return i?.state !== 'FAULT' && i?.effectivePriority === 140 ? true : undefined;
    }, 20);
    t.pass();
  } finally {
    for (const c of apps) c.kill('SIGKILL');
    await Promise.all(apps.map((c) => exited(c, 2000)));
    await lab.cleanup();
  }
});

test.serial('track_process in a tandemd started inside a network namespace (no process events there): it starts, says so, and follows the process by counting every second', async (t) => {
  const lab = await Lab.create('tFprn', ['a']);
  let app: ChildProcess | undefined;
  try {
    const path = join(lab.dir, 'tFprn-app');
    copyFileSync('/bin/sleep', path);
    chmodSync(path, 0o755);
    app = hostSpawn(path, ['3600']);
    await new Promise((r) => setTimeout(r, 100));
    const tracks = 'vrrp_track_process app {\n    process tFprn-app\n}\n';
    const a = await lab.startTandem('a', tracks + vrrpConf({ advertInt: 1, priority: 150, vips: [`${VIP}/24`], instanceLines: ['track_process {', '    app', '}'] }));
    await lab.waitHolder(VIP, 'a', 8000);
    t.regex(a.child.output(), /no process events from the kernel here .*counted every 1 s instead/);
    app.kill('SIGKILL');
    await waitFor('FAULT at the next count', 4000, async () => ((await stateOf(lab, a)) === 'FAULT' ? true : undefined), 50);
    t.false(await lab.holds('a', VIP));
  } finally {
    app?.kill('SIGKILL');
    if (app !== undefined) await exited(app, 2000);
    await lab.cleanup();
  }
});
