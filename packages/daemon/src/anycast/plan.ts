import type { VirtualServer } from '@tandem/config';

/** What the announcements follow of one virtual server (LvsService's view of it). */
export interface ServiceView {
  /** The quorum: the live weight with hysteresis (keepalived's quorum / hysteresis). */
  readonly quorumUp: boolean;
  /** True once IPVS holds the virtual server as tandem wants it; false without IPVS, or after a refusal. */
  readonly programmed: boolean;
  /** Why it is not programmed, when it is not. */
  readonly error?: string;
}

/** One prefix and whether this director should announce it now. */
export interface PlannedPrefix {
  /** `10.60.0.100/32`: the route's identity. */
  readonly key: string;
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly announce: boolean;
  /** In words: what holds the announcement, or the first thing that stops it. */
  readonly reason: string;
  /** The virtual servers whose `announce` names the prefix, in file order. */
  readonly virtualServers: readonly string[];
}

/** Why one virtual server stops its prefixes, or undefined when it lets them be announced. */
function veto(vs: VirtualServer, view: ServiceView | undefined): string | undefined {
  if (view === undefined) return `${vs.name} is not checked (tandemd runs without checks: -P)`;
  if (!view.programmed) return `${vs.name} is not in IPVS${view.error !== undefined ? `: ${view.error}` : ' yet'}`;
  if (!view.quorumUp) return `${vs.name} has lost its quorum`;
  return undefined;
}

/**
 * Which prefixes to announce: each prefix named by a virtual server's `@tandem announce` is
 * announced while every virtual server naming it has its quorum and is programmed in IPVS,
 * and withdrawn as soon as one of them has not (a director that cannot serve part of the
 * traffic a route draws should draw none of it; a virtual server without an `announce` line
 * has no say). Pure: the daemon calls it whenever a quorum or the IPVS state changes.
 */
export function planAnnouncements(servers: readonly VirtualServer[], view: (name: string) => ServiceView | undefined): PlannedPrefix[] {
  const byKey = new Map<string, { address: string; prefix: number; family: 4 | 6; servers: string[]; vetoes: string[] }>();
  for (const vs of servers) {
    if (vs.announce === undefined) continue;
    const why = veto(vs, view(vs.name));
    for (const p of vs.announce.prefixes) {
      const key = `${p.address}/${p.prefix}`;
      let entry = byKey.get(key);
      if (entry === undefined) byKey.set(key, (entry = { address: p.address, prefix: p.prefix, family: p.family, servers: [], vetoes: [] }));
      if (!entry.servers.includes(vs.name)) entry.servers.push(vs.name);
      if (why !== undefined) entry.vetoes.push(why);
    }
  }
  return [...byKey].map(([key, e]) => ({
    key,
    address: e.address,
    prefix: e.prefix,
    family: e.family,
    announce: e.vetoes.length === 0,
    reason: e.vetoes[0] ?? `${e.servers.join(', ')} ${e.servers.length === 1 ? 'has' : 'have'} quorum`,
    virtualServers: e.servers,
  }));
}
