import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { netModule } from '../builtins.js';

/** `bindto` / `bind_port`: the local end of a checker's connection. */
export interface LocalEnd {
  readonly address?: string;
  readonly port?: number;
}

/**
 * Makes checker sockets with keepalived's `bind_if` and `fwmark` (SO_BINDTODEVICE, SO_MARK)
 * set before anything is sent; tandem's daemon passes @tandem/net's CheckSockets. Without one
 * the checkers use Node's sockets as they are.
 */
export interface SocketMaker {
  /** An unconnected TCP socket, bound to `local` when given. */
  tcp(family: 4 | 6, local?: LocalEnd): Socket;
  /** A UDP socket bound to `local` (or anywhere) by the time `ready` runs. */
  udp(family: 4 | 6, local: LocalEnd, ready: (socket: UdpSocket) => void): UdpSocket;
}

/** A TCP socket connecting to host:port from `local`, through `maker` when given. */
export function connectTcp(host: string, port: number, local: LocalEnd, maker: SocketMaker | undefined): Socket {
  if (maker === undefined) {
    const s = new (netModule().Socket)();
    return s.connect({ host, port, ...(local.address !== undefined ? { localAddress: local.address } : {}), ...(local.port !== undefined ? { localPort: local.port } : {}) });
  }
  // Bound natively: a connect error (a bad bindto) still comes as the socket's 'error' event.
  let s: Socket;
  try {
    s = maker.tcp(netModule().isIPv6(host) ? 6 : 4, local);
  } catch (err) {
    s = new (netModule().Socket)();
    process.nextTick(() => s.destroy(err as Error));
    return s;
  }
  return s.connect({ host, port });
}
