import { native } from './native.js';
import { wrapSyscallError } from './errors.js';

/**
 * Takes an exclusive flock(2) on an open file without waiting: true when taken, false when
 * another process holds it. The lock lives as long as the descriptor, and the kernel
 * releases it when the process dies however it dies, so a crashed daemon leaves no stale lock.
 */
export function tryLockFile(fd: number): boolean {
  try {
    return native().tryLockFile(fd);
  } catch (err) {
    throw wrapSyscallError(err);
  }
}
