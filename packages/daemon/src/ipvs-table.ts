import { groupOf, realServerPort, servicePersistence, type Forwarding, type GroupEntry, type RealServer, type VirtualServer, type VirtualServerGroup } from '@tandem/config';
import { addressToInetAddr, inetAddrToAddress, type Destination, type ForwardMethod, type Service, type ServiceKey, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, type TableService } from '@tandem/ipvs';

// The pure mapping from keepalived.conf's virtual servers and the real servers' health to the
// IPVS table tandem wants: keepalived's ipwrapper.c rules for weights, inhibit_on_failure,
// quorum and the sorry server.

/** What the checkers say about one real server. */
export interface RealHealth {
  readonly up: boolean;
  /** MISC_CHECK misc_dynamic's weight, when the script gave one. */
  readonly dynamicWeight?: number;
}

const FAMILY = { 4: 'inet', 6: 'inet6' } as const;
const PROTOCOL = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' } as const;
const SCHED_FLAGS: Record<string, number> = {
  'flag-1': SVC_F_SCHED1,
  'flag-2': SVC_F_SCHED2,
  'flag-3': SVC_F_SCHED3,
  'sh-fallback': SVC_F_SCHED1,
  'sh-port': SVC_F_SCHED2,
  'mh-fallback': SVC_F_SCHED1,
  'mh-port': SVC_F_SCHED2,
};

/** More addresses than this in one group entry is a mistake, not a plan. */
const MAX_GROUP_EXPANSION = 65536;

function addressToBigInt(address: string, family: 4 | 6): bigint {
  return BigInt(`0x${addressToInetAddr(address).subarray(0, family === 4 ? 4 : 16).toString('hex')}`);
}

function bigIntToAddress(n: bigint, family: 4 | 6): string {
  const bytes = Buffer.from(n.toString(16).padStart(family === 4 ? 8 : 32, '0'), 'hex');
  return inetAddrToAddress(bytes, family === 4 ? 'inet' : 'inet6');
}

/** The first and last address of a `virtual_server_group` entry: one, a `A-B` range, or a prefix's. */
export function groupEntryRange(e: Extract<GroupEntry, { kind: 'address' }>): { first: string; last: string; count: bigint } {
  if (e.last === undefined && e.prefix === undefined) return { first: e.address, last: e.address, count: 1n };
  let from = addressToBigInt(e.address, e.family);
  let to = from;
  if (e.last !== undefined) to = addressToBigInt(e.last, e.family);
  else if (e.prefix !== undefined) {
    const bits = BigInt((e.family === 4 ? 32 : 128) - e.prefix);
    from = (from >> bits) << bits;
    to = from + (1n << bits) - 1n;
  }
  return { first: bigIntToAddress(from, e.family), last: bigIntToAddress(to, e.family), count: to - from + 1n };
}

/** The addresses of a `virtual_server_group` entry: one, a `A-B` range, or every address of a prefix. */
export function groupEntryAddresses(e: Extract<GroupEntry, { kind: 'address' }>): string[] {
  const { first, count } = groupEntryRange(e);
  if (count > BigInt(MAX_GROUP_EXPANSION)) throw new Error(`group entry ${e.address} covers more than ${MAX_GROUP_EXPANSION} addresses`);
  const out: string[] = [];
  for (let n = addressToBigInt(first, e.family), i = 0n; i < count; n++, i++) out.push(bigIntToAddress(n, e.family));
  return out;
}

/**
 * The IPVS services one `virtual_server` stands for (a group stands for several). With
 * `autoMark` (nftables_ipvs gave its group a fwmark), a group stands for one fwmark service per
 * family its addresses have, as keepalived's ipvswrapper.c programs it.
 */
export function serviceKeys(vs: VirtualServer, groups: readonly VirtualServerGroup[], autoMark?: number): ServiceKey[] {
  const protocol = PROTOCOL[vs.protocol];
  // A fwmark service's family: ip_family, else its real servers' (keepalived: the first one's), IPv4 by default.
  const markFamily = FAMILY[vs.ipFamily ?? vs.realServers[0]?.family ?? 4];
  switch (vs.key.kind) {
    case 'address':
      return [{ family: FAMILY[vs.key.family], protocol, address: vs.key.address, port: vs.key.port ?? 0 }];
    case 'fwmark':
      return [{ family: markFamily, fwmark: vs.key.mark }];
    case 'group': {
      const group = groupOf(vs, groups);
      if (autoMark !== undefined) {
        const families = new Set((group?.entries ?? []).flatMap((e) => (e.kind === 'address' ? [FAMILY[e.family]] : [])));
        return (['inet', 'inet6'] as const).filter((f) => families.has(f)).map((family) => ({ family, fwmark: autoMark }));
      }
      return (group?.entries ?? []).flatMap((e): ServiceKey[] =>
        e.kind === 'fwmark' ? [{ family: markFamily, fwmark: e.mark }] : groupEntryAddresses(e).map((address) => ({ family: FAMILY[e.family], protocol, address, port: e.port ?? 0 })),
      );
    }
  }
}

