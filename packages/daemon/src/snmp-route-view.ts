import type { Nexthop, RouteSpec, RuleSpec, VirtualAddress } from '@tandem/config';
import { addressToBytes } from '@tandem/vrrp';
import type { SnmpType, Varbind } from './snmp-view.js';

// KEEPALIVED-MIB's vrrpRouteTable (vrrp 7), vrrpRuleTable (vrrp 8), vrrpRouteNextHopTable
// (vrrp 11) and the static rows of vrrpAddressTable (vrrp 6), as keepalived 2.2.7's
// vrrp_snmp.c fills them: row (0, n) is the n-th static_ipaddress / static_routes /
// static_rules entry, row (i, n) the n-th of instance i's virtual_routes / virtual_rules
// (vrrp_header_ar_table). Pure; snmp-view.ts adds the rows to the view.

/** The routes, rules and addresses of one owner: the static ones (instance 0) or an instance's. */
export interface RoutedOwner {
  /** 0 for static_*, the instance's row in vrrpInstanceTable otherwise. */
  readonly index: number;
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
  /** Whether keepalived has them in the kernel: always for static ones, a MASTER's for virtual ones. */
  readonly set: boolean;
}

/** An interface's index by name (0 when it does not exist, as keepalived's ifp would be missing). */
type IfIndex = (name: string) => number;
/** A VRF device's routing table by name (undefined when there is no such VRF). */
type VrfTable = (name: string) => number | undefined;

const truth = (b: boolean): number => (b ? 1 : 2);
const inetType = (family: 4 | 6): number => (family === 4 ? 1 : 2);
/** keepalived's snmp_scope: the kernel's scope as KEEPALIVED-MIB's scope numbers. */
const SCOPE: Readonly<Record<string, number>> = { host: 1, link: 2, site: 5, global: 14, nowhere: 0 };
/** vrrpRouteType: unicast(1), multipath(2), blackhole(3), ..., unreachable(7), prohibit(8), throw(9). */
const ROUTE_TYPE: Readonly<Record<RouteSpec['type'], number>> = { unicast: 1, blackhole: 3, unreachable: 7, prohibit: 8, throw: 9 };
/** The kernel's FR_ACT_* numbers, which vrrpRuleAction serves as they are. */
const RULE_ACTION: Readonly<Record<NonNullable<RuleSpec['action']>, number>> = { lookup: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };

/** The rows static_ipaddress adds to vrrpAddressTable: index (0, n), never advertised. */
export function staticAddressRows(addresses: readonly VirtualAddress[], ifIndex: IfIndex, defaultInterface: string): Varbind[] {
  const out: Varbind[] = [];
  addresses.forEach((v, n) => out.push(...addressRow(v, [0, n + 1], v.dev ?? defaultInterface, ifIndex, true, false)));
  return out;
}

/** One row of vrrpAddressTable (vrrp 6) at `index`. */
export function addressRow(v: VirtualAddress, index: readonly number[], dev: string, ifIndex: IfIndex, set: boolean, advertised: boolean): Varbind[] {
  const out: Varbind[] = [];
  const a = (m: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [6, 1, m, ...index], type, value });
  a(2, 'Integer', inetType(v.family));
  a(3, 'OctetString', addressToBytes(v.address));
  if (v.family === 4) a(4, 'OctetString', v.broadcast !== undefined ? addressToBytes(v.broadcast) : Buffer.alloc(4));
  a(5, 'Gauge32', v.prefix);
  a(6, 'Integer', SCOPE[v.scope ?? 'global'] ?? 14);
  a(7, 'Integer', ifIndex(dev));
  a(8, 'OctetString', dev);
  if (v.label !== undefined) a(9, 'OctetString', v.label);
  a(10, 'Integer', truth(set));
  a(11, 'Integer', truth(advertised));
  if (v.peer !== undefined) a(12, 'OctetString', addressToBytes(v.peer.split('/')[0]!));
  return out;
}

