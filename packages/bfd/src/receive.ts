import type { ControlPacket, DropReason } from './packet.js';
import type { Datagram } from './transport.js';

/** What the receive checks need to know about one local session. */
export interface SessionMatch {
  readonly localDiscr: number;
  /**
   * The lowest TTL / hop limit accepted: 255 for single hop (RFC 5881 §5), and
   * 256 - `max_hops` for multihop (keepalived's `max_hops`; RFC 5883 §5 leaves it local).
   */
  readonly minTtl: number;
}

/** Finds sessions by discriminator and, for packets that carry none, by addresses and interface. */
export interface SessionTable<S extends SessionMatch> {
  byDiscriminator(localDiscr: number): S | undefined;
  byPath(datagram: Datagram): S | undefined;
}

/** The selected session, or why the packet was dropped (with the session when one was selected). */
export type DemuxResult<S> =
  | { readonly ok: true; readonly session: S }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string; readonly session?: S };

/**
 * The session-level receive checks of RFC 5880 §6.8.6 in the RFC's order, after the
 * codec's: selecting the session, then the TTL rule of RFC 5881 §5 / RFC 5883 §5 for
 * the selected session, then the A bit (no authentication is configured here).
 */
export function demultiplex<S extends SessionMatch>(packet: ControlPacket, datagram: Datagram, table: SessionTable<S>): DemuxResult<S> {
  let session: S | undefined;
  if (packet.yourDiscriminator !== 0) {
    // If Your Discriminator is nonzero, it MUST select the session; none found: discard.
    session = table.byDiscriminator(packet.yourDiscriminator);
    if (session === undefined) return { ok: false, reason: 'unknown-discriminator', detail: `your discriminator ${packet.yourDiscriminator}` };
  } else {
    // Your Discriminator zero and State not Down or AdminDown: discard.
    if (packet.state !== 'Down' && packet.state !== 'AdminDown') {
      return { ok: false, reason: 'zero-your-discriminator', detail: `your discriminator 0 in state ${packet.state}` };
    }
    // Your Discriminator zero: select by source address, destination and interface.
    session = table.byPath(datagram);
    if (session === undefined) return { ok: false, reason: 'no-session', detail: `no session for ${datagram.src} -> ${datagram.dst} port ${datagram.port}` };
  }
  // RFC 5881 §5: without authentication, packets demultiplexed to a session MUST be
  // discarded unless the TTL / hop limit is 255; RFC 5883: multihop at least 256 - max_hops.
  if (datagram.ttl < session.minTtl) return { ok: false, reason: 'bad-ttl', detail: `ttl ${datagram.ttl}, needs at least ${session.minTtl}`, session };
  // A bit set and no authentication in use (bfd.AuthType zero): discard.
  if (packet.auth !== undefined) return { ok: false, reason: 'auth-not-expected', detail: `auth type ${packet.auth.type}, none configured`, session };
  return { ok: true, session };
}
