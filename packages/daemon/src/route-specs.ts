import type { RouteSpec as ConfigRoute, RuleSpec as ConfigRule, VirtualAddress } from '@tandem/config';
import { scopeNames, type AddressSpec, type LinkInfo, type RouteSpec, type RuleSpec } from '@tandem/net';

/** keepalived's interface for static addresses and routes that name none (its `default_interface`). */
export const DEFAULT_INTERFACE = 'eth0';

/** An interface's index by name; throws when there is no such interface. */
export type IfindexOf = (name: string) => number;

/** A configured address (static or virtual) as net's AddressSpec. */
export function addressSpec(v: VirtualAddress, ifindexOf: IfindexOf, defaultDev: string): AddressSpec {
  return {
    address: v.address,
    prefix: v.prefix,
    ifindex: ifindexOf(v.dev ?? defaultDev),
    ...(v.label !== undefined ? { label: v.label } : {}),
    ...(v.scope !== undefined ? { scope: scopeNames[v.scope]! } : {}),
    ...(v.broadcast !== undefined ? { broadcast: v.broadcast } : {}),
    ...(v.peer !== undefined ? { peer: v.peer } : {}),
    ...(v.home === true || v.manageTempAddr === true || v.noPrefixRoute === true || v.autojoin === true
      ? { flags: { home: v.home === true, manageTempAddr: v.manageTempAddr === true, noPrefixRoute: v.noPrefixRoute === true, autojoin: v.autojoin === true } }
      : {}),
    ...(v.dad === true ? { dad: true } : {}),
    ...(v.preferredLft !== undefined ? { preferredLft: v.preferredLft } : {}),
  };
}

/** A configured route as net's RouteSpec (interfaces resolved to indexes); `table`: its own, or its VRF's. */
function routeSpec(r: ConfigRoute, ifindexOf: IfindexOf, table: number | undefined): RouteSpec {
  return {
    type: r.type,
    destination: r.destination,
    prefix: r.prefix,
    ...(r.via !== undefined ? { via: r.via } : {}),
    ...(r.src !== undefined ? { src: r.src } : {}),
    ...(r.dev !== undefined ? { ifindex: ifindexOf(r.dev) } : {}),
    ...(table !== undefined ? { table } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
    ...(r.scope !== undefined ? { scope: scopeNames[r.scope]! } : {}),
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
    ...(r.onlink ? { onlink: true } : {}),
    ...(r.nexthops !== undefined
      ? {
          nexthops: r.nexthops.map((h) => ({
            ...(h.via !== undefined ? { via: h.via } : {}),
            ...(h.dev !== undefined ? { ifindex: ifindexOf(h.dev) } : {}),
            ...(h.weight !== undefined ? { weight: h.weight } : {}),
            ...(h.onlink ? { onlink: true } : {}),
          })),
        }
      : {}),
    ...(r.from !== undefined ? { from: r.from } : {}),
    ...(r.tos !== undefined ? { tos: r.tos } : {}),
    ...(r.metrics !== undefined ? { metrics: r.metrics as RouteSpec['metrics'] } : {}),
    ...(r.locked !== undefined ? { locked: r.locked as RouteSpec['locked'] } : {}),
    ...(r.congctl !== undefined ? { congctl: r.congctl } : {}),
    ...(r.ecn === true ? { ecn: true } : {}),
    ...(r.pref !== undefined ? { pref: r.pref } : {}),
    ...(r.realms !== undefined ? { realms: r.realms } : {}),
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
  };
}

/**
 * The routes whose `vrf` names a VRF device among `links`, as RouteSpecs; keepalived 2.2.7 drops
 * a route whose VRF is missing or no VRF ("VRF %s not found for route"), and so does this, saying
 * why through `drop`, so that the others are still set.
 */
export function routeSpecs(routes: readonly ConfigRoute[], links: Iterable<LinkInfo>, ifindexOf: IfindexOf, drop: (r: ConfigRoute, why: string) => void): RouteSpec[] {
  const byName = new Map<string, LinkInfo>();
  for (const l of links) byName.set(l.name, l);
  const out: RouteSpec[] = [];
  for (const r of routes) {
    if (r.vrf === undefined) {
      out.push(routeSpec(r, ifindexOf, r.table));
      continue;
    }
    const vrf = byName.get(r.vrf);
    if (vrf?.vrfTable === undefined) drop(r, vrf === undefined ? `VRF ${r.vrf} not found for route` : `route's VRF ${r.vrf} is not a VRF`);
    else out.push(routeSpec(r, ifindexOf, vrf.vrfTable));
  }
  return out;
}

export function ruleSpec(r: ConfigRule): RuleSpec {
  return {
    family: r.family,
    // A lookup rule without a table is an l3mdev one; the other actions have none.
    table: (r.action ?? 'lookup') === 'lookup' && r.l3mdev !== true ? (r.table ?? 254) : 0,
    invert: r.invert,
    ...(r.action !== undefined ? { action: r.action } : {}),
    ...(r.goto !== undefined ? { goto: r.goto } : {}),
    ...(r.tos !== undefined ? { tos: r.tos } : {}),
    ...(r.suppressPrefixlength !== undefined ? { suppressPrefixlength: r.suppressPrefixlength } : {}),
    ...(r.suppressIfgroup !== undefined ? { suppressIfgroup: r.suppressIfgroup } : {}),
    ...(r.uidRange !== undefined ? { uidRange: r.uidRange } : {}),
    ...(r.l3mdev === true ? { l3mdev: true } : {}),
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
    ...(r.ipProto !== undefined ? { ipProto: r.ipProto } : {}),
    ...(r.sport !== undefined ? { sport: r.sport } : {}),
    ...(r.dport !== undefined ? { dport: r.dport } : {}),
    ...(r.realms !== undefined ? { realms: r.realms } : {}),
    ...(r.from !== undefined ? { from: r.from } : {}),
    ...(r.to !== undefined ? { to: r.to } : {}),
    ...(r.preference !== undefined ? { preference: r.preference } : {}),
    ...(r.iif !== undefined ? { iif: r.iif } : {}),
    ...(r.oif !== undefined ? { oif: r.oif } : {}),
    ...(r.fwmark !== undefined ? { fwmark: r.fwmark } : {}),
    ...(r.fwmask !== undefined ? { fwmask: r.fwmask } : {}),
  };
}
