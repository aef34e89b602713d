import { closeSync, fstatSync, ftruncateSync, lstatSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tryLockFile } from '@tandem/net';
import { openOwnFile } from './private-files.js';

function sameFile(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = lstatSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/** The lock file that makes a control socket one daemon's: `/run/tandem/tandem.sock` → `/run/tandem/tandem.lock`. */
export function lockPathOf(socket: string): string {
  return `${socket.endsWith('.sock') ? socket.slice(0, -'.sock'.length) : socket}.lock`;
}

/**
 * A file this daemon holds an exclusive flock on for as long as it runs, with its pid inside:
 * the control socket's lock and the pidfile. A second tandemd on the same socket or pidfile
 * fails to take it and stops before touching anything; the kernel drops the lock when the
 * holder dies, so a crash leaves nothing stale behind.
 */
export class InstanceLock {
  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /**
   * Takes the lock on `path` (created with `mode`, never through a symlink) and writes this
   * process's pid into it. Throws, naming the holder's pid, when another process holds it.
   */
  static acquire(path: string, what: string, mode = 0o644): InstanceLock {
    for (let attempt = 0; ; attempt++) {
      const fd = openOwnFile(path, mode);
      let taken: boolean;
      try {
        taken = tryLockFile(fd);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      if (!taken) {
        const holder = readFileSync(fd, 'utf8').trim();
        closeSync(fd);
        throw new Error(`another tandemd${/^\d+$/.test(holder) ? ` (pid ${holder})` : ''} already runs with the ${what} ${path}; not starting`);
      }
      // A holder that stopped between our open and our lock unlinked the file we now hold: the
      // lock counts only while the path still names it.
      if (sameFile(fd, path)) {
        ftruncateSync(fd, 0);
        writeSync(fd, `${process.pid}\n`, 0);
        return new InstanceLock(path, fd);
      }
      closeSync(fd);
      if (attempt >= 3) throw new Error(`${path} keeps changing under the lock; not starting`);
    }
  }

  /** Removes the file while still holding it, then lets go (at a clean stop). */
  release(): void {
    if (this.fd < 0) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
    closeSync(this.fd);
    this.fd = -1;
  }
}
