import { NetError, wrapSyscallError } from './errors.js';
import { native, type NativeNetlinkSocket } from './native.js';

/** The generic-netlink protocol number (linux/netlink.h). */
export const NETLINK_GENERIC = 16;

/**
 * A netlink socket whose exchanges run in native code: the datagrams go out one after
 * another, each once the kernel has answered the one before, and every reply comes back in
 * one buffer. A read of the whole IPVS table (one dump per virtual service) crosses into
 * JavaScript once instead of once per dump. It has the shape of @tandem/ipvs's `GenlSocket`,
 * which the daemon hands to the IPVS client.
 */
export class NetlinkSocket {
  private readonly socket: NativeNetlinkSocket;
  private pending: { resolve: (replies: Buffer) => void; reject: (err: NetError) => void } | undefined;

  /** Opens the socket in the calling thread's network namespace; throws NetError (NET_ERR_SYSCALL) on failure. */
  constructor(protocol: number = NETLINK_GENERIC) {
    try {
      this.socket = new (native().NetlinkSocket)(protocol);
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }

  /**
   * Sends each datagram (whole netlink messages) after the previous one's last request has
   * its final reply: an acknowledgement or error, a dump's end, or a plain get's answer.
   * Resolves with every reply message, back to back. Rejects with a NetError whose errno is
   * ETIMEDOUT when the kernel left a request unanswered for `timeoutMs`, or the failing call's.
   */
  exchange(datagrams: readonly Buffer[], timeoutMs: number): Promise<Buffer> {
    if (this.pending !== undefined) return Promise.reject(new NetError('NET_ERR_ARGUMENT', 'netlink exchange', 'another exchange is running on this socket', 'EBUSY'));
    return new Promise((resolve, reject) => {
      try {
        this.socket.exchange(datagrams, timeoutMs, (err, replies) => {
          const p = this.pending;
          this.pending = undefined;
          if (err !== null) p?.reject(wrapSyscallError(err));
          else p?.resolve(replies ?? Buffer.alloc(0));
        });
      } catch (err) {
        reject(wrapSyscallError(err));
        return;
      }
      this.pending = { resolve, reject };
    });
  }

  /** Closes the socket; an exchange in flight fails with EBADF. */
  close(): void {
    this.socket.close();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new NetError('NET_ERR_SYSCALL', 'netlink exchange', 'the socket was closed', 'EBADF'));
  }
}
