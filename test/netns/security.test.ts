// tandemd as root on a host other users share, and after an operator's or a crash's mistake:
// planted links and files, a second daemon, a socket in someone else's directory, a kill -9,
// spoofed adverts, a storm of SIGHUPs. Each test uses a real unprivileged account it creates.
import test from 'ava';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, REPO, TANDEMCTL, TANDEMD } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { exited, nsRun, run, sleep, waitFor } from '../lib/sh.js';
import { spawn } from 'node:child_process';
import { createTestUser, type TestUser } from '../lib/users.js';

const VIP = '192.0.2.100';
const SPOOFER = join(REPO, 'test', 'dist', 'lib', 'spoofer.js');

async function withUser<T>(body: (user: TestUser) => Promise<T>): Promise<T> {
  const user = await createTestUser();
  try {
    return await body(user);
  } finally {
    await user.remove();
  }
}

test.serial('SIGUSR1 and SIGUSR2 never write through a link or into a file another user planted in /tmp', async (t) => {
  const lab = await Lab.create('sec1', ['a']);
  // keepalived's own names, which its users' scripts read.
  const data = '/tmp/keepalived.data';
  const stats = '/tmp/keepalived.stats';
  const kept = `/tmp/tdsec-kept-${process.pid}`;
  try {
    await withUser(async (user) => {
      rmSync(data, { force: true });
      rmSync(stats, { force: true });
      const victim = join(lab.dir, 'root-only');
      writeFileSync(victim, 'root only\n', { mode: 0o600 });
      chmodSync(lab.dir, 0o755);
      await user.run('ln', ['-s', victim, data]);
      await user.run('touch', [stats]);
      await user.run('chmod', ['666', stats]);
      // The planter keeps another name for the file it planted, to read whatever root writes into it.
      await user.run('ln', [stats, kept]);
      const d = await lab.startTandem('a', vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] }));
      d.child.kill('SIGUSR1');
      d.child.kill('SIGUSR2');
      await waitFor('both dumps', 5000, () => (d.child.output().includes(`wrote ${data}`) && d.child.output().includes(`wrote ${stats}`) ? true : undefined));
      t.is(readFileSync(victim, 'utf8'), 'root only\n', 'the link target is untouched');
      t.is(readFileSync(kept, 'utf8'), '', 'the planted file received nothing');
      for (const path of [data, stats]) {
        const st = lstatSync(path);
        t.true(st.isFile(), `${path} is a plain file`);
        t.is(st.uid, 0, `${path} belongs to root`);
        t.is(st.mode & 0o777, 0o600, `${path} is 0600`);
      }
      t.regex(await user.run('cat', [stats], true), /Permission denied/, 'the other user cannot read the stats');
      t.regex(readFileSync(data, 'utf8'), /VRRP Instance = VI_LAB/);
    });
  } finally {
    for (const p of [data, stats, kept]) rmSync(p, { force: true });
    await lab.cleanup();
  }
});

test.serial('a pidfile path where another user planted a link: the link target is untouched and the pidfile is tandemd\'s own', async (t) => {
  const lab = await Lab.create('sec2', ['a']);
  const dir = `/tmp/tdsec-pid-${process.pid}`;
  try {
    await withUser(async (user) => {
      mkdirSync(dir, { mode: 0o1777 });
      chmodSync(dir, 0o1777);
      const victim = join(lab.dir, 'root-only');
      writeFileSync(victim, 'root only\n', { mode: 0o600 });
      chmodSync(lab.dir, 0o755);
      const pidfile = join(dir, 'tandemd.pid');
      await user.run('ln', ['-s', victim, pidfile]);
      const d = await lab.startTandem('a', vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] }), ['-p', pidfile]);
      t.is(readFileSync(victim, 'utf8'), 'root only\n');
      t.false(lstatSync(pidfile).isSymbolicLink());
      t.is(lstatSync(pidfile).uid, 0);
      t.is(readFileSync(pidfile, 'utf8').trim(), String(d.child.pid));
      await lab.stopDaemon(d);
      t.false(existsSync(pidfile), 'removed at a clean stop');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});

