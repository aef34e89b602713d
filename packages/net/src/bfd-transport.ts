import {
  BFD_PORT_MULTIHOP,
  BFD_PORT_SINGLE_HOP,
  BFD_SOURCE_PORT_MAX,
  BFD_SOURCE_PORT_MIN,
  type BfdTransport,
  type Datagram,
  type PathKind,
  type SessionLink,
  type SessionPath,
} from '@tandem/bfd';
import { NetError } from './errors.js';
import { createUdpSocket, type UdpSocket } from './udp-socket.js';

export interface BfdUdpTransportOptions {
  /** TOS / traffic class of sent packets; default 0xc0 (DSCP CS6, network control, as FRR sends). */
  readonly tos?: number;
  /** Receive or socket errors; the transport carries on. */
  readonly onError?: (err: Error) => void;
  /** Uniform in [0, 1): picks source ports. */
  readonly random?: () => number;
}

/**
 * BFD over UDP with the addon's sockets: one receiving socket per kind and family
 * (UDP 3784 single hop, RFC 5881 §4; 4784 multihop, RFC 5883 §5) that reports each
 * packet's TTL, and one sending socket per session, bound to its source address and a
 * source port of 49152-65535 kept for the session's life, sending with TTL 255.
 */
export class BfdUdpTransport implements BfdTransport {
  private handler: ((d: Datagram) => void) | undefined;
  private readonly receivers = new Map<string, UdpSocket>();
  private readonly senders = new Set<UdpSocket>();

  constructor(private readonly options: BfdUdpTransportOptions = {}) {}

  receive(handler: (datagram: Datagram) => void): void {
    this.handler = handler;
  }

  open(path: SessionPath): SessionLink {
    this.listen(path.kind, path.family);
    const port = path.kind === 'single-hop' ? BFD_PORT_SINGLE_HOP : BFD_PORT_MULTIHOP;
    // RFC 5881 §3: a single-hop session runs over one interface.
    const socket = createUdpSocket({ family: path.family, ...(path.kind === 'single-hop' && path.interface !== undefined ? { interface: path.interface } : {}) });
    try {
      socket.setTtl(path.ttl);
      socket.setTos(this.options.tos ?? 0xc0);
      const sourcePort = this.bindSourcePort(socket, path.local);
      this.senders.add(socket);
      return {
        ifindex: socket.ifindex,
        sourcePort,
        send: (payload) => {
          socket.send(payload, path.peer, port);
        },
        close: () => {
          this.senders.delete(socket);
          socket.close();
        },
      };
    } catch (err) {
      socket.close();
      throw err;
    }
  }

  close(): void {
    for (const s of [...this.receivers.values(), ...this.senders]) s.close();
    this.receivers.clear();
    this.senders.clear();
  }

  private listen(kind: PathKind, family: 4 | 6): void {
    const key = `${kind}/${family}`;
    if (this.receivers.has(key)) return;
    const port = kind === 'single-hop' ? BFD_PORT_SINGLE_HOP : BFD_PORT_MULTIHOP;
    const socket = createUdpSocket({ family });
    try {
      socket.bind(family === 4 ? '0.0.0.0' : '::', port);
    } catch (err) {
      socket.close();
      throw err;
    }
    socket.on('message', (payload, info) => {
      this.handler?.({ payload, src: info.src, dst: info.dst, port, ttl: info.ttl, ifindex: info.ifindex });
    });
    socket.on('error', (err) => this.options.onError?.(err));
    socket.listen();
    this.receivers.set(key, socket);
  }

  /** RFC 5881 §4: the source port MUST be in 49152-65535; try random ones until one is free. */
  private bindSourcePort(socket: UdpSocket, local: string): number {
    const random = this.options.random ?? Math.random;
    const span = BFD_SOURCE_PORT_MAX - BFD_SOURCE_PORT_MIN + 1;
    let last: unknown;
    for (let i = 0; i < 64; i++) {
      const port = BFD_SOURCE_PORT_MIN + Math.floor(random() * span);
      try {
        return socket.bind(local, port);
      } catch (err) {
        if (!(err instanceof NetError) || err.errno !== 'EADDRINUSE') throw err;
        last = err;
      }
    }
    throw last instanceof Error ? last : new NetError('NET_ERR_SYSCALL', 'bind', 'no free BFD source port');
  }
}
