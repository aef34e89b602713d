import { blockFingerprint } from './fingerprint.js';
import type { Config, GlobalDefs, VirtualAddress, VirtualServer, VrrpInstance } from './model.js';

/** How one instance present in both files differs. */
export interface InstanceChange {
  readonly name: string;
  readonly before: VrrpInstance;
  readonly after: VrrpInstance;
  /** Changed fields of the model, positions ignored. */
  readonly fields: readonly (keyof VrrpInstance)[];
  /** Virtual addresses (advertised or excluded) only in the new file, and only in the old one. */
  readonly addressesAdded: readonly VirtualAddress[];
  readonly addressesRemoved: readonly VirtualAddress[];
}

/** A virtual server present in both files, matched by name (`192.0.2.1:80/TCP`). */
export interface VirtualServerPair {
  readonly before: VirtualServer;
  readonly after: VirtualServer;
}

/** How the virtual servers of two files differ. */
export interface VirtualServerDiff {
  readonly added: readonly VirtualServer[];
  readonly removed: readonly VirtualServer[];
  /** Their model differs (positions aside). */
  readonly changed: readonly VirtualServerPair[];
  /** The same model, maybe at other positions. */
  readonly unchanged: readonly VirtualServerPair[];
  /** Names of `virtual_server_group`s added, removed or changed: the virtual servers that use them change too. */
  readonly groupsChanged: readonly string[];
  /** The same virtual servers in another order (status and the table follow the file's order). */
  readonly reordered: boolean;
}

/** What a reload has to do; computed from the models only. */
export interface ConfigDiff {
  readonly globals: readonly (keyof GlobalDefs)[];
  readonly instancesAdded: readonly VrrpInstance[];
  readonly instancesRemoved: readonly VrrpInstance[];
  readonly instancesChanged: readonly InstanceChange[];
  readonly instancesUnchanged: readonly string[];
  readonly virtualServers: VirtualServerDiff;
}

/** A value with every `pos` removed and keys sorted, for comparing what a file says rather than where or in which order. */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (k !== 'pos' && v !== undefined) out[k] = withoutPositions(v);
    }
    return out;
  }
  return value;
}

/** Structural equality of model values, positions ignored. */
export function sameValue(a: unknown, b: unknown): boolean {
  return modelKey(a) === modelKey(b);
}

/** A model value's fingerprint, positions ignored: equal for equal configuration. */
export function modelKey(v: unknown): string {
  return JSON.stringify(withoutPositions(v));
}

/** One key per address and its options: an address whose options change is removed and added. */
export function addressKey(v: VirtualAddress): string {
  return modelKey(v);
}

function addressDelta(before: VrrpInstance, after: VrrpInstance): { added: VirtualAddress[]; removed: VirtualAddress[] } {
  const all = (i: VrrpInstance): VirtualAddress[] => [...i.virtualIpaddress, ...i.virtualIpaddressExcluded];
  const beforeKeys = new Set(all(before).map(addressKey));
  const afterKeys = new Set(all(after).map(addressKey));
  return {
    added: all(after).filter((v) => !beforeKeys.has(addressKey(v))),
    removed: all(before).filter((v) => !afterKeys.has(addressKey(v))),
  };
}

/**
 * Whether two values read from blocks are the same configuration: by the fingerprints of
 * their blocks when both have one and those agree (the cheap, usual answer), else by their
 * models. Equal fingerprints are equal words, so equal models; a block that differs only
 * in, say, a default written out still compares equal through its model.
 */
function sameBlock(a: object, b: object): boolean {
  const fa = blockFingerprint(a);
  if (fa !== undefined && fa === blockFingerprint(b)) return true;
  return sameValue(a, b);
}

/** The difference between the virtual servers (and their groups) of two configurations. */
export function diffVirtualServers(before: Config, after: Config): VirtualServerDiff {
  const old = new Map(before.virtualServers.map((v) => [v.name, v]));
  const names = new Set(after.virtualServers.map((v) => v.name));
  const changed: VirtualServerPair[] = [];
  const unchanged: VirtualServerPair[] = [];
  for (const a of after.virtualServers) {
    const b = old.get(a.name);
    if (b !== undefined) (sameBlock(b, a) ? unchanged : changed).push({ before: b, after: a });
  }
  const oldGroups = new Map(before.virtualServerGroups.map((g) => [g.name, g]));
  const groupsChanged = after.virtualServerGroups.filter((g) => {
    const b = oldGroups.get(g.name);
    oldGroups.delete(g.name);
    return b === undefined || !sameBlock(b, g);
  }).map((g) => g.name);
  const reordered = before.virtualServers.length === after.virtualServers.length && after.virtualServers.some((v, i) => before.virtualServers[i]!.name !== v.name);
  return {
    reordered,
    added: after.virtualServers.filter((v) => !old.has(v.name)),
    removed: before.virtualServers.filter((v) => !names.has(v.name)),
    changed,
    unchanged,
    groupsChanged: [...groupsChanged, ...oldGroups.keys()],
  };
}

/** The difference between two loaded configurations; instances are matched by name. */
export function diff(before: Config, after: Config): ConfigDiff {
  const globals = (Object.keys(after.globalDefs) as (keyof GlobalDefs)[]).filter(
    (k) => !sameValue(before.globalDefs[k], after.globalDefs[k]),
  );
  const old = new Map(before.vrrpInstances.map((i) => [i.name, i]));
  const next = new Map(after.vrrpInstances.map((i) => [i.name, i]));
  const instancesChanged: InstanceChange[] = [];
  const instancesUnchanged: string[] = [];
  for (const [name, a] of next) {
    const b = old.get(name);
    if (b === undefined) continue;
    // An instance's model also takes global_defs' defaults: its block alone says nothing once those changed.
    const fa = blockFingerprint(a);
    if (globals.length === 0 && fa !== undefined && fa === blockFingerprint(b)) {
      instancesUnchanged.push(name);
      continue;
    }
    // Both sides' keys: an optional field the new file drops (auth_hmac, unicast_peer's TTLs) is a change too.
    const fields = ([...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof VrrpInstance)[]).filter((k) => k !== 'pos' && !sameValue(b[k], a[k]));
    if (fields.length === 0) {
      instancesUnchanged.push(name);
      continue;
    }
    const delta = addressDelta(b, a);
    instancesChanged.push({ name, before: b, after: a, fields, addressesAdded: delta.added, addressesRemoved: delta.removed });
  }
  return {
    globals,
    instancesAdded: after.vrrpInstances.filter((i) => !old.has(i.name)),
    instancesRemoved: before.vrrpInstances.filter((i) => !next.has(i.name)),
    instancesChanged,
    instancesUnchanged,
    virtualServers: diffVirtualServers(before, after),
  };
}
