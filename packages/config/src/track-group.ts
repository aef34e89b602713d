import { suggest, type Diagnostics, type Position } from './diagnostics.js';
import type { RouteSpec, RuleSpec, TrackGroup, VirtualAddress, VrrpInstance } from './model.js';
import { blockOf, namedBlock } from './section.js';
import type { Node } from './tree.js';

// keepalived 2.2.7's static track groups (vrrp_parser.c static_track_group_handler,
// vrrp_static_track.c): `track_group NAME { group { VI_1 VI_2 } }` at the top level, named by a
// static address, route or rule (`track_group NAME`); each instance of the group then tracks
// that item's interface with weight 0, so the instance is in FAULT while the interface is down.

/** A top-level `track_group NAME { group { INSTANCE ... } }`. */
export function parseTrackGroup(node: Node, diags: Diagnostics): TrackGroup | undefined {
  // keepalived: "track_group must have a name - skipping".
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { name, block } = named;
  const group: string[] = [];
  let seen = false;
  for (const n of block) {
    if (n.keyword.text !== 'group') {
      const near = suggest(n.keyword.text, ['group']);
      diags.error('CONF_ERR_UNKNOWN_KEYWORD', n.keyword.pos, `unknown keyword '${n.keyword.text}' in track_group${near !== undefined ? `; did you mean '${near}'?` : ''}`);
      continue;
    }
    if (seen) {
      diags.error('CONF_ERR_CONFLICT', n.keyword.pos, `track_group ${name}: group already given`);
      continue;
    }
    seen = true;
    if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after group`);
    // keepalived's read_value_block: every word of the block is a name, several to a line or not.
    for (const e of blockOf(n, diags) ?? []) group.push(e.keyword.text, ...e.args.map((a) => a.text));
  }
  if (group.length === 0) diags.warning('CONF_ERR_MISSING', node.keyword.pos, `track_group ${name} has no instances (keepalived: "has no virtual router(s)"): it tracks nothing`);
  return { name, pos: node.keyword.pos, group };
}

/** Where a static item's `track_group` may be: the item, its kind, and the interface it would have tracked. */
interface TrackingItem {
  readonly what: 'static_ipaddress' | 'static_routes' | 'static_rules';
  readonly trackGroup: string;
  readonly interface: string | undefined;
  readonly noTrack: boolean;
  readonly pos: Position;
}

function itemsOf(addresses: readonly VirtualAddress[], routes: readonly RouteSpec[], rules: readonly RuleSpec[], defaultInterface: string): TrackingItem[] {
  const out: TrackingItem[] = [];
  for (const a of addresses) if (a.trackGroup !== undefined) out.push({ what: 'static_ipaddress', trackGroup: a.trackGroup, interface: a.dev ?? defaultInterface, noTrack: a.noTrack === true, pos: a.pos });
  for (const r of routes) if (r.trackGroup !== undefined) out.push({ what: 'static_routes', trackGroup: r.trackGroup, interface: r.dev, noTrack: r.noTrack === true, pos: r.pos });
  for (const r of rules) if (r.trackGroup !== undefined) out.push({ what: 'static_rules', trackGroup: r.trackGroup, interface: r.iif, noTrack: r.noTrack === true, pos: r.pos });
  return out;
}

/**
 * The references between track groups, instances and static items, judged as keepalived does:
 * a group defined twice, or named but not defined (before the item), is an error, as is a static route with a
 * track_group and no interface; an unknown instance in a group, and no_track beside
 * track_group, are ignored with a warning (keepalived logs them and goes on).
 */
export function checkTrackGroups(groups: readonly TrackGroup[], instances: readonly VrrpInstance[], addresses: readonly VirtualAddress[], routes: readonly RouteSpec[], rules: readonly RuleSpec[], defaultInterface: string, readBeforeTheGroup: ReadonlySet<Position>, diags: Diagnostics): void {
  const byName = new Map<string, TrackGroup>();
  for (const g of groups) {
    const prev = byName.get(g.name);
    if (prev !== undefined) diags.error('CONF_ERR_CONFLICT', g.pos, `track_group ${g.name} is defined twice (first at line ${prev.pos.line})`);
    else byName.set(g.name, g);
  }
  const names = new Set(instances.map((i) => i.name));
  for (const g of byName.values()) {
    for (const m of g.group) if (!names.has(m)) diags.warning('CONF_ERR_REFERENCE', g.pos, `track_group ${g.name}: no vrrp_instance ${m}; ignored, as keepalived ignores it`);
  }
  for (const item of itemsOf(addresses, routes, rules, defaultInterface)) {
    const g = byName.get(item.trackGroup);
    if (g !== undefined && readBeforeTheGroup.has(item.pos)) {
      diags.error('CONF_ERR_REFERENCE', item.pos, `track_group ${item.trackGroup} is defined only after this line: keepalived reads it in order and says "not found"; move the track_group block up`);
    } else if (g === undefined) {
      const near = suggest(item.trackGroup, byName.keys());
      diags.error('CONF_ERR_REFERENCE', item.pos, `track_group ${item.trackGroup} not found${near !== undefined ? `; did you mean '${near}'?` : ''}`);
    } else if (item.interface === undefined) {
      const message = item.what === 'static_routes' ? 'a static route with track_group needs dev (keepalived: "Static route cannot have track_group if interface not specified")' : 'a static rule with track_group tracks its iif; without one it tracks nothing';
      if (item.what === 'static_routes') diags.error('CONF_ERR_MISSING', item.pos, message);
      else diags.warning('CONF_ERR_MISSING', item.pos, message);
    } else if (item.noTrack) diags.warning('CONF_ERR_CONFLICT', item.pos, `${item.what} entry has both track_group and no_track: not tracked (as keepalived)`);
  }
}

/**
 * Instance name → the interfaces it tracks through track groups (weight 0: FAULT while one is
 * down), in the order the static items name them, each once.
 */
export function staticTrackedInterfaces(c: { readonly trackGroups?: readonly TrackGroup[]; readonly staticAddresses: readonly VirtualAddress[]; readonly staticRoutes: readonly RouteSpec[]; readonly staticRules: readonly RuleSpec[]; readonly globalDefs: { readonly defaultInterface?: string } }): Record<string, readonly string[]> {
  const out: Record<string, string[]> = {};
  const groups = new Map((c.trackGroups ?? []).map((g) => [g.name, g]));
  if (groups.size === 0) return out;
  for (const item of itemsOf(c.staticAddresses, c.staticRoutes, c.staticRules, c.globalDefs.defaultInterface ?? 'eth0')) {
    const g = groups.get(item.trackGroup);
    if (g === undefined || item.interface === undefined || item.noTrack) continue;
    for (const name of g.group) {
      const list = (out[name] ??= []);
      if (!list.includes(item.interface)) list.push(item.interface);
    }
  }
  return out;
}
