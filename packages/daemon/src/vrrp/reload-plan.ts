import { sameValue, type ConfigDiff, type GlobalDefs, type SyncGroup, type VrrpInstance } from '@tandem/config';
import type { AnnounceSchedule } from '@tandem/vrrp';
import { announceSchedule } from '../instance-options.js';

/** The instance part of a configuration diff: what the VRRP side is told at a reload. */
export type InstanceDiff = Pick<ConfigDiff, 'instancesAdded' | 'instancesRemoved' | 'instancesChanged' | 'instancesUnchanged'>;

/** What the VRRP side needs of a configuration to plan a reload. */
export interface ReloadInputs {
  readonly globalDefs: GlobalDefs;
  readonly syncGroups: readonly SyncGroup[];
  readonly vrrpInstances: readonly VrrpInstance[];
}

/** One thing a reload does to one instance, in the order they are done. */
export type ReloadStep =
  /** Untouched: no transition, no extra advert, timers kept. */
  | { readonly kind: 'keep'; readonly name: string }
  /** Only the global announce settings changed under it. */
  | { readonly kind: 'announce'; readonly name: string; readonly announce: AnnounceSchedule }
  | { readonly kind: 'remove'; readonly name: string }
  /** Addresses, priority or announce settings changed: applied without leaving the current state. */
  | { readonly kind: 'update'; readonly instance: VrrpInstance; readonly fields: readonly string[]; readonly announce: AnnounceSchedule }
  /** Anything else changed: the instance leaves and starts again as a new one. */
  | { readonly kind: 'restart'; readonly instance: VrrpInstance; readonly why: string }
  | { readonly kind: 'add'; readonly instance: VrrpInstance };

/** Fields a running instance takes without restarting. */
const LIVE_FIELDS: ReadonlySet<string> = new Set(['virtualIpaddress', 'virtualIpaddressExcluded', 'priority', 'garp', 'garpExtraIf', 'bfdTakeover']);

/** Each sync group by the names of its members. */
export function groupsByMember(groups: readonly SyncGroup[]): Map<string, SyncGroup> {
  const out = new Map<string, SyncGroup>();
  for (const g of groups) for (const name of g.group) out.set(name, g);
  return out;
}

/**
 * How a reload treats each instance (keepalived's reload rules, kept stricter where a live
 * change could not be applied safely): unchanged ones are kept, or only take new global
 * announce settings; addresses, priority and announce settings are updated in place; a move
 * to or from priority 255, a changed sync group, or any other change restarts the instance.
 */
export function planReload(before: ReloadInputs, next: ReloadInputs, d: InstanceDiff): ReloadStep[] {
  const oldGroups = groupsByMember(before.syncGroups);
  const newGroups = groupsByMember(next.syncGroups);
  const regrouped = (name: string): boolean => !sameValue(oldGroups.get(name), newGroups.get(name));
  const steps: ReloadStep[] = [];
  const unchanged = new Set(d.instancesUnchanged);
  const nextByName = new Map(next.vrrpInstances.map((i) => [i.name, i]));
  // An unchanged instance whose sync group changed (membership, tracking, notify) restarts under the new group.
  for (const name of d.instancesUnchanged) {
    if (!regrouped(name)) continue;
    steps.push({ kind: 'restart', instance: nextByName.get(name)!, why: 'its vrrp_sync_group changed' });
    unchanged.delete(name);
  }
  for (const name of unchanged) {
    const instance = nextByName.get(name)!;
    const was = announceSchedule(instance, before.globalDefs);
    const now = announceSchedule(instance, next.globalDefs);
    steps.push(sameValue(was, now) ? { kind: 'keep', name } : { kind: 'announce', name, announce: now });
  }
  for (const i of d.instancesRemoved) steps.push({ kind: 'remove', name: i.name });
  for (const c of d.instancesChanged) {
    const ownerChange = (c.before.priority === 255) !== (c.after.priority === 255);
    const live = !ownerChange && !regrouped(c.name) && c.fields.every((f) => LIVE_FIELDS.has(f));
    if (live) steps.push({ kind: 'update', instance: c.after, fields: c.fields, announce: announceSchedule(c.after, next.globalDefs) });
    else steps.push({ kind: 'restart', instance: c.after, why: ownerChange ? 'it moves to or from priority 255' : regrouped(c.name) ? 'its vrrp_sync_group changed' : `${c.fields.join(', ')} changed` });
  }
  for (const i of d.instancesAdded) steps.push({ kind: 'add', instance: i });
  return steps;
}
