import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A real IPVS kernel for a machine whose own kernel has none: Debian's stock kernel booted in
// qemu (TCG: nested KVM hangs here), the host's root shared read-only over 9p, a writable
// share for results. See ../shared/notes/real-kernel-vm.md for what each step was found to need.

const CACHE = process.env.TANDEM_KERNEL_CACHE ?? '/var/cache/tandem-kernel';
const GUEST_INIT = join(__dirname, '..', '..', 'kernel', 'guest-init.sh');

// Only the modules the initramfs needs to mount the host root, in the order their symbols require.
const BOOT_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'netfs', 'fscache', '9pnet', '9pnet_virtio', '9p'];

/** Modules the guest loads from the kernel package before the tests start. */
export const GUEST_MODULES = [
  'ip_vs',
  ...['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map((s) => `ip_vs_${s}`),
  'ip_vs_pe_sip',
  'veth',
  'dummy',
  // use_vmac, use_ipvlan and vrf (the development kernel has neither ipvlan nor VRF).
  'macvlan',
  'ipvlan',
  'vrf',
  'bridge',
  'ipip',
  'nf_conntrack',
  // nftables_ipvs's marking tables (the fwmark services' traffic).
  'nf_tables',
  // @tandem announce's interface (examples/anycast).
  'tun',
];

const HOST_TOOLS = [
  { path: '/usr/bin/qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { path: '/bin/busybox', pkg: 'busybox-static' },
  { path: '/sbin/modprobe', pkg: 'kmod' },
  { path: '/usr/sbin/ipvsadm', pkg: 'ipvsadm' },
];

export class VmUnavailable extends Error {}

function sh(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, [...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new VmUnavailable(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

/** Installs qemu, busybox-static, kmod and ipvsadm when missing (root only). */
export function ensureHostTools(): void {
  const missing = HOST_TOOLS.filter((t) => !existsSync(t.path)).map((t) => t.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new VmUnavailable(`the real-kernel tests need ${missing.join(', ')}; install them: sudo apt-get install ${missing.join(' ')}`);
  sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

export interface Kernel {
  readonly version: string;
  /** The unpacked package: boot/vmlinuz-VERSION and lib/modules/VERSION with depmod run. */
  readonly root: string;
  readonly initramfs: string;
}

/** Fetches (once) Debian's current kernel package, unpacks it and builds the initramfs. */
export function ensureKernel(): Kernel {
  mkdirSync(CACHE, { recursive: true });
  const root = join(CACHE, 'root');
  if (!existsSync(join(root, 'lib', 'modules'))) {
    const pkg = /Depends: (linux-image-\S+)/.exec(sh('apt-cache', ['depends', 'linux-image-amd64']))?.[1];
    if (pkg === undefined) throw new VmUnavailable('apt-cache knows no linux-image-amd64 dependency (apt-get update?)');
    sh('apt-get', ['download', pkg], CACHE);
    const deb = readdirSync(CACHE).find((f) => f.startsWith(pkg) && f.endsWith('.deb'));
    if (deb === undefined) throw new VmUnavailable(`apt-get download ${pkg} left no .deb in ${CACHE}`);
    const staging = `${root}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    sh('dpkg', ['-x', join(CACHE, deb), staging]);
    const version = readdirSync(join(staging, 'lib', 'modules'))[0] ?? '';
    sh('depmod', ['-b', staging, version]);
    sh('mv', [staging, root]);
    rmSync(join(CACHE, deb));
  }
  const version = readdirSync(join(root, 'lib', 'modules'))[0] ?? '';
  return { version, root, initramfs: ensureInitramfs(root, version) };
}

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${BOOT_MODULES.join(' ')}; do insmod /mods/$m.ko || echo "initramfs: insmod $m failed"; done
mkdir -p /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /newroot || { echo "initramfs: cannot mount the host root"; poweroff -f; }
umount /proc /sys /dev
exec switch_root /newroot /bin/sh "$tandem_init"
`;

function ensureInitramfs(root: string, version: string): string {
  const tag = createHash('sha256').update(INIT).update(version).digest('hex').slice(0, 12);
  const out = join(CACHE, `initramfs-${tag}.cpio.gz`);
  if (existsSync(out)) return out;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-initramfs-'));
  try {
    for (const d of ['bin', 'mods', 'proc', 'sys', 'dev', 'newroot']) mkdirSync(join(dir, d));
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    chmodSync(join(dir, 'bin', 'busybox'), 0o755);
    const modules = join(root, 'lib', 'modules', version);
    const paths = sh('find', [modules, '-name', '*.ko']).split('\n');
    for (const m of BOOT_MODULES) {
      const p = paths.find((x) => x.endsWith(`/${m}.ko`));
      if (p === undefined) throw new VmUnavailable(`the kernel package has no ${m}.ko`);
      copyFileSync(p, join(dir, 'mods', `${m}.ko`));
    }
    writeFileSync(join(dir, 'init'), INIT, { mode: 0o755 });
    const r = spawnSync('sh', ['-c', `find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > ${JSON.stringify(`${out}.tmp`)}`], { cwd: dir });
    if (r.status !== 0) throw new VmUnavailable('packing the initramfs failed');
    sh('mv', [`${out}.tmp`, out]);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface GuestRun {
  /** The command's exit code in the guest, or undefined when it never finished. */
  readonly exitCode: number | undefined;
  /** Everything the guest wrote to its serial console. */
  readonly console: string;
  /** The command's own output. */
  readonly output: string;
  /** The writable share, for result files; removed by `cleanup`. */
  readonly share: string;
  cleanup(): void;
}

export interface GuestOptions {
  /** A shell command run in the guest from `cwd`, as root, after the modules are loaded. */
  readonly command: string;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly memoryMb?: number;
  readonly cpus?: number;
  readonly env?: Readonly<Record<string, string>>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Boots the guest, runs the command, powers off; the guest is killed at the timeout. */
export function runInGuest(kernel: Kernel, opts: GuestOptions): Promise<GuestRun> {
  const share = mkdtempSync(join(tmpdir(), 'tandem-vm-'));
  const env = { TANDEM_MODULES: GUEST_MODULES.join(' '), TANDEM_CWD: opts.cwd, TANDEM_COMMAND: opts.command, ...opts.env };
  writeFileSync(join(share, 'env.sh'), Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}\n`).join(''));
  const args = [
    '-accel', 'tcg', '-cpu', 'max', '-m', String(opts.memoryMb ?? 2048), '-smp', String(opts.cpus ?? 2),
    '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', join(kernel.root, 'boot', `vmlinuz-${kernel.version}`),
    '-initrd', kernel.initramfs,
    '-append', `console=ttyS0 quiet panic=-1 rdinit=/init tandem_init=${GUEST_INIT}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${kernel.root},mount_tag=kroot,security_model=none,readonly=on`,
    '-virtfs', `local,path=${share},mount_tag=share,security_model=none`,
  ];
  return new Promise((resolve) => {
    const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    qemu.stdout.on('data', (d: Buffer) => (consoleText += d.toString()));
    qemu.stderr.on('data', (d: Buffer) => (consoleText += d.toString()));
    const timer = setTimeout(() => qemu.kill('SIGKILL'), opts.timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      const read = (f: string): string | undefined => (existsSync(join(share, f)) ? readFileSync(join(share, f), 'utf8') : undefined);
      const code = read('exit-code');
      resolve({
        exitCode: code === undefined ? undefined : Number(code.trim()),
        console: consoleText,
        output: read('output.log') ?? '',
        share,
        cleanup: () => rmSync(share, { recursive: true, force: true }),
      });
    };
    qemu.on('exit', finish);
    qemu.on('error', (err) => {
      consoleText += `\nqemu: ${err.message}`;
      finish();
    });
  });
}
