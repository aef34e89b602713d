// The Debian package: `npm run package` builds it, dpkg installs it, the installed tandemd checks a
// sample file with the Node runtime the package carries, the installed daemon (its bundled
// programs) runs a VRRP instance in a namespace of the test's own, and removing the package
// leaves nothing behind. Root only (it installs into /usr); it touches no file another package owns.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../lib/lab.js';
import { exited, nsRun, nsSpawn, run, sleep, waitFor } from '../lib/sh.js';

/** dpkg, waiting while another dpkg or apt holds its lock (the machine is shared). */
async function dpkg(args: readonly string[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run('dpkg', args, { withStderr: true });
    } catch (err) {
      if (attempt < 60 && /lock/i.test((err as Error).message)) {
        await sleep(2000);
        continue;
      }
      throw err;
    }
  }
}

function sh(cmd: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { env: { ...process.env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: `${stdout}${stderr}` });
    });
  });
}

/** The namespace the installed daemon runs in. */
const NS = 'tD-deb';

/**
 * The installed tandemd as a director runs it: its programs from the package's bundles, the
 * native addon's raw sockets, the VRRP side. Alone on a veth of its own, its instance becomes MASTER
 * and adds the VIP; SIGTERM takes it away again.
 */
async function installedDaemonRuns(t: import('ava').ExecutionContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-deb-run-'));
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  await run('ip', ['netns', 'add', NS]);
  try {
    for (const args of [['link', 'set', 'lo', 'up'], ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'], ['link', 'set', 'd1', 'up'], ['link', 'set', 'd0', 'up'], ['addr', 'add', '10.239.0.1/24', 'dev', 'd0']]) await nsRun(NS, 'ip', args);
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'vrrp_instance VI_1 {\n    state BACKUP\n    interface d0\n    virtual_router_id 51\n    priority 100\n    advert_int 0.1\n    virtual_ipaddress {\n        10.239.0.100/24\n    }\n}\n');
    const sock = join(dir, 'control.sock');
    const daemon = nsSpawn(NS, '/usr/sbin/tandemd', ['-n', '-l', '-f', conf, '-p', join(dir, 'tandemd.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '--control-socket', sock]);
    try {
      await waitFor('the VIP on d0', 15_000, async () => ((await nsRun(NS, 'ip', ['-4', 'addr', 'show', 'd0'])).includes('10.239.0.100/24') ? true : undefined), 100);
      t.regex(await nsRun(NS, '/usr/bin/tandemctl', ['--socket', sock, 'status']), /VI_1[\s\S]*MASTER/);
    } finally {
      daemon.kill('SIGTERM');
      t.is(await exited(daemon), 0, daemon.output());
    }
    t.false((await nsRun(NS, 'ip', ['-4', 'addr', 'show', 'd0'])).includes('10.239.0.100'), 'the VIP is gone at stop');
  } finally {
    await run('ip', ['netns', 'del', NS]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

test.serial('npm run package builds a .deb; dpkg installs it; the installed tandemd -t checks a sample and runs a VRRP instance; dpkg --purge leaves nothing', async (t) => {
  if ((await sh('dpkg', ['-s', 'tandem'])).code === 0) {
    t.log('a tandem package is installed already: not touching it');
    t.pass();
    return;
  }
  const built = await run('npm', ['run', '--silent', 'package'], { withStderr: true });
  const deb = built.trim().split('\n').at(-1)!;
  t.regex(deb, /build\/deb\/tandem_\d+\.\d+\.\d+-1_\w+\.deb$/);
  try {
    await dpkg(['-i', deb]);
    const files = (await dpkg(['-L', 'tandem'])).split('\n').filter((f) => f.startsWith('/'));
    for (const f of ['/usr/sbin/tandemd', '/usr/bin/tandemctl', '/lib/systemd/system/tandemd.service', '/usr/share/man/man8/tandemd.8.gz', '/usr/share/man/man8/tandemctl.8.gz', '/usr/lib/tandem/node']) {
      t.true(files.includes(f), `the package installs ${f}`);
    }
    // On the PATH, with the package's own Node runtime.
    const which = await sh('sh', ['-c', 'command -v tandemd; command -v tandemctl']);
    t.deepEqual(which.out.trim().split('\n'), ['/usr/sbin/tandemd', '/usr/bin/tandemctl']);
    t.is((await sh('/usr/lib/tandem/node', ['--version'])).out.trim(), process.version);
    const check = await sh('tandemd', ['-t', '-f', join(REPO, 'examples', 'lab', 'director-a.conf')]);
    t.is(check.code, 0, check.out);
    t.regex(check.out, /configuration is valid/);
    const bad = await sh('tandemd', ['-t', '-f', join(REPO, 'package.json')]);
    t.is(bad.code, 5, 'an invalid file exits 5 (as keepalived -t) through the installed binary too');
    t.regex((await sh('tandemd', ['-v'])).out, /^tandemd v\d/);
    t.regex((await sh('tandemctl', ['--help'])).out, /Usage: tandemctl/);
    await installedDaemonRuns(t);
    // The man pages render.
    const man = await sh('sh', ['-c', 'zcat /usr/share/man/man8/tandemd.8.gz | groff -man -Tascii 2>&1 | col -b']);
    t.regex(man.out, /keepalived-compatible VRRP and IPVS/);
    t.regex(man.out, /-V, --dont-release-vrrp/);
    t.is((await sh('sh', ['-c', 'zcat /usr/share/man/man8/tandemd.8.gz | groff -man -Tascii -ww 2>&1 >/dev/null'])).out, '', 'groff has nothing to say about the page');
    t.regex((await sh('systemd-analyze', ['verify', '/lib/systemd/system/tandemd.service'])).out, /^(?![\s\S]*Unknown key)/, 'the unit has no unknown keys');

    await dpkg(['--purge', 'tandem']);
    t.not((await sh('dpkg', ['-s', 'tandem'])).code, 0, 'no longer installed');
    const left = files.filter((f) => existsSync(f) && !['/', '/.', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/lib', '/lib/systemd', '/lib/systemd/system', '/usr/share', '/usr/share/man', '/usr/share/man/man8', '/usr/share/doc'].includes(f));
    t.deepEqual(left, [], 'every file the package installed is gone');
    t.false(existsSync('/usr/lib/tandem'));
  } finally {
    if ((await sh('dpkg', ['-s', 'tandem'])).code === 0) await dpkg(['--purge', 'tandem']).catch(() => undefined);
  }
});
