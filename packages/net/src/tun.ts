import { closeSync, openSync } from 'node:fs';
import { NetError, wrapSyscallError } from './errors.js';
import { native } from './native.js';

/**
 * A layer-3 TUN interface whose life is this process's: the kernel deletes it, and every
 * route through it, when its descriptor closes, whether by `close()` or by the process
 * ending in any way (`kill -9` included). Nothing reads from it: it exists to carry routes
 * that must not outlive their owner. The descriptor is opened close-on-exec (libuv opens
 * every file so), so no child process, script or side keeps the interface alive.
 */
export class TunDevice {
  private fd: number | undefined;

  private constructor(
    fd: number,
    /** The interface's name. */
    readonly name: string,
  ) {
    this.fd = fd;
  }

  /**
   * Creates the interface `name` (1-15 characters). Fails, creating nothing, when an
   * interface of that name already exists (another daemon's, or one left by a tool): it is
   * never adopted, as a persistent interface would outlive this process.
   */
  static create(name: string): TunDevice {
    if (name.length === 0 || name.length > 15) throw new NetError('NET_ERR_ARGUMENT', 'tun', `interface name '${name}' must have 1-15 characters`);
    let fd: number;
    try {
      fd = openSync('/dev/net/tun', 'r+');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new NetError('NET_ERR_SYSCALL', 'open /dev/net/tun', e.message, e.code);
    }
    try {
      return new TunDevice(fd, native().attachTun(fd, name));
    } catch (err) {
      closeSync(fd);
      const wrapped = wrapSyscallError(err);
      if (wrapped.errno === 'EBUSY') throw new NetError('NET_ERR_SYSCALL', 'tun', `an interface named ${name} already exists`, 'EBUSY');
      throw wrapped;
    }
  }

  /** True until `close()`. */
  get open(): boolean {
    return this.fd !== undefined;
  }

  /** Closes the descriptor: the kernel deletes the interface and its routes. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
