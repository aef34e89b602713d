import type { RtNetlinkSocket } from 'netlink';
import { netlinkLib } from './netlink-lib.js';
import { addressToBytes, bytesToAddress, familyOf } from '@tandem/vrrp';
import { NetError, netlinkErrno, wrapNetlinkError } from './errors.js';

/** One interface as rtnetlink reports it. */
export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  readonly mac: Buffer | undefined;
  /** Administratively up and carrier present. */
  readonly up: boolean;
  /** In a link event: the interface was deleted (RTM_DELLINK). */
  readonly deleted?: boolean;
  /** IFLA_MASTER: the index of the device it is enslaved to (a VRF, a bridge, a bond). */
  readonly master?: number;
  /** IFLA_INFO_KIND: what the kernel made it as (`vrf`, `macvlan`, `ipvlan`, `veth`, ...); none for a plain device. */
  readonly kind?: string;
  /** IFLA_VRF_TABLE: a VRF device's routing table. */
  readonly vrfTable?: number;
}

/** The flags of an L2 ipvlan (linux/if_link.h IPVLAN_F_*): bridge is none. */
export type IpvlanMode = 'bridge' | 'private' | 'vepa';

/** An address on an interface. */
export interface InterfaceAddress {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly scope: number;
  readonly label: string | undefined;
}

/** A virtual address as keepalived's `virtual_ipaddress` line describes it. */
export interface AddressSpec {
  readonly address: string;
  readonly prefix: number;
  readonly ifindex: number;
  readonly label?: string;
  /** rtnetlink scope: 0 global, 200 site, 253 link, 254 host. */
  readonly scope?: number;
  readonly broadcast?: string;
  /** `peer ADDR`: the other end of a point-to-point address (IFA_ADDRESS; the prefix is the peer's). */
  readonly peer?: string;
  /** `home`, `mngtmpaddr`, `noprefixroute`, `autojoin` (IFA_F_*). */
  readonly flags?: { readonly home?: boolean; readonly manageTempAddr?: boolean; readonly noPrefixRoute?: boolean; readonly autojoin?: boolean };
  /** keepalived's `-nodad`: IPv6 duplicate address detection runs (tandem's default is nodad, as keepalived's). */
  readonly dad?: boolean;
  /** `preferred_lft N|forever` (seconds): after it the address is deprecated (not chosen as a source). */
  readonly preferredLft?: number | 'forever';
}

const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;

/** A route to add or remove (`ip route` terms; numbers as the kernel wants them). */
export interface RouteSpec {
  readonly type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  readonly destination: string;
  readonly prefix: number;
  readonly via?: string;
  readonly src?: string;
  readonly ifindex?: number;
  /** Table id; main (254) when absent. */
  readonly table?: number;
  readonly metric?: number;
  /** rtnetlink scope; link for a unicast route without gateway, global otherwise, when absent. */
  readonly scope?: number;
  /** Route protocol; 18 (keepalived) when absent, so `ip route` shows who added it. */
  readonly protocol?: number;
  /** The gateway is on the link even if no address says so (RTNH_F_ONLINK). */
  readonly onlink?: boolean;
  /** Paths of a multipath route (RTA_MULTIPATH), instead of via / ifindex. */
  readonly nexthops?: readonly NexthopSpec[];
  /** `from PREFIX` (IPv6 source routing: RTA_SRC). */
  readonly from?: { readonly address: string; readonly prefix: number };
  /** `tos` / `dsfield`. */
  readonly tos?: number;
  /** RTAX_* metrics (`mtu`, `advmss`, `hoplimit`, `initcwnd`, ...), in the kernel's units. */
  readonly metrics?: Readonly<Partial<Record<RouteMetric, number>>>;
  /** `lock`ed metrics (and the congestion control). */
  readonly locked?: readonly (RouteMetric | 'congctl')[];
  /** `congctl NAME`. */
  readonly congctl?: string;
  /** `features ecn`. */
  readonly ecn?: boolean;
  /** `pref low|medium|high` (IPv6 router preference). */
  readonly pref?: 'low' | 'medium' | 'high';
  /** `realms`: the route's realm (RTA_FLOW). */
  readonly realms?: number;
  /** `expires` (seconds; IPv6). */
  readonly expires?: number;
}

