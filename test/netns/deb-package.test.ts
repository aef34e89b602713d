// The Debian package: `npm run package` builds it, dpkg installs it, the installed tandemd checks a
// sample file with the Node runtime the package carries, and removing it leaves nothing behind.
// Root only (it installs into /usr); it touches no file another package owns.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../lib/lab.js';
import { run, sleep } from '../lib/sh.js';

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

test.serial('npm run package builds a .deb; dpkg installs it; the installed tandemd -t checks a sample; dpkg --purge leaves nothing', async (t) => {
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
