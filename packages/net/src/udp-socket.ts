import { EventEmitter } from 'node:events';
import { wrapSyscallError } from './errors.js';
import { native, type NativeUdpSocket, type UdpPacketInfo } from './native.js';

export type { UdpPacketInfo } from './native.js';

export interface UdpSocketOptions {
  readonly family: 4 | 6;
  /** Bind to this interface (SO_BINDTODEVICE): only its datagrams arrive, and sends leave through it. */
  readonly interface?: string;
}

export interface UdpSocketEvents {
  message: [Buffer, UdpPacketInfo];
  error: [Error];
}

/**
 * A UDP socket with a dgram-like face that, unlike Node's dgram, reports each
 * datagram's received TTL / hop limit, interface and destination address (for
 * BFD's TTL checks, RFC 5881 §5). Sends with TTL / hop limit 255 until `setTtl`.
 */
export class UdpSocket extends EventEmitter<UdpSocketEvents> {
  private readonly handle: NativeUdpSocket;
  private listening = false;
  private closed = false;

  constructor(readonly options: UdpSocketOptions) {
    super();
    const Ctor = native().UdpSocket;
    this.handle = this.call(
      () =>
        new Ctor(
          options.family,
          options.interface ?? '',
          (payload, info) => this.emit('message', payload, info),
          (err) => this.emit('error', wrapSyscallError(err)),
        ),
    );
  }

  /** Binds to an address and port (0: any port); returns the bound port. */
  bind(address: string, port: number): number {
    return this.call(() => this.handle.bind(address, port));
  }

  /** Starts delivering 'message' events. */
  listen(): this {
    if (!this.listening) this.call(() => this.handle.start());
    this.listening = true;
    return this;
  }

  /** Sends one datagram synchronously; throws a NetError on failure. */
  send(payload: Buffer, destination: string, port: number): number {
    return this.call(() => this.handle.send(payload, destination, port));
  }

  setTtl(ttl: number): this {
    this.call(() => this.handle.setTtl(ttl));
    return this;
  }

  /** IPv4 TOS / IPv6 traffic class of sent datagrams. */
  setTos(tos: number): this {
    this.call(() => this.handle.setTos(tos));
    return this;
  }

  /** The index of the interface the socket is bound to; 0 when it is not. */
  get ifindex(): number {
    return this.handle.ifindex();
  }

  ref(): this {
    this.handle.ref();
    return this;
  }

  unref(): this {
    this.handle.unref();
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }

  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }
}

/** Creates a UDP socket; see UdpSocket. */
export function createUdpSocket(options: UdpSocketOptions): UdpSocket {
  return new UdpSocket(options);
}