/** vrrpRouteTable's row for one route (keepalived's vrrp_snmp_route). */
function routeRow(r: RouteSpec, index: readonly number[], set: boolean, ifIndex: IfIndex, vrfTable: VrfTable): Varbind[] {
  const out: Varbind[] = [];
  const c = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [7, 1, n, ...index], type, value });
  const m = r.metrics ?? {};
  const locked = (name: string): number => truth((r.locked ?? []).includes(name));
  const multipath = (r.nexthops?.length ?? 0) > 0;
  c(2, 'Integer', inetType(r.family));
  c(3, 'OctetString', addressToBytes(r.destination));
  c(4, 'Gauge32', r.prefix);
  if (r.via !== undefined) c(5, 'OctetString', addressToBytes(r.via));
  // A second gateway only when the route has exactly one further next hop (keepalived's gw2).
  const only = r.nexthops?.length === 1 ? r.nexthops[0]!.via : undefined;
  if (only !== undefined) c(6, 'OctetString', addressToBytes(only));
  if (r.src !== undefined) c(7, 'OctetString', addressToBytes(r.src));
  c(8, 'Gauge32', r.metric ?? 0);
  c(9, 'Integer', SCOPE[r.scope ?? 'global'] ?? 14);
  c(10, 'Integer', multipath ? 2 : ROUTE_TYPE[r.type]);
  if (r.dev !== undefined) {
    c(11, 'Integer', ifIndex(r.dev));
    c(12, 'OctetString', r.dev);
  }
  // `vrf NAME` puts the route in the VRF's table, which keepalived reads from the device at load.
  c(13, 'Gauge32', r.table ?? (r.vrf !== undefined ? vrfTable(r.vrf) : undefined) ?? 254);
  c(14, 'Integer', truth(set));
  if (r.from !== undefined) {
    c(15, 'OctetString', addressToBytes(r.from.address));
    c(16, 'Gauge32', r.from.prefix);
  }
  if (r.tos !== undefined) c(17, 'Gauge32', r.tos);
  // keepalived marks its routes proto keepalived (18) unless told otherwise; the MIB's numbers start at 1.
  c(18, 'Integer', (r.protocol ?? 18) + 1);
  c(19, 'Integer', truth(r.ecn === true));
  c(20, 'Integer', truth(m['quickack'] !== undefined));
  if (r.expires !== undefined) c(21, 'Integer', r.expires);
  const metric = (col: number, name: string, scale = 1): void => {
    if (m[name] === undefined) return;
    c(col, 'Gauge32', Math.floor(m[name] / scale));
    c(col + 1, 'Integer', locked(name));
  };
  metric(22, 'mtu');
  if (m['hoplimit'] !== undefined) {
    c(24, 'Gauge32', m['hoplimit']);
    // keepalived 2.2.7 serves vrrpRouteAdvmss when hoplimit is set (it tests the wrong bit).
    c(25, 'Gauge32', m['advmss'] ?? 0);
  }
  if (m['advmss'] !== undefined) c(26, 'Integer', locked('advmss'));
  metric(27, 'rtt', 8);
  metric(29, 'rttvar', 4);
  metric(31, 'reordering');
  if (m['window'] !== undefined) c(33, 'Gauge32', m['window']);
  metric(34, 'cwnd');
  metric(36, 'ssthresh');
  metric(38, 'rto_min');
  if (m['initcwnd'] !== undefined) c(40, 'Gauge32', m['initcwnd']);
  if (m['initrwnd'] !== undefined) c(41, 'Gauge32', m['initrwnd']);
  if (r.congctl !== undefined) c(42, 'OctetString', r.congctl);
  if (r.pref !== undefined) c(43, 'Integer', { low: 1, medium: 2, high: 3 }[r.pref]);
  if ((r.realms ?? 0) !== 0) c(44, 'Gauge32', r.realms! & 0xffff);
  if (((r.realms ?? 0) & 0xffff0000) !== 0) c(45, 'Gauge32', r.realms! >>> 16);
  if (m['fastopen_no_cookie'] !== undefined) c(55, 'Integer', truth(m['fastopen_no_cookie'] !== 0));
  return out;
}

