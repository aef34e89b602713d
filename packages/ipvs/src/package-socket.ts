import type { RawNetlinkSocket } from 'netlink';
import { lastRequest, type RequestHead, endsAnswer } from './framing.js';
import type { GenlSocket, GenlSocketError } from './socket.js';

const NETLINK_GENERIC = 16;

function failure(message: string, errno: string | undefined): GenlSocketError {
  return Object.assign(new Error(message), { errno });
}

/**
 * A GenlSocket on the `netlink` package's raw socket: each datagram goes out from the event
 * loop and each reply comes back through it, one turn per round trip. The fallback when no
 * native socket is handed in.
 */
export class PackageGenlSocket implements GenlSocket {
  private readonly socket: RawNetlinkSocket;
  private current:
    | { datagrams: readonly Buffer[]; next: number; head: RequestHead; parts: Buffer[]; timeoutMs: number; timer: NodeJS.Timeout | undefined; resolve: (b: Buffer) => void; reject: (e: GenlSocketError) => void }
    | undefined;

  constructor() {
    // The package peeks each datagram for its size (two recvmsg each). A fixed 64 KiB buffer
    // instead was measured slower: every reply then carries 64 KiB of external memory for the GC.
    // Loaded here: tandemd talks to IPVS through its addon, and loading `netlink` costs its start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.socket = new (require('netlink') as typeof import('netlink')).RawNetlinkSocket(NETLINK_GENERIC, { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    this.socket.on('message', (buf) => this.receive(buf));
    this.socket.on('truncatedMessage', () => this.fail(failure('a reply larger than the receive buffer', 'EMSGSIZE')));
    this.socket.on('error', (err) => this.fail(failure(err.message, (err as NodeJS.ErrnoException).code)));
    this.socket.unref();
  }

  exchange(datagrams: readonly Buffer[], timeoutMs: number): Promise<Buffer> {
    if (this.current !== undefined) return Promise.reject(failure('another exchange is running on this socket', 'EBUSY'));
    const first = datagrams[0];
    if (first === undefined) return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      this.current = { datagrams, next: 0, head: lastRequest(first), parts: [], timeoutMs, timer: undefined, resolve, reject };
      this.socket.ref();
      this.sendNext();
    });
  }

  private sendNext(): void {
    const c = this.current;
    if (c === undefined) return;
    const datagram = c.datagrams[c.next] as Buffer;
    c.head = lastRequest(datagram);
    c.timer = setTimeout(() => this.fail(failure(`no reply within ${c.timeoutMs} ms`, 'ETIMEDOUT')), c.timeoutMs);
    this.socket.send(datagram, {}, (err) => {
      if (err !== undefined && err !== null) this.fail(failure(err.message, (err as NodeJS.ErrnoException).code));
    });
  }

  private receive(buf: Buffer): void {
    const c = this.current;
    if (c === undefined) return;
    c.parts.push(buf);
    if (!endsAnswer(buf, c.head)) return;
    clearTimeout(c.timer);
    if (++c.next < c.datagrams.length) {
      this.sendNext();
      return;
    }
    this.current = undefined;
    this.socket.unref();
    c.resolve(c.parts.length === 1 ? (c.parts[0] as Buffer) : Buffer.concat(c.parts));
  }

  private fail(err: GenlSocketError): void {
    const c = this.current;
    if (c === undefined) return;
    clearTimeout(c.timer);
    this.current = undefined;
    this.socket.unref();
    c.reject(err);
  }

  close(): void {
    this.fail(failure('the socket was closed', 'EBADF'));
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