function granularity(vs: VirtualServer, family: 'inet' | 'inet6'): number {
  const g = vs.persistenceGranularity;
  if (g === undefined) return family === 'inet' ? 32 : 128;
  if (!g.includes('.')) return Number(g);
  return g.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/** `persistence`: the service's persistence timeout when it is not the virtual server's own (a group's, `servicePersistence`). */
export function serviceFor(vs: VirtualServer, key: ServiceKey, persistence = vs.persistenceTimeout): Service {
  const timeout = persistence ?? 0;
  let flags = vs.schedulerFlags.reduce((f, name) => f | (SCHED_FLAGS[name] ?? 0), 0);
  if (vs.ops) flags |= SVC_F_ONEPACKET;
  if (timeout > 0) flags |= SVC_F_PERSISTENT;
  return {
    key,
    scheduler: vs.lbAlgo,
    flags,
    timeout,
    netmask: granularity(vs, key.family),
    ...(vs.persistenceEngine !== undefined ? { pe: vs.persistenceEngine } : {}),
  };
}

const METHOD: Record<Forwarding['kind'], ForwardMethod> = { NAT: 'masq', DR: 'droute', TUN: 'tunnel' };

/** One destination. Literals, not spreads: this runs for every real server at each start and reload, in code not yet compiled. */
function destination(address: string, family: 4 | 6, port: number, forwarding: Forwarding, weight: number, serviceFamily: 'inet' | 'inet6', upperThreshold = 0, lowerThreshold = 0): Destination {
  const forward = METHOD[forwarding.kind];
  const d: Destination =
    FAMILY[family] !== serviceFamily
      ? { address, port, family: FAMILY[family], forward, weight, upperThreshold, lowerThreshold }
      : { address, port, forward, weight, upperThreshold, lowerThreshold };
  if (forwarding.kind !== 'TUN') return d;
  const t = forwarding.tunnel;
  return { ...d, tunnel: { type: t?.type ?? 'ipip', port: t?.port ?? 0, checksum: t?.checksum ?? 'nocsum' } };
}

/** A real server's health, given the server and its index in its virtual server's `realServers`. */
export type RealHealthOf = (rs: RealServer, index: number) => RealHealth;

/** The weight a live real server carries: misc_dynamic's when given, else the configured one. */
export const liveWeight = (rs: RealServer, h: RealHealth): number => (h.up ? (h.dynamicWeight ?? rs.weight) : 0);

/** keepalived's weigh_live_realservers: the sum of the live servers' weights. */
export function liveWeightSum(vs: VirtualServer, health: RealHealthOf): number {
  let n = 0;
  for (let i = 0; i < vs.realServers.length; i++) n += liveWeight(vs.realServers[i]!, health(vs.realServers[i]!, i));
  return n;
}

/**
 * The next quorum state: lost below `quorum - hysteresis` (or with no live weight at all),
 * regained at `quorum + hysteresis`, unchanged in between.
 */
export function nextQuorum(vs: VirtualServer, up: boolean, weightSum: number): boolean {
  if (up) return !(weightSum === 0 || weightSum < vs.quorum - vs.hysteresis);
  return weightSum >= vs.quorum + vs.hysteresis;
}

/**
 * The services and destinations one virtual server wants. A real server that is up is in with
 * its weight; down, it is out, or in with weight 0 under inhibit_on_failure. With the quorum
 * lost and a sorry server, the sorry server takes the traffic and the live servers leave (or go
 * to weight 0 when inhibited); with the quorum held, the sorry server is out (or at weight 0
 * under sorry_server_inhibit).
 */
export function desiredForVirtualServer(vs: VirtualServer, groups: readonly VirtualServerGroup[], health: RealHealthOf, quorumUp: boolean, autoMark?: number): TableService[] {
  const sorry = vs.sorryServer;
  const sorryActive = !quorumUp && sorry !== undefined;
  const persistence = servicePersistence(vs, groups);
  return serviceKeys(vs, groups, autoMark).map((key) => {
    const servicePort = 'port' in key ? key.port : undefined;
    const portOf = (server: { readonly port?: number }, forwarding: Forwarding): number => realServerPort(server, forwarding, servicePort, vs.key.kind);
    const destinations: Destination[] = [];
    for (let i = 0; i < vs.realServers.length; i++) {
      const rs = vs.realServers[i]!;
      const h = health(rs, i);
      const inhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure;
      const weight = sorryActive ? 0 : liveWeight(rs, h);
      if ((!h.up || sorryActive) && !inhibit) continue;
      const forwarding = rs.forwarding ?? vs.forwarding;
      destinations.push(destination(rs.address, rs.family, portOf(rs, forwarding), forwarding, weight, key.family, rs.uthreshold, rs.lthreshold));
    }
    if (sorry !== undefined && (sorryActive || vs.sorryServerInhibit)) {
      const family = sorry.address.includes(':') ? 6 : 4;
      const forwarding = sorry.forwarding ?? vs.forwarding;
      destinations.push(destination(sorry.address, family, portOf(sorry, forwarding), forwarding, sorryActive ? 1 : 0, key.family));
    }
    return { service: serviceFor(vs, key, persistence), destinations };
  });
}
