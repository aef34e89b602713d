// Debian packages the namespace tests and the demo need, by the command they provide.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const NEEDED = [
  { command: '/usr/sbin/ip', pkg: 'iproute2', why: 'network namespaces, veth, bridges' },
  { command: '/usr/sbin/nft', pkg: 'nftables', why: 'cutting VRRP on the lab bridge' },
  { command: '/usr/sbin/keepalived', pkg: 'keepalived', why: 'interop tests and the failover benchmark' },
];

/** Installs missing packages when root; otherwise says which are missing and how to install them. */
function ensureSystemDeps() {
  const missing = NEEDED.filter((n) => !existsSync(n.command));
  if (missing.length === 0) return true;
  const pkgs = missing.map((m) => m.pkg);
  if (process.getuid && process.getuid() === 0) {
    console.log(`installing Debian packages: ${pkgs.join(' ')}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status === 0) return true;
  }
  console.error('missing Debian packages:');
  for (const m of missing) console.error(`  ${m.pkg} (${m.why})`);
  console.error(`install them with: sudo apt-get install ${pkgs.join(' ')}`);
  return false;
}

module.exports = { ensureSystemDeps };
