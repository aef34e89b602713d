import { EventEmitter } from 'node:events';
import { wrapSyscallError } from './errors.js';
import { native, type NativeRawSocket, type PacketInfo } from './native.js';

export type { PacketInfo } from './native.js';

export interface RawSocketOptions {
  readonly family: 4 | 6;
  /** IP protocol number, e.g. 112 for VRRP. */
  readonly protocol: number;
  /** Bind to this interface (SO_BINDTODEVICE) and send multicast out of it. */
  readonly interface?: string;
  /** SO_MARK on what it sends (0 or absent: none). */
  readonly mark?: number;
  /**
   * IPv4 only: send() takes whole IP datagrams (IP_HDRINCL) and 'message'
   * delivers them with their header, for IPsec AH, whose check covers it.
   */
  readonly headerIncluded?: boolean;
}

export interface RawSocketEvents {
  message: [Buffer, PacketInfo];
  error: [Error];
}

/**
 * A raw IP socket with a dgram-like face. Sends with TTL / hop limit 255 and
 * reports the received TTL / hop limit of each datagram.
 */
export class RawSocket extends EventEmitter<RawSocketEvents> {
  private readonly handle: NativeRawSocket;
  private listening = false;
  private closed = false;

  constructor(readonly options: RawSocketOptions) {
    super();
    const Ctor = native().RawSocket;
    try {
      this.handle = new Ctor(
        options.family,
        options.protocol,
        options.interface ?? '',
        (payload, info) => this.emit('message', payload, info),
        (err) => this.emit('error', wrapSyscallError(err)),
        options.headerIncluded === true,
        options.mark ?? 0,
      );
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }

  /** Sets the source address of sent datagrams. A bound socket only receives datagrams for that address. */
  bind(address: string): this {
    this.call(() => this.handle.bind(address));
    return this;
  }

  addMembership(group: string): this {
    this.call(() => this.handle.addMembership(group));
    return this;
  }

  dropMembership(group: string): this {
    this.call(() => this.handle.dropMembership(group));
    return this;
  }

  /** Starts delivering 'message' events. */
  listen(): this {
    if (!this.listening) this.call(() => this.handle.start());
    this.listening = true;
    return this;
  }

  /** Sends one datagram synchronously; throws a NetError on failure. */
  send(payload: Buffer, destination: string): number {
    return this.call(() => this.handle.send(payload, destination));
  }

  /** TTL / hop limit of sent datagrams (default 255, as VRRP requires). */
  setTtl(ttl: number): this {
    this.call(() => this.handle.setTtl(ttl));
    return this;
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

/** Creates a raw IP socket; see RawSocket. */
export function createRawSocket(options: RawSocketOptions): RawSocket {
  return new RawSocket(options);
}
