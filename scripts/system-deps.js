// Debian packages the build, the namespace tests, the real-kernel tests and the demo need, by
// the command they provide: the one list that `npm test`, `npm run demo` and .ci/run share.
// `node scripts/system-deps.js` installs every missing one (as root) or names them.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const NEEDED = [
  { command: '/usr/bin/g++', pkg: 'g++', why: 'building the native addon', demo: true },
  { command: '/usr/bin/make', pkg: 'make', why: 'building the native addon', demo: true },
  { command: '/usr/bin/python3', pkg: 'python3', why: 'node-gyp, which builds the native addon', demo: true },
  { command: '/usr/sbin/ip', pkg: 'iproute2', why: 'network namespaces, veth, bridges', demo: true },
  { command: '/usr/sbin/nft', pkg: 'nftables', why: 'cutting VRRP on the lab bridge, no_accept', demo: true },
  { command: '/usr/sbin/keepalived', pkg: 'keepalived', why: 'interop tests and the benchmarks\' reference' },
  { command: '/usr/bin/tcpdump', pkg: 'tcpdump', why: 'what the client sees on the wire (gratuitous ARPs, adverts, BFD)' },
  { command: '/usr/bin/openssl', pkg: 'openssl', why: 'certificates for the SSL_GET tests' },
  { command: '/usr/lib/frr/bfdd', pkg: 'frr', why: 'FRR\'s bfdd, the BFD interop peer' },
  { command: '/usr/bin/qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'the real-kernel guest for the IPVS tests' },
  { command: '/bin/busybox', pkg: 'busybox-static', why: 'the real-kernel guest\'s initramfs' },
  { command: '/sbin/modprobe', pkg: 'kmod', why: 'loading IPVS in the real-kernel guest' },
  { command: '/usr/sbin/ipvsadm', pkg: 'ipvsadm', why: 'the reference IPVS tool the kernel tests compare with' },
  { command: '/usr/bin/prometheus', pkg: 'prometheus', why: 'a real Prometheus server scraping tandemd\'s metrics' },
  { command: '/usr/bin/curl', pkg: 'curl', why: 'queries to Prometheus\'s HTTP API' },
  { command: '/usr/sbin/snmpd', pkg: 'snmpd', why: 'the SNMP master agent tandemd -x registers with' },
  { command: '/usr/sbin/snmptrapd', pkg: 'snmptrapd', why: 'receiving the traps of tandemd -x' },
  { command: '/usr/bin/snmpwalk', pkg: 'snmp', why: 'walking the MIBs tandemd -x serves' },
  { command: '/usr/bin/dpkg-deb', pkg: 'dpkg', why: 'building and installing the Debian package' },
];

/**
 * Installs missing packages when root; otherwise says which are missing and how to install
 * them. `tier` 'demo' needs only what the demo uses; 'test' (the default) everything.
 */
function ensureSystemDeps(tier = 'test') {
  const missing = NEEDED.filter((n) => (tier === 'test' || n.demo === true) && !existsSync(n.command));
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
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

module.exports = { ensureSystemDeps, NEEDED };

if (require.main === module) process.exit(ensureSystemDeps(process.argv[2] ?? 'test') ? 0 : 1);
