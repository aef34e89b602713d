// `npm run package`: a Debian package of tandem, built from this checkout after `npm run build`.
// It carries the Node runtime tandem needs (Debian 12's nodejs is too old): the node binary this
// machine runs, with the built packages and their production dependencies (native modules
// included) under /usr/lib/tandem, tandemd in /usr/sbin and tandemctl in /usr/bin, the systemd
// unit and the man pages. The .deb lands in build/deb/; its path is the last line printed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const REPO = path.resolve(__dirname, '..');
const LIB = '/usr/lib/tandem';
const APP = `${LIB}/app`;

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
}

/** Production packages from package-lock.json: every installed path that is not dev-only, and the workspaces' links. */
function productionPackages(lock) {
  const out = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev === true || entry.extraneous === true) continue;
    if (!key.includes('node_modules/')) continue;
    out.push({ key, link: entry.link === true ? entry.resolved : undefined });
  }
  return out;
}

/** Copies a directory without its own node_modules (nested dependencies come as lock entries of their own). */
function copyPackage(from, to) {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(from, src);
      return !(rel === 'node_modules' || rel.startsWith(`node_modules${path.sep}`));
    },
  });
}

function write(root, file, text, mode = 0o644) {
  const p = path.join(root, file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
}

function build() {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8'));
  const version = `${pkg.version}-1`;
  const arch = run('dpkg', ['--print-architecture']);
  const stage = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tandem-deb-'));
  const root = path.join(stage, 'root');
  const app = path.join(root, APP);

  // The runtime: this machine's node binary (tandem is built and tested with it).
  fs.mkdirSync(path.join(root, LIB), { recursive: true });
  fs.copyFileSync(process.execPath, path.join(root, LIB, 'node'));
  fs.chmodSync(path.join(root, LIB, 'node'), 0o755);

  // The workspaces: package.json, bin/ and the built dist/src and dist/bundle (tests and sources stay out); the addon's build.
  for (const ws of pkg.workspaces) {
    const from = path.join(REPO, ws);
    const to = path.join(app, ws);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    for (const dir of ['dist/src', 'dist/bundle', 'bin', 'build/Release']) {
      if (!fs.existsSync(path.join(from, dir))) continue;
      fs.cpSync(path.join(from, dir), path.join(to, dir), { recursive: true, filter: (src) => !/\.(tsbuildinfo|map)$/.test(src) && !src.includes(`${path.sep}obj.target`) });
    }
  }
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(app, 'package.json'));

  // Production dependencies, where npm put them; the workspaces' links as relative symlinks.
  for (const { key, link } of productionPackages(lock)) {
    const to = path.join(app, key);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (link !== undefined) fs.symlinkSync(path.relative(path.dirname(to), path.join(app, link)), to);
    else copyPackage(path.join(REPO, key), to);
  }

  // The commands, the unit, the man pages, the docs.
  const launcher = (bin) => `#!/bin/sh\n# tandem's ${bin}, run by the Node runtime the package carries.\nexec ${LIB}/node ${APP}/packages/daemon/bin/${bin}.js "$@"\n`;
  write(root, 'usr/sbin/tandemd', launcher('tandemd'), 0o755);
  write(root, 'usr/bin/tandemctl', launcher('tandemctl'), 0o755);
  write(root, 'lib/systemd/system/tandemd.service', fs.readFileSync(path.join(REPO, 'examples', 'tandemd.service'), 'utf8'));
  const { tandemdManPage, tandemctlManPage } = require(path.join(REPO, 'packages', 'daemon', 'dist', 'src', 'manpage.js'));
  for (const [name, text] of [['tandemd', tandemdManPage()], ['tandemctl', tandemctlManPage()]]) {
    const p = path.join(root, 'usr/share/man/man8', `${name}.8.gz`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, zlib.gzipSync(text, { level: 9 }));
  }
  write(root, 'usr/share/doc/tandem/copyright', `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: tandem\n\nFiles: *\nLicense: ${pkg.license}\n\nFiles: usr/lib/tandem/node\nLicense: MIT (Node.js and its bundled dependencies)\n`);
  fs.copyFileSync(path.join(REPO, 'README.md'), path.join(root, 'usr/share/doc/tandem/README.md'));

  const installedKb = Math.ceil(Number(run('du', ['-sk', root]).split(/\s/)[0]));
  write(
    stage,
    'root/DEBIAN/control',
    [
      'Package: tandem',
      `Version: ${version}`,
      `Architecture: ${arch}`,
      'Maintainer: tandem developers <tandem@localhost>',
      `Installed-Size: ${installedKb}`,
      'Depends: libc6 (>= 2.28), libstdc++6 (>= 9), libgcc-s1, iproute2',
      'Recommends: ipvsadm',
      'Suggests: keepalived',
      'Section: net',
      'Priority: optional',
      'Description: keepalived-compatible VRRP and IPVS high-availability daemon',
      ' tandem reads keepalived.conf and keepalived\'s command line, shares virtual',
      ' addresses with VRRP, health-checks real servers and programs the kernel\'s IPVS.',
      ' It carries its own Node.js runtime under /usr/lib/tandem.',
      '',
    ].join('\n'),
  );
  const systemd = (what) => `if [ -d /run/systemd/system ]; then\n  ${what}\nfi\n`;
  write(stage, 'root/DEBIAN/postinst', `#!/bin/sh\nset -e\n${systemd('systemctl daemon-reload >/dev/null 2>&1 || true')}exit 0\n`, 0o755);
  write(stage, 'root/DEBIAN/prerm', `#!/bin/sh\nset -e\nif [ "$1" = remove ]; then\n${systemd('systemctl stop tandemd.service >/dev/null 2>&1 || true')}fi\nexit 0\n`, 0o755);
  write(
    stage,
    'root/DEBIAN/postrm',
    `#!/bin/sh\nset -e\n${systemd('systemctl daemon-reload >/dev/null 2>&1 || true')}# purge: what tandemd kept at run time (its ledger and control socket directory).\nif [ "$1" = purge ]; then\n  rm -rf /run/tandem\nfi\nexit 0\n`,
    0o755,
  );

  const outDir = path.join(REPO, 'build', 'deb');
  fs.mkdirSync(outDir, { recursive: true });
  const deb = path.join(outDir, `tandem_${version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.rmSync(stage, { recursive: true, force: true });
  return deb;
}

if (require.main === module) console.log(build());
module.exports = { build, productionPackages };
