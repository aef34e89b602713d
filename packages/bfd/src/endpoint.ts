import { EventEmitter } from 'node:events';
import { addressToBytes, type Clock } from '@tandem/vrrp';
import { BfdError } from './errors.js';
import { BFD_PORT_MULTIHOP, BFD_PORT_SINGLE_HOP, decode, type DropReason } from './packet.js';
import { demultiplex, type SessionTable } from './receive.js';
import { SessionRunner, type SessionOptions, type SessionTransitionEvent } from './session.js';
import type { BfdTransport, Datagram, SessionLink } from './transport.js';

export interface EndpointEvents {
  transition: [SessionTransitionEvent];
  ioError: [Error];
}

/** Every datagram received, and every one dropped (those tied to a session are counted there too). */
export interface EndpointStats {
  received: number;
  dropped: Partial<Record<DropReason, number>>;
}

const addressKey = (a: string): string => addressToBytes(a).toString('hex');

/**
 * All BFD sessions of one process over one transport (keepalived's bfd process):
 * receives datagrams, runs the codec and demultiplexing checks, and hands each
 * packet to its session. Local discriminators are unique and never 0.
 */
export class BfdEndpoint extends EventEmitter<EndpointEvents> implements SessionTable<SessionRunner> {
  readonly stats: EndpointStats = { received: 0, dropped: {} };
  private readonly sessions = new Map<string, SessionRunner>();
  private readonly byDiscr = new Map<number, SessionRunner>();
  private readonly byKey = new Map<string, SessionRunner>();
  private readonly links = new Map<SessionRunner, SessionLink>();

  constructor(
    private readonly transport: BfdTransport,
    private readonly clock: Clock,
    /** Uniform in [0, 1): discriminators and jitter seeds. */
    private readonly random: () => number = Math.random,
  ) {
    super();
    transport.receive((d) => this.onDatagram(d));
  }

  /** Creates and starts a session; throws BFD_ERR_CONFIG for a duplicate name or path. */
  add(options: SessionOptions): SessionRunner {
    if (this.sessions.has(options.name)) throw new BfdError('BFD_ERR_CONFIG', `session ${options.name} exists`);
    const p = options.path;
    const key = this.pathKey(p.kind === 'single-hop' ? BFD_PORT_SINGLE_HOP : BFD_PORT_MULTIHOP, p.peer, p.local);
    if (this.byKey.has(key)) throw new BfdError('BFD_ERR_CONFIG', `a session from ${p.local} to ${p.peer} (${p.kind}) exists`);
    const link = this.transport.open(p);
    const session = new SessionRunner(options, link, this.clock, this.freshDiscriminator(), Math.floor(this.random() * 0xffffffff) + 1);
    session.on('transition', (e) => this.emit('transition', e));
    session.on('ioError', (e) => this.emit('ioError', e));
    this.sessions.set(options.name, session);
    this.byDiscr.set(session.localDiscr, session);
    this.byKey.set(key, session);
    this.links.set(session, link);
    session.start();
    return session;
  }

  get(name: string): SessionRunner | undefined {
    return this.sessions.get(name);
  }

  list(): SessionRunner[] {
    return [...this.sessions.values()];
  }

  /** Stops a session: one AdminDown packet, then its link closes. */
  remove(name: string): void {
    const session = this.sessions.get(name);
    if (session === undefined) return;
    session.stop();
    this.sessions.delete(name);
    this.byDiscr.delete(session.localDiscr);
    for (const [k, v] of this.byKey) if (v === session) this.byKey.delete(k);
    this.links.delete(session);
  }

  close(): void {
    for (const name of [...this.sessions.keys()]) this.remove(name);
    this.transport.close();
  }

  byDiscriminator(localDiscr: number): SessionRunner | undefined {
    return this.byDiscr.get(localDiscr);
  }

  byPath(d: Datagram): SessionRunner | undefined {
    const session = this.byKey.get(this.pathKey(d.port, d.src, d.dst));
    if (session === undefined) return undefined;
    // A single-hop session belongs to its interface (RFC 5881 §3).
    const ifindex = this.links.get(session)?.ifindex ?? 0;
    return session.path.kind === 'single-hop' && ifindex !== 0 && d.ifindex !== ifindex ? undefined : session;
  }

  private pathKey(port: number, peer: string, local: string): string {
    try {
      return `${port}/${addressKey(peer)}/${addressKey(local)}`;
    } catch {
      return `${port}/${peer}/${local}`;
    }
  }

  private onDatagram(d: Datagram): void {
    this.stats.received++;
    const decoded = decode(d.payload);
    if (!decoded.ok) {
      this.countDrop(decoded.reason);
      return;
    }
    const r = demultiplex(decoded.packet, d, this);
    if (!r.ok) {
      this.countDrop(r.reason);
      r.session?.countDrop(r.reason);
      return;
    }
    r.session.receive(decoded.packet);
  }

  private countDrop(reason: DropReason): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  private freshDiscriminator(): number {
    for (;;) {
      const d = Math.floor(this.random() * 0xffffffff) + 1;
      if (!this.byDiscr.has(d)) return d;
    }
  }
}
