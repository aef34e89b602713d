import type { RouteSpec as ConfigRoute, RuleSpec as ConfigRule, VirtualAddress } from '@tandem/config';
import { scopeNames, type AddressSpec, type RouteSpec, type RuleSpec } from '@tandem/net';

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
  };
}

/** A configured route as net's RouteSpec (interfaces resolved to indexes). */
export function routeSpec(r: ConfigRoute, ifindexOf: IfindexOf): RouteSpec {
  return {
    type: r.type,
    destination: r.destination,
    prefix: r.prefix,
    ...(r.via !== undefined ? { via: r.via } : {}),
    ...(r.src !== undefined ? { src: r.src } : {}),
    ...(r.dev !== undefined ? { ifindex: ifindexOf(r.dev) } : {}),
    ...(r.table !== undefined ? { table: r.table } : {}),
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
  };
}

export function ruleSpec(r: ConfigRule): RuleSpec {
  return {
    family: r.family,
    table: r.table ?? 254,
    invert: r.invert,
    ...(r.from !== undefined ? { from: r.from } : {}),
    ...(r.to !== undefined ? { to: r.to } : {}),
    ...(r.preference !== undefined ? { preference: r.preference } : {}),
    ...(r.iif !== undefined ? { iif: r.iif } : {}),
    ...(r.oif !== undefined ? { oif: r.oif } : {}),
    ...(r.fwmark !== undefined ? { fwmark: r.fwmark } : {}),
    ...(r.fwmask !== undefined ? { fwmask: r.fwmask } : {}),
  };
}
