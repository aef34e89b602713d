// Debian packages the namespace tests, the real-kernel tests and the demo need, by the command they provide.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const NEEDED = [
  { command: '/usr/sbin/ip', pkg: 'iproute2', why: 'network namespaces, veth, bridges' },
  { command: '/usr/sbin/nft', pkg: 'nftables', why: 'cutting VRRP on the lab bridge' },
  { command: '/usr/sbin/keepalived', pkg: 'keepalived', why: 'interop tests and the failover benchmark' },
  { command: '/usr/bin/qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'the real-kernel guest for the IPVS tests' },
  { command: '/bin/busybox', pkg: 'busybox-static', why: 'the real-kernel guest\'s initramfs' },
  { command: '/sbin/modprobe', pkg: 'kmod', why: 'loading IPVS in the real-kernel guest' },
  { command: '/usr/sbin/ipvsadm', pkg: 'ipvsadm', why: 'the reference IPVS tool the kernel tests compare with' },
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