test.serial('a second tandemd on the same control socket or pidfile exits non-zero, saying so, and touches nothing of the first', async (t) => {
  const lab = await Lab.create('sec3', ['a']);
  try {
    const conf = vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] });
    const first = await lab.startTandem('a', conf);
    await lab.waitHolder(VIP, 'a', 8000);
    const path = lab.writeConfig('a', conf, 'second.conf');
    const pidfile = join(lab.dir, 'a.pid');
    const sameSocket = await nsRun(lab.ns('a'), TANDEMD, ['-n', '-l', '-f', path, '--control-socket', first.socket], { allowFail: true, withStderr: true });
    t.regex(sameSocket, new RegExp(`another tandemd \\(pid ${first.child.pid}\\) already runs with the control socket lock .*; not starting`));
    const samePid = await nsRun(lab.ns('a'), TANDEMD, ['-n', '-l', '-f', path, '-p', pidfile, '--control-socket', join(lab.dir, 'other.sock')], { allowFail: true, withStderr: true });
    t.regex(samePid, new RegExp(`another tandemd \\(pid ${first.child.pid}\\) already runs with the pidfile ${pidfile.replace(/[.]/g, '\\.')}; not starting`));
    const exit = await run('bash', ['-c', `ip netns exec ${lab.ns('a')} ${TANDEMD} -n -l -f ${path} --control-socket ${first.socket} >/dev/null 2>&1; echo $?`]);
    t.is(exit.trim(), '1');
    // The first one is untouched: still reachable, still MASTER, still holding the VIP, its pidfile intact.
    const status = await lab.ctl(first, 'status');
    t.is(status?.instances[0]?.state, 'MASTER');
    t.deepEqual(await lab.holders(VIP), ['a']);
    t.is(readFileSync(pidfile, 'utf8').trim(), String(first.child.pid));
    t.is(first.child.exitCode, null);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a control socket in a directory another user owns: tandemd refuses to start there, tandemctl refuses to believe it', async (t) => {
  const lab = await Lab.create('sec4', ['a']);
  const dir = `/tmp/tdsec-sock-${process.pid}`;
  try {
    await withUser(async (user) => {
      mkdirSync(dir, { mode: 0o755 });
      chownSync(dir, user.uid, user.gid);
      const socket = join(dir, 'tandem.sock');
      const path = lab.writeConfig('a', vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] }));
      const out = await nsRun(lab.ns('a'), TANDEMD, ['-n', '-l', '-f', path, '--control-socket', socket], { allowFail: true, withStderr: true });
      t.regex(out, new RegExp(`control socket: refusing to use ${dir}: ${dir} is owned by uid ${user.uid}`));
      t.deepEqual(await lab.holders(VIP), [], 'nothing started');
      // The other user serves forged status at that socket; root's tandemctl must not print it.
      const forged = JSON.stringify({ ok: true, data: { instances: [{ name: 'VI_1', state: 'MASTER', priority: 255, effectivePriority: 255, vips: ['6.6.6.6'], interface: 'eth0', vrid: 1 }] } });
      const server = spawn(process.execPath, ['-e', `require('net').createServer((c) => c.end(${JSON.stringify(`${forged}\n`)})).listen(${JSON.stringify(socket)})`], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
      try {
        await waitFor('the forged server', 5000, () => (existsSync(socket) ? true : undefined));
        const ctl = await run('node', [TANDEMCTL, '--socket', socket, 'status'], { allowFail: true, withStderr: true });
        t.regex(ctl, new RegExp(`refusing to trust ${socket.replace(/[.]/g, '\\.')}: ${dir} is owned by uid ${user.uid}`));
        t.notRegex(ctl, /6\.6\.6\.6/);
      } finally {
        server.kill('SIGKILL');
        await exited(server, 3000);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});

test.serial('a master killed with -9 and restarted into BACKUP removes the VIP it left behind (no duplicate VIP)', async (t) => {
  const lab = await Lab.create('sec5', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    await lab.crash(a);
    // b takes over; a's interface still carries the VIP: both answer ARP for it.
    await waitFor('b to take over', 12_000, async () => ((await lab.holds('b', VIP)) ? true : undefined));
    t.deepEqual(await lab.holders(VIP), ['a', 'b'], 'the crash left the VIP on a');
    // a comes back lower than b, so it enters BACKUP and stays there.
    await lab.startTandem('a', vrrpConf({ ...common, priority: 50 }));
    await lab.waitHolder(VIP, 'b', 5000);
    t.deepEqual(await lab.holders(VIP), ['b']);
  } finally {
    await lab.cleanup();
  }
});

