/** RFC 5881 single hop (UDP 3784, TTL 255) or RFC 5883 multihop (UDP 4784). */
export type PathKind = 'single-hop' | 'multihop';

/** Where one session's packets go and come from (keepalived's `bfd_instance` addressing). */
export interface SessionPath {
  readonly kind: PathKind;
  readonly family: 4 | 6;
  /** keepalived's `source_ip`: the address packets leave from and arrive at. */
  readonly local: string;
  /** keepalived's `neighbor_ip`. */
  readonly peer: string;
  /** Single hop: the interface the session runs over (SO_BINDTODEVICE). */
  readonly interface?: string;
  /** TTL / hop limit of sent packets: 255 (RFC 5881 §5); keepalived's `ttl` / `hoplimit`. */
  readonly ttl: number;
}

/** One received UDP datagram and what the RFC 5881/5883 checks need from its headers. */
export interface Datagram {
  readonly payload: Uint8Array;
  readonly src: string;
  readonly dst: string;
  /** Destination UDP port: 3784 single hop, 4784 multihop. */
  readonly port: number;
  /** IPv4 TTL or IPv6 hop limit as received. */
  readonly ttl: number;
  readonly ifindex: number;
}

/** The sending side of one session. */
export interface SessionLink {
  /** Index of the interface the link is bound to; 0 when it is not. */
  readonly ifindex: number;
  /** The UDP source port, one for the session's life, 49152-65535 (RFC 5881 §4). */
  readonly sourcePort: number;
  /** Sends one control packet to the peer; throws on a send error. */
  send(payload: Buffer): void;
  close(): void;
}

/** What the BFD endpoint needs from the network; `packages/net` implements it over UDP sockets. */
export interface BfdTransport {
  /** Where received datagrams go; set once, before the first `open`. */
  receive(handler: (datagram: Datagram) => void): void;
  /** Opens a session's link, and the receiving socket for its kind and family if none is open yet. */
  open(path: SessionPath): SessionLink;
  close(): void;
}
