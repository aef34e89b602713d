import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

// tandemd runs as root, often on hosts other users share. Every file it writes (dumps, the
// pidfile, the state file, the control socket) must be safe against a local user who plants a
// symlink, a hard link or a file of their own at the path first, or who owns a directory on the
// way to it (keepalived's CVE-2018-19044/19045/19046 were such mistakes).

const euid = (): number => process.geteuid?.() ?? 0;

/** Directories writable by others are only safe to pass through when sticky (/tmp): others cannot rename what is ours in them. */
const STICKY = 0o1000;

/**
 * Why `dir` cannot be trusted to hold root's files (a control socket, a state file), or
 * undefined when it can: it must be a real directory (not a symlink) owned by one of `owners`
 * (by default this user), with
 * no write permission for group or others, and every directory above it (symlinks resolved)
 * must be owned by root or this user and writable by nobody else unless sticky.
 */
export function untrustedDirectory(dir: string, owners: readonly number[] = [euid()]): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    return `${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (!owners.includes(st.uid)) return `${dir} is owned by uid ${st.uid}, not by ${owners.map((u) => `uid ${u}`).join(' or ')}`;
  if ((st.mode & 0o022) !== 0) return `${dir} is writable by ${(st.mode & 0o002) !== 0 ? 'others' : 'its group'} (mode ${(st.mode & 0o7777).toString(8)})`;
  const real = realpathSync(dir);
  for (let d = dirname(real); ; d = dirname(d)) {
    const a = lstatSync(d);
    if (a.uid !== 0 && a.uid !== euid()) return `${d}, above ${dir}, is owned by uid ${a.uid}`;
    if ((a.mode & 0o022) !== 0 && (a.mode & STICKY) === 0) return `${d}, above ${dir}, is writable by others and not sticky (mode ${(a.mode & 0o7777).toString(8)})`;
    if (d === sep || d === dirname(d)) break;
  }
  return undefined;
}

/** Creates `dir` (and what is missing above it, mode 0755) and throws, saying why, unless it can be trusted. */
export function ensureTrustedDirectory(dir: string, what: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const why = untrustedDirectory(dir);
  if (why !== undefined) throw new Error(`${what}: refusing to use ${dir}: ${why}`);
}

/**
 * Eight unpredictable bytes in hex, read from the kernel's random source: node:crypto would do
 * the same, but loading it costs the daemon's start tens of milliseconds on a slow CPU (the state
 * file is written before the first IPVS entry).
 */
function randomHex(): string {
  const bytes = Buffer.alloc(8);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < bytes.length; ) off += readSync(fd, bytes, off, bytes.length - off, null);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('hex');
}

/**
 * Writes `text` to `path` so that nothing planted there can redirect or read it: a new file
 * with an unpredictable name is created next to it (O_CREAT|O_EXCL|O_NOFOLLOW, `mode`), written,
 * and renamed over `path`. A symlink or another user's file at `path` is replaced, never
 * followed or written into, and a reader never sees half a file.
 */
export function writePrivateFile(path: string, text: string, mode = 0o600): void {
  const dir = dirname(path);
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = join(dir, `.${basename(path)}.${randomHex()}`);
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw err;
    }
  }
  try {
    const data = Buffer.from(text);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/**
 * Opens `path` read-write for a file this daemon keeps open (a pidfile, a lock), creating it
 * with `mode`. It never follows a symlink and never reuses a file that is not a plain file of
 * this user's with one link: such a thing is removed and a new file made in its place.
 */
export function openOwnFile(path: string, mode: number): number {
  const ours = (st: { isFile(): boolean; uid: number; nlink: number }): boolean => st.isFile() && st.uid === euid() && st.nlink === 1;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 3) throw new Error(`${path} keeps being replaced by something that is not ours`);
    try {
      // A symlink (O_NOFOLLOW fails with ELOOP, or EACCES in a sticky directory) or a file of
      // someone else's is removed first: root may, and must not use it.
      if (!ours(lstatSync(path))) unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EACCES' || code === 'EEXIST') continue;
      throw err;
    }
    if (ours(fstatSync(fd))) return fd;
    closeSync(fd);
  }
}

/** A pidfile of keepalived's kind (`-r`, `-c`, `-b`): the pid and a newline, mode 0644, written as `writePrivateFile` writes. */
export function writePidFile(path: string, pid: number): void {
  writePrivateFile(path, `${pid}\n`, 0o644);
}