test.serial('after a kill -9, the next start with a changed file removes the addresses and routes the old file had; a clean stop leaves nothing', async (t) => {
  const lab = await Lab.create('sec6', ['a']);
  try {
    const old = vrrpConf({ priority: 255, advertInt: 1, vips: ['192.0.2.150/24'] }) + 'static_ipaddress {\n    192.0.2.151/24 dev eth0\n}\nstatic_routes {\n    198.51.100.0/24 via 192.0.2.1 dev eth0\n}\n';
    const a = await lab.startTandem('a', old);
    await lab.waitHolder('192.0.2.150', 'a', 5000);
    t.true(await lab.holds('a', '192.0.2.151'));
    t.regex(await nsRun(lab.ns('a'), 'ip', ['route', 'show', '198.51.100.0/24']), /via 192\.0\.2\.1/);
    await lab.crash(a);
    // The supervisor's ledger holds the static network, the VRRP side's its VIP.
    const ledger = (file: string): { addresses: Array<{ address: string }>; routes: unknown[] } => JSON.parse(readFileSync(join(lab.dir, file), 'utf8')) as { addresses: Array<{ address: string }>; routes: unknown[] };
    t.deepEqual(ledger('a.state').addresses.map((x) => x.address), ['192.0.2.151']);
    t.is(ledger('a.state').routes.length, 1);
    t.deepEqual(ledger('a.vrrp.state').addresses.map((x) => x.address), ['192.0.2.150']);
    t.is(lstatSync(join(lab.dir, 'a.state')).mode & 0o777, 0o600);
    t.is(lstatSync(join(lab.dir, 'a.vrrp.state')).mode & 0o777, 0o600);
    // The new file has another VIP and no static entries.
    const next = await lab.startTandem('a', vrrpConf({ priority: 255, advertInt: 1, vips: ['192.0.2.160/24'] }));
    await lab.waitHolder('192.0.2.160', 'a', 5000);
    t.false(await lab.holds('a', '192.0.2.150'), 'the old VIP is gone');
    t.false(await lab.holds('a', '192.0.2.151'), 'the old static address is gone');
    t.is((await nsRun(lab.ns('a'), 'ip', ['route', 'show', '198.51.100.0/24'])).trim(), '', 'the old static route is gone');
    t.regex(next.child.output(), /removed address 192\.0\.2\.150\/24, left by an earlier run and no longer configured/);
    await lab.stopDaemon(next);
    t.false(await lab.holds('a', '192.0.2.160'));
    for (const file of ['a.state', 'a.vrrp.state']) {
      t.deepEqual(ledger(file).addresses, [], `${file}: no address left`);
      t.deepEqual(ledger(file).routes, [], `${file}: no route left`);
    }
  } finally {
    await lab.cleanup();
  }
});