/** The route metrics (linux/rtnetlink.h RTAX_*) tandem sets, by their `ip route` names. */
export const ROUTE_METRICS = { mtu: 2, window: 3, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10, initcwnd: 11, rto_min: 13, initrwnd: 14, quickack: 15, fastopen_no_cookie: 17 } as const;
export type RouteMetric = keyof typeof ROUTE_METRICS;

/** RTA_METRICS' nested attributes (netlink's RouteMetrics: each a u32, the congestion control a string). */
function routeMetrics(r: RouteSpec): Record<string, Buffer> | undefined {
  const out: Record<string, Buffer> = {};
  const names: Record<RouteMetric, string> = { mtu: 'mtu', window: 'window', rtt: 'rtt', rttvar: 'rttvar', ssthresh: 'ssthresh', cwnd: 'cwnd', advmss: 'advmss', reordering: 'reordering', hoplimit: 'hoplimit', initcwnd: 'initcwnd', rto_min: 'rtoMin', initrwnd: 'initrwnd', quickack: 'quickack', fastopen_no_cookie: 'fastopenNoCookie' };
  for (const [k, v] of Object.entries(r.metrics ?? {}) as Array<[RouteMetric, number]>) out[names[k]] = u32(v);
  // RTAX_CC_ALGO is 16.
  if (r.locked !== undefined && r.locked.length > 0) out['lock'] = u32(r.locked.reduce((m, k) => m | (1 << (k === 'congctl' ? 16 : ROUTE_METRICS[k])), 0));
  if (r.ecn === true) out['features'] = u32(1);
  if (r.congctl !== undefined) out['ccAlgo'] = Buffer.from(`${r.congctl}\0`);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One path of a multipath route. */
export interface NexthopSpec {
  readonly via?: string;
  readonly ifindex?: number;
  /** 1-256. */
  readonly weight?: number;
  readonly onlink?: boolean;
}

const RTNH_F_ONLINK = 4;
const RTA_GATEWAY = 5;

/** RTA_MULTIPATH's payload: one struct rtnexthop (len, flags, hops = weight - 1, ifindex) per path, each with its RTA_GATEWAY. */
export function multipathAttribute(hops: readonly NexthopSpec[]): Buffer {
  const parts = hops.map((h) => {
    const gw = h.via !== undefined ? addressToBytes(h.via) : undefined;
    const rta = gw !== undefined ? 4 + gw.length : 0;
    const b = Buffer.alloc(8 + ((rta + 3) & ~3));
    b.writeUInt16LE(b.length, 0);
    b[2] = h.onlink === true ? RTNH_F_ONLINK : 0;
    b[3] = (h.weight ?? 1) - 1;
    b.writeInt32LE(h.ifindex ?? 0, 4);
    if (gw !== undefined) {
      b.writeUInt16LE(rta, 8);
      b.writeUInt16LE(RTA_GATEWAY, 10);
      gw.copy(b, 12);
    }
    return b;
  });
  return Buffer.concat(parts);
}

/** A policy-routing rule to add or remove (`ip rule` terms). */
export interface RuleSpec {
  readonly family: 4 | 6;
  readonly from?: { readonly address: string; readonly prefix: number };
  readonly to?: { readonly address: string; readonly prefix: number };
  /** The table of a lookup rule (0 for the other actions). */
  readonly table: number;
  readonly preference?: number;
  readonly iif?: string;
  readonly oif?: string;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly invert: boolean;
  /** What a match does (FR_ACT_*): lookup (the default), goto a preference, nop, or a blackhole / unreachable / prohibit. */
  readonly action?: 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  /** `goto N`: the preference to continue at. */
  readonly goto?: number;
  readonly tos?: number;
  /** `suppress_prefixlength N`: a lookup result with a prefix this short or shorter is ignored. */
  readonly suppressPrefixlength?: number;
  readonly suppressIfgroup?: number;
  readonly uidRange?: readonly [number, number];
  /** `l3mdev`: the table is the VRF's of the packet's device. */
  readonly l3mdev?: boolean;
  /** `protocol`: who added the rule (FRA_PROTOCOL). */
  readonly protocol?: number;
  readonly ipProto?: number;
  readonly sport?: readonly [number, number];
  readonly dport?: readonly [number, number];
  readonly realms?: number;
}

/** linux/fib_rules.h FR_ACT_*. */
const RULE_ACTIONS = { lookup: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

/** One rtattr: header, payload, padding to 4 bytes. */
function rtattr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc((4 + payload.length + 3) & ~3);
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;

const IFLA_IPVLAN_MODE = 1;
const IFLA_IPVLAN_FLAGS = 2;
const IPVLAN_MODE_L2 = 0;
const IPVLAN_FLAGS: Readonly<Record<IpvlanMode, number>> = { bridge: 0, private: 1, vepa: 2 };

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/** IFLA_LINKINFO for an L2 ipvlan, as keepalived's netlink_link_add_ipvlan: kind "ipvlan", data { mode l2, flags }. */
export function ipvlanLinkInfo(mode: IpvlanMode): Buffer {
  const data = Buffer.concat([rtattr(IFLA_IPVLAN_MODE, u16(IPVLAN_MODE_L2)), rtattr(IFLA_IPVLAN_FLAGS, u16(IPVLAN_FLAGS[mode]))]);
  return Buffer.concat([rtattr(IFLA_INFO_KIND, Buffer.from('ipvlan\0')), rtattr(IFLA_INFO_DATA, data)]);
}

function withKind(kind: string | undefined): { kind?: string } {
  return kind === undefined ? {} : { kind };
}

function withVrfTable(table: number | undefined): { vrfTable?: number } {
  return table === undefined ? {} : { vrfTable: table };
}

/** The payload of the first attribute of `type` among the rtattrs in `attrs`; undefined if none (or a malformed one comes first). */
function attribute(attrs: Buffer | undefined, type: number): Buffer | undefined {
  for (let o = 0; attrs !== undefined && o + 4 <= attrs.length; ) {
    const len = attrs.readUInt16LE(o);
    if (len < 4 || o + len > attrs.length) return undefined;
    if ((attrs.readUInt16LE(o + 2) & 0x3fff) === type) return attrs.subarray(o + 4, o + len);
    o += (len + 3) & ~3;
  }
  return undefined;
}

/** IFLA_INFO_KIND out of an IFLA_LINKINFO attribute (with or without its terminating zero). */
export function linkKind(linkinfo: Buffer | undefined): string | undefined {
  return attribute(linkinfo, IFLA_INFO_KIND)?.toString().replace(/\0+$/, '');
}

const IFLA_VRF_TABLE = 1;

/** A VRF device's table out of its IFLA_LINKINFO (IFLA_INFO_DATA's IFLA_VRF_TABLE); undefined for any other device. */
export function vrfTable(linkinfo: Buffer | undefined): number | undefined {
  if (linkKind(linkinfo) !== 'vrf') return undefined;
  const t = attribute(attribute(linkinfo, IFLA_INFO_DATA), IFLA_VRF_TABLE);
  return t !== undefined && t.length >= 4 ? t.readUInt32LE(0) : undefined;
}

/** IFLA_LINKINFO for a private-mode macvlan: kind "macvlan", data { mode private }. */
function macvlanLinkInfo(): Buffer {
  return Buffer.concat([rtattr(IFLA_INFO_KIND, Buffer.from('macvlan\0')), rtattr(IFLA_INFO_DATA, rtattr(IFLA_MACVLAN_MODE, u32(MACVLAN_MODE_PRIVATE)))]);
}

const ROUTE_TYPES = { unicast: 1, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9 } as const;
const RTPROT_KEEPALIVED = 18;

/**
 * Runs one rtnetlink change where the kernel saying it is already done (EEXIST on an add,
 * ENOENT-like on a delete) counts as success; any other refusal becomes a NetError.
 */
async function idempotent(what: string, done: readonly string[], op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    const errno = netlinkErrno(err);
    if (errno !== undefined && done.includes(errno)) return;
    throw wrapNetlinkError(what, err);
  }
}

/** The scope numbers of `ip addr ... scope NAME`. */
export const scopeNames: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** linux/rtnetlink.h: the message types of a new (or changed) and a deleted interface. */
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
/** The same for an address added (or changed) and removed. */
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;

/** An address added to or removed from an interface (RTM_NEWADDR / RTM_DELADDR). */
export interface AddressEvent {
  readonly address: string;
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly added: boolean;
}

/** rtnetlink over the `netlink` package: interfaces, addresses, and link-state events. */
export class Rtnl {
  private opened: RtNetlinkSocket | undefined;
  private watcher: RtNetlinkSocket | undefined;

  /**
   * Opened at the first request, in the namespace the process is in then: a daemon makes one
   * at start whether or not the file has addresses to set, and a director that only balances
   * should not pay for loading `netlink` (seconds on a slow CPU).
   */
  private get socket(): RtNetlinkSocket {
    return (this.opened ??= netlinkLib().createRtNetlink());
  }

  async links(): Promise<LinkInfo[]> {
    try {
      const links = await this.socket.getLinks();
      return links.map((l) => ({
        name: l.attrs.ifname ?? '',
        index: l.data.index ?? 0,
        mac: l.attrs.address,
        up: Boolean(l.data.flags?.up) && Boolean(l.data.flags?.lowerUp),
        ...(l.attrs.master !== undefined && l.attrs.master !== 0 ? { master: l.attrs.master } : {}),
        ...withKind(linkKind(l.attrs.linkinfo)),
        ...withVrfTable(vrfTable(l.attrs.linkinfo)),
      }));
    } catch (err) {
      throw wrapNetlinkError('getLinks', err);
    }
  }

  async link(name: string): Promise<LinkInfo> {
    const found = (await this.links()).find((l) => l.name === name);
    if (found === undefined) throw new NetError('NET_ERR_NO_INTERFACE', 'link', `no interface named ${name}`);
    return found;
  }

  /** The addresses of one interface. */
  async addresses(ifindex: number): Promise<InterfaceAddress[]> {
    return (await this.allAddresses()).filter((a) => a.ifindex === ifindex).map(({ ifindex: _, ...a }) => a);
  }

  /** Every address of every interface, with its interface's index. */
  async allAddresses(): Promise<Array<InterfaceAddress & { readonly ifindex: number }>> {
    try {
      const all = await this.socket.getAddresses();
      return all
        .map((a) => {
          const raw = a.attrs.local ?? a.attrs.address;
          const family: 4 | 6 = a.data.family === 10 ? 6 : 4;
          return {
            address: raw === undefined ? '' : bytesToAddress(raw),
            prefix: a.data.prefixlen ?? 0,
            family,
            scope: a.data.scope ?? 0,
            label: a.attrs.label,
            ifindex: a.data.index ?? 0,
          };
        })
        .filter((a) => a.address !== '');
    } catch (err) {
      throw wrapNetlinkError('getAddresses', err);
    }
  }

  /** Adds an address; one that is already there counts as added. */
  async addAddress(spec: AddressSpec): Promise<void> {
    const { data, attrs } = this.message(spec, true);
    await idempotent(`add ${spec.address}/${spec.prefix}`, ['EEXIST'], () => this.socket.newAddress(data, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL }));
  }

  /** Removes an address; one that is already gone counts as removed. */
  async removeAddress(spec: AddressSpec): Promise<void> {
    const { data, attrs } = this.message(spec, false);
    await idempotent(`delete ${spec.address}/${spec.prefix}`, ['EADDRNOTAVAIL', 'ENODEV'], () => this.socket.delAddress(data, attrs));
  }

  /**
   * Creates a macvlan interface in private mode on `parentIndex` with `mac`, up, enslaved
   * to `master` when given (the parent's VRF), and returns it. One left behind with the
   * same name (a crash) is replaced.
   */
  async addMacvlan(name: string, parentIndex: number, mac: Buffer, up = true, master?: number): Promise<LinkInfo> {
    return this.addVlanLink('macvlan', name, { ifname: name, address: mac, link: u32(parentIndex), linkinfo: macvlanLinkInfo(), ...(master !== undefined ? { master } : {}) }, up);
  }

  /**
   * Creates an L2 ipvlan interface with `mode`'s flags on `parentIndex`, up, enslaved to
   * `master` when given, and returns it. One left behind with the same name is replaced.
   */
  async addIpvlan(name: string, parentIndex: number, mode: IpvlanMode, master?: number): Promise<LinkInfo> {
    return this.addVlanLink('ipvlan', name, { ifname: name, link: u32(parentIndex), linkinfo: ipvlanLinkInfo(mode), ...(master !== undefined ? { master } : {}) }, true);
  }

  private async addVlanLink(kind: string, name: string, attrs: { ifname: string; address?: Buffer; link: Buffer; linkinfo: Buffer; master?: number }, up: boolean): Promise<LinkInfo> {
    const create = (): Promise<unknown> => this.socket.newLink(up ? { flags: { up: true }, change: { up: true } } : {}, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL });
    try {
      await create();
    } catch (err) {
      if (netlinkErrno(err) !== 'EEXIST') throw wrapNetlinkError(`create ${kind} ${name}`, err);
      await this.removeLink(name);
      await idempotent(`create ${kind} ${name}`, [], create);
    }
    return this.link(name);
  }

  /** Brings an interface up. */
  async setLinkUp(index: number): Promise<void> {
    try {
      await this.socket.setLink({ index, flags: { up: true }, change: { up: true } });
    } catch (err) {
      throw wrapNetlinkError(`set interface ${index} up`, err);
    }
  }

  /** Deletes an interface by name; one that is already gone counts as deleted. */
  async removeLink(name: string): Promise<void> {
    await idempotent(`delete interface ${name}`, ['ENODEV'], () => this.socket.delLink({}, { ifname: name }));
  }

  private routeMessage(r: RouteSpec) {
    const family = familyOf(r.destination);
    if (family === undefined) throw new NetError('NET_ERR_NO_ADDRESS', 'route', `not an IP address: ${r.destination}`);
    const table = r.table ?? 254;
    const data = {
      family: family === 4 ? 2 : 10,
      dstLen: r.prefix,
      table: table < 256 ? table : 252,
      protocol: r.protocol ?? RTPROT_KEEPALIVED,
      scope: r.scope ?? (r.type === 'unicast' && r.via === undefined && r.nexthops === undefined ? 253 : 0),
      type: ROUTE_TYPES[r.type],
      ...(r.onlink === true ? { flags: { __unknown: RTNH_F_ONLINK } } : {}),
      ...(r.from !== undefined ? { srcLen: r.from.prefix } : {}),
      ...(r.tos !== undefined ? { tos: r.tos } : {}),
    };
    const metrics = routeMetrics(r);
    const attrs = {
      ...(r.from !== undefined ? { src: addressToBytes(r.from.address) } : {}),
      ...(metrics !== undefined ? { metrics } : {}),
      // linux/icmpv6.h ICMPV6_ROUTER_PREF_LOW 3, MEDIUM 0, HIGH 1.
      ...(r.pref !== undefined ? { pref: Buffer.from([{ low: 3, medium: 0, high: 1 }[r.pref]]) } : {}),
      ...(r.realms !== undefined ? { flow: r.realms } : {}),
      ...(r.expires !== undefined ? { expires: u32(r.expires) } : {}),
      ...(r.prefix > 0 ? { dst: addressToBytes(r.destination) } : {}),
      ...(r.via !== undefined ? { gateway: addressToBytes(r.via) } : {}),
      ...(r.src !== undefined ? { prefsrc: addressToBytes(r.src) } : {}),
      ...(r.ifindex !== undefined ? { oif: r.ifindex } : {}),
      ...(r.metric !== undefined ? { priority: r.metric } : {}),
      ...(r.nexthops !== undefined ? { multipath: multipathAttribute(r.nexthops) } : {}),
      table,
    };
    const paths = (r.nexthops ?? []).map((h) => ` nexthop${h.via !== undefined ? ` via ${h.via}` : ''}${h.weight !== undefined ? ` weight ${h.weight}` : ''}`).join('');
    return { data, attrs, what: `route ${r.type === 'unicast' ? '' : `${r.type} `}${r.destination}/${r.prefix}${r.via !== undefined ? ` via ${r.via}` : ''}${paths} table ${table}` };
  }

  /** Adds a route; one that already exists counts as added. */
  async addRoute(r: RouteSpec): Promise<void> {
    const { data, attrs, what } = this.routeMessage(r);
    await idempotent(`add ${what}`, ['EEXIST'], () => this.socket.newRoute(data, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL }));
  }

  /** Removes a route; one that is already gone counts as removed. */
  async removeRoute(r: RouteSpec): Promise<void> {
    const { data, attrs, what } = this.routeMessage(r);
    await idempotent(`delete ${what}`, ['ESRCH', 'ENODEV'], () => this.socket.delRoute(data, attrs));
  }

  private ruleMessage(r: RuleSpec) {
    const data = {
      family: r.family === 4 ? 2 : 10,
      srcLen: r.from?.prefix ?? 0,
      dstLen: r.to?.prefix ?? 0,
      table: r.table < 256 ? r.table : 252,
      action: RULE_ACTIONS[r.action ?? 'lookup'],
      ...(r.tos !== undefined ? { tos: r.tos } : {}),
      ...(r.invert ? { flags: { invert: true as const } } : {}),
    };
    const attrs = {
      ...(r.from !== undefined ? { src: addressToBytes(r.from.address) } : {}),
      ...(r.to !== undefined ? { dst: addressToBytes(r.to.address) } : {}),
      ...(r.preference !== undefined ? { priority: r.preference } : {}),
      ...(r.iif !== undefined ? { iifname: r.iif } : {}),
      ...(r.oif !== undefined ? { oifname: r.oif } : {}),
      ...(r.fwmark !== undefined ? { fwmark: r.fwmark } : {}),
      ...(r.fwmask !== undefined ? { fwmask: r.fwmask } : {}),
      ...(r.goto !== undefined ? { goto: r.goto } : {}),
      ...(r.suppressPrefixlength !== undefined ? { suppressPrefixlen: u32(r.suppressPrefixlength) } : {}),
      ...(r.suppressIfgroup !== undefined ? { suppressIfgroup: u32(r.suppressIfgroup) } : {}),
      ...(r.uidRange !== undefined ? { uidRange: { start: r.uidRange[0], end: r.uidRange[1] } } : {}),
      ...(r.l3mdev === true ? { l3Mdev: 1 } : {}),
      ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
      ...(r.ipProto !== undefined ? { ipProto: r.ipProto } : {}),
      ...(r.sport !== undefined ? { sportRange: { start: r.sport[0], end: r.sport[1] } } : {}),
      ...(r.dport !== undefined ? { dportRange: { start: r.dport[0], end: r.dport[1] } } : {}),
      ...(r.realms !== undefined ? { flow: r.realms } : {}),
      ...(r.table !== 0 ? { table: r.table } : {}),
    };
    const where = [r.from !== undefined ? `from ${r.from.address}/${r.from.prefix}` : '', r.to !== undefined ? `to ${r.to.address}/${r.to.prefix}` : ''].filter((x) => x !== '').join(' ');
    return { data, attrs, what: `rule ${where || 'all'} table ${r.table}` };
  }

  /** Adds a rule; one that already exists counts as added. */
  async addRule(r: RuleSpec): Promise<void> {
    const { data, attrs, what } = this.ruleMessage(r);
    await idempotent(`add ${what}`, ['EEXIST'], () => this.socket.newRule(data, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL }));
  }

  /** Removes a rule; one that is already gone counts as removed. */
  async removeRule(r: RuleSpec): Promise<void> {
    const { data, attrs, what } = this.ruleMessage(r);
    await idempotent(`delete ${what}`, ['ENOENT', 'ESRCH'], () => this.socket.delRule(data, attrs));
  }

  /** Calls `onChange` for every link event (RTNLGRP_LINK) until close(). */
  watchLinks(onChange: (link: LinkInfo) => void): void {
    if (this.watcher === undefined) {
      this.watcher = netlinkLib().createRtNetlink({ ref: false } as never);
      this.watcher.addMembership('LINK');
    }
    // The raw messages, for their type: a deleted interface (RTM_DELLINK) comes as a link message too.
    this.watcher.socket.on('message', (msgs) => {
      for (const raw of msgs) {
        if (raw.type !== RTM_NEWLINK && raw.type !== RTM_DELLINK) continue;
        const m = netlinkLib().rt.parseLinkMessage(raw.data);
        const deleted = raw.type === RTM_DELLINK;
        onChange({
          name: m.attrs.ifname ?? '',
          index: m.data.index ?? 0,
          mac: m.attrs.address,
          up: !deleted && Boolean(m.data.flags?.up) && Boolean(m.data.flags?.lowerUp),
          ...(deleted ? { deleted: true } : {}),
        });
      }
    });
  }

  /** Calls `onChange` for every address added to or removed from any interface. */
  watchAddresses(onChange: (e: AddressEvent) => void): void {
    if (this.watcher === undefined) this.watcher = netlinkLib().createRtNetlink({ ref: false } as never);
    this.watcher.addMembership('IPV4_IFADDR');
    this.watcher.addMembership('IPV6_IFADDR');
    this.watcher.socket.on('message', (msgs) => {
      for (const raw of msgs) {
        if (raw.type !== RTM_NEWADDR && raw.type !== RTM_DELADDR) continue;
        const m = netlinkLib().rt.parseAddressMessage(raw.data);
        const bytes = m.attrs.local ?? m.attrs.address;
        if (bytes === undefined) continue;
        onChange({ address: bytesToAddress(bytes), ifindex: m.data.index ?? 0, family: m.data.family === 10 ? 6 : 4, added: raw.type === RTM_NEWADDR });
      }
    });
  }

  close(): void {
    this.opened?.socket.close();
    this.watcher?.socket.close();
  }

  private message(spec: AddressSpec, adding: boolean) {
    const family = familyOf(spec.address);
    if (family === undefined) throw new NetError('NET_ERR_NO_ADDRESS', 'address', `not an IP address: ${spec.address}`);
    const bytes = addressToBytes(spec.address);
    const data = { family: family === 4 ? 2 : 10, prefixlen: spec.prefix, index: spec.ifindex, scope: spec.scope ?? 0 };
    const attrs: Record<string, unknown> = { local: bytes, address: spec.peer !== undefined ? addressToBytes(spec.peer) : bytes };
    if (adding && spec.label !== undefined) attrs['label'] = spec.label;
    if (adding && spec.broadcast !== undefined) attrs['broadcast'] = addressToBytes(spec.broadcast);
    if (adding) {
      const f = spec.flags ?? {};
      const flags = {
        ...(family === 6 && spec.dad !== true ? { nodad: true as const } : {}),
        ...(f.home === true ? { homeaddress: true as const } : {}),
        ...(f.manageTempAddr === true ? { managetempaddr: true as const } : {}),
        ...(f.noPrefixRoute === true ? { noprefixroute: true as const } : {}),
        ...(f.autojoin === true ? { mcautojoin: true as const } : {}),
      };
      if (Object.keys(flags).length > 0) attrs['flags'] = flags;
      // IFA_CACHEINFO: preferred lifetime, valid forever (as ip address add ... preferred_lft N).
      if (spec.preferredLft !== undefined) attrs['cacheInfo'] = { ifaPrefered: spec.preferredLft === 'forever' ? 0xffffffff : spec.preferredLft, ifaValid: 0xffffffff, cstamp: 0, tstamp: 0 };
    }
    return { data, attrs };
  }
}

/**
 * The address, route and rule changes of rtnetlink, as a seam: VRRP transports and the static
 * network take one, so the daemon can hand them an Rtnl that also records what it changed.
 */
export type NetworkChanger = Pick<Rtnl, 'addAddress' | 'removeAddress' | 'addRoute' | 'removeRoute' | 'addRule' | 'removeRule'>;