/** vrrpRouteNextHopTable's row for one next hop (keepalived's vrrp_snmp_next_hop). */
function nexthopRow(h: Nexthop, index: readonly number[], ifIndex: IfIndex): Varbind[] {
  const out: Varbind[] = [];
  const c = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [11, 1, n, ...index], type, value });
  if (h.via !== undefined) {
    c(2, 'Integer', inetType(h.via.includes(':') ? 6 : 4));
    c(3, 'OctetString', addressToBytes(h.via));
  }
  if (h.dev !== undefined) {
    c(4, 'Integer', ifIndex(h.dev));
    c(5, 'OctetString', h.dev);
  }
  if (h.weight !== undefined) c(6, 'Gauge32', h.weight);
  c(7, 'Integer', truth(h.onlink));
  return out;
}

/** vrrpRuleTable's row for one rule (keepalived's vrrp_snmp_rule). */
function ruleRow(r: RuleSpec, index: readonly number[], set: boolean): Varbind[] {
  const out: Varbind[] = [];
  const c = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [8, 1, n, ...index], type, value });
  const action = r.action ?? 'lookup';
  const table = action === 'lookup' ? r.table : undefined;
  c(2, 'OctetString', r.to !== undefined ? (r.from !== undefined ? 'both' : 'to') : r.from !== undefined ? 'from' : '');
  const either = r.to ?? r.from;
  if (either !== undefined) {
    c(3, 'Integer', inetType(r.family));
    c(4, 'OctetString', addressToBytes(either.address));
    c(5, 'Gauge32', either.prefix);
  }
  if (table !== undefined) c(6, 'Gauge32', table);
  c(7, 'Integer', truth(set));
  c(8, 'Integer', truth(r.invert));
  for (const [first, a] of [[9, r.to], [12, r.from]] as const) {
    if (a === undefined) continue;
    c(first, 'Integer', inetType(r.family));
    c(first + 1, 'OctetString', addressToBytes(a.address));
    c(first + 2, 'Gauge32', a.prefix);
  }
  c(15, 'Gauge32', r.tos ?? 0);
  if (r.fwmark !== undefined) c(16, 'Gauge32', r.fwmark);
  if (r.fwmask !== undefined) c(17, 'Gauge32', r.fwmask);
  if ((r.realms ?? 0) !== 0) c(18, 'Gauge32', r.realms! & 0xffff);
  if (((r.realms ?? 0) & 0xffff0000) !== 0) c(19, 'Gauge32', r.realms! >>> 16);
  if (r.iif !== undefined) c(20, 'OctetString', r.iif);
  if (r.oif !== undefined) c(21, 'OctetString', r.oif);
  if (action === 'goto' && r.goto !== undefined) c(22, 'Gauge32', r.goto);
  c(23, 'Integer', RULE_ACTION[action]);
  if (table !== undefined) c(24, 'Gauge32', table);
  if ((r.preference ?? 0) !== 0) c(25, 'Gauge32', r.preference!);
  if (r.suppressPrefixlength !== undefined) c(26, 'Gauge32', r.suppressPrefixlength);
  if (r.uidRange !== undefined) {
    c(30, 'Gauge32', r.uidRange[0]);
    c(31, 'Gauge32', r.uidRange[1]);
  }
  if (r.l3mdev === true) c(32, 'Integer', 1);
  return out;
}

/** Every row of vrrpRouteTable, vrrpRuleTable and vrrpRouteNextHopTable, OIDs relative to `vrrp` (KEEPALIVED-MIB 2). */
export function routeView(owners: readonly RoutedOwner[], ifIndex: IfIndex, vrfTable: VrfTable): Varbind[] {
  const out: Varbind[] = [];
  for (const o of owners) {
    o.routes.forEach((r, n) => {
      out.push(...routeRow(r, [o.index, n + 1], o.set, ifIndex, vrfTable));
      (r.nexthops ?? []).forEach((h, k) => out.push(...nexthopRow(h, [o.index, n + 1, k + 1], ifIndex)));
    });
    o.rules.forEach((r, n) => out.push(...ruleRow(r, [o.index, n + 1], o.set)));
  }
  return out;
}