test.serial('spoofed lower-priority adverts: the master answers at most once per advert interval, not once per advert', async (t) => {
  const lab = await Lab.create('sec7', ['a']);
  try {
    const a = await lab.startTandem('a', vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`], garpMasterDelay: 0 }));
    await lab.waitHolder(VIP, 'a', 8000);
    await sleep(1500);
    const dump = await lab.capture('client', [`(vrrp and src ${lab.address('a')}) or (arp and ether src ${await lab.mac('a')})`]);
    const sent = Number((await nsRun(lab.client, 'node', [SPOOFER, lab.address('client'), '2000', '2000', '50', '51', VIP])).trim());
    await sleep(300);
    dump.kill('SIGTERM');
    await exited(dump, 3000);
    const lines = dump.output().split('\n');
    const adverts = lines.filter((l) => l.includes('VRRP')).length;
    const garps = lines.filter((l) => /ARP, (Request|Reply)/.test(l)).length;
    t.log(`${sent} spoofed adverts over 2 s: master sent ${adverts} adverts and ${garps} ARPs`);
    t.is(sent, 2000);
    // 2.3 s of capture at advert_int 1: 3 regular adverts, and at most 3 answers with their 5-GARP bursts.
    t.true(adverts <= 6, `${adverts} adverts`);
    t.true(garps <= 15, `${garps} gratuitous ARPs`);
    const stats = (await lab.ctl(a, 'stats')) as unknown as { instances: Record<string, { answersLimited: number }> };
    t.true(stats.instances.VI_LAB!.answersLimited >= 1990, `answersLimited ${stats.instances.VI_LAB!.answersLimited}`);
    t.deepEqual(await lab.holders(VIP), ['a']);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a storm of SIGHUPs costs a few reloads, not one per signal', async (t) => {
  const lab = await Lab.create('sec8', ['a']);
  const stopWriter = { done: false };
  try {
    // 1,000 virtual servers in an included file that keeps changing (a config push in progress):
    // every reload reads it anew, so reloads take a while and the signals arrive during them.
    const services = (weight: number): string =>
      Array.from({ length: 1000 }, (_, i) => `virtual_server 198.51.${100 + Math.floor(i / 250)}.${i % 250} 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 203.0.113.1 80 {\n        weight ${weight}\n    }\n}\n`).join('');
    const included = join(lab.dir, 'services.conf');
    writeFileSync(included, services(1));
    const a = await lab.startTandem('a', `${vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] })}include ${included}\n`);
    await lab.waitHolder(VIP, 'a', 8000);
    const versions = [services(2), services(3)];
    const writer = (async () => {
      for (let i = 0; !stopWriter.done; i++) {
        writeFileSync(`${included}.new`, versions[i % 2]!);
        renameSync(`${included}.new`, included);
        await sleep(10);
      }
    })();
    // One signal a millisecond: each is delivered on its own (the kernel merges only one already pending).
    for (let i = 0; i < 200; i++) {
      process.kill(a.child.pid!, 'SIGHUP');
      await sleep(1);
    }
    stopWriter.done = true;
    await writer;
    await waitFor('the reloads to settle', 20_000, async () => {
      const s = (await lab.ctl(a, 'stats')) as unknown as { daemon: { reloads: { applied: number; coalesced: number } } };
      const r1 = s.daemon.reloads;
      await sleep(500);
      const s2 = (await lab.ctl(a, 'stats')) as unknown as { daemon: { reloads: { applied: number; coalesced: number } } };
      return s2.daemon.reloads.applied === r1.applied ? true : undefined;
    });
    const stats = (await lab.ctl(a, 'stats')) as unknown as { daemon: { reloads: { applied: number; refused: number; coalesced: number } } };
    const r = stats.daemon.reloads;
    t.log(JSON.stringify(r));
    t.is(r.refused, 0, 'every file read was whole (written by rename)');
    const arrived = r.applied + r.coalesced;
    t.true(arrived >= 50, `${arrived} of 200 signals arrived`);
    t.true(r.applied <= arrived / 3, `${r.applied} reloads for ${arrived} signals`);
    t.deepEqual(await lab.holders(VIP), ['a']);
  } finally {
    stopWriter.done = true;
    await lab.cleanup();
  }
});

test.serial('a reload that adds a tracked script runs it; one that adds an unsafe script is refused with its position and the running file stays', async (t) => {
  const lab = await Lab.create('sec9', ['a']);
  // Script security is always on: a root script must live where no one else can write (not /tmp).
  const scripts = mkdtempSync('/run/tdsec-');
  try {
    const base = vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`], globalLines: ['script_user root'] });
    const a = await lab.startTandem('a', base);
    await lab.waitHolder(VIP, 'a', 8000);
    const failing = join(scripts, 'fail.sh');
    writeFileSync(failing, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const tracked = (script: string): string =>
      base.replace('vrrp_instance VI_LAB {', `vrrp_script chk {\n    script "${script}"\n    interval 1\n    fall 1\n}\n\nvrrp_instance VI_LAB {\n    track_script {\n        chk\n    }`);
    lab.writeConfig('a', tracked(failing));
    a.child.kill('SIGHUP');
    // Unweighted, the failing script puts the instance in FAULT: proof that it runs.
    await waitFor('FAULT from the new script', 8000, async () => ((await lab.ctl(a, 'status'))?.instances[0]?.state === 'FAULT' ? true : undefined));
    t.deepEqual(await lab.holders(VIP), []);
    lab.writeConfig('a', base);
    a.child.kill('SIGHUP');
    await waitFor('MASTER again', 8000, async () => ((await lab.ctl(a, 'status'))?.instances[0]?.state === 'MASTER' ? true : undefined));
    const unsafe = join(scripts, 'unsafe.sh');
    writeFileSync(unsafe, '#!/bin/sh\nexit 1\n', { mode: 0o777 });
    chmodSync(unsafe, 0o777);
    // A root script anyone may rewrite must not run.
    lab.writeConfig('a', tracked(unsafe));
    a.child.kill('SIGHUP');
    await waitFor('the refusal', 5000, () => (a.child.output().includes('reload refused') ? true : undefined));
    t.regex(a.child.output(), new RegExp(`a\\.conf:\\d+:\\d+: refusing to run ${unsafe.replace(/[.]/g, '\\.')} as root`));
    await sleep(1500);
    t.is((await lab.ctl(a, 'status'))?.instances[0]?.state, 'MASTER', 'the running configuration stays');
  } finally {
    rmSync(scripts, { recursive: true, force: true });
    await lab.cleanup();
  }
});
