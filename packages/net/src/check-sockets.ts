import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { dgramModule, netModule } from './builtins.js';
import { wrapSyscallError } from './errors.js';
import { native } from './native.js';

/** bindto and bind_port: the local end, bound before the connect. */
export interface LocalEnd {
  readonly address?: string;
  readonly port?: number;
}

/**
 * Checker sockets with keepalived's `bind_if` and `fwmark` (check_api.c: SO_BINDTODEVICE and
 * SO_MARK on the checker's socket) set before anything is sent: made natively, then handed to
 * Node (net.Socket({ fd }), dgram's bind({ fd })). The shape of @tandem/healthcheck's SocketMaker.
 */
export class CheckSockets {
  constructor(
    private readonly device: string | undefined,
    private readonly mark: number | undefined,
  ) {}

  private fd(family: 4 | 6, datagram: boolean, local: LocalEnd): number {
    try {
      return native().openSocket(family, datagram, this.device ?? '', this.mark ?? 0, local.address ?? '', local.port ?? 0);
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }

  /** An unconnected TCP socket, bound to `local` when given; connect() it. */
  tcp(family: 4 | 6, local: LocalEnd = {}): Socket {
    return new (netModule().Socket)({ fd: this.fd(family, false, local), readable: true, writable: true });
  }

  /** A UDP socket, bound to `local` (else any address and port) by the time `ready` is called. */
  udp(family: 4 | 6, local: LocalEnd, ready: (socket: UdpSocket) => void): UdpSocket {
    const s = dgramModule().createSocket(family === 6 ? 'udp6' : 'udp4');
    s.bind({ fd: this.fd(family, true, local) }, () => ready(s));
    return s;
  }
}
