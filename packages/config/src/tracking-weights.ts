import type { Position } from './diagnostics.js';
import type { SyncGroup, TrackFile, TrackProcess, TrackRef, Tracking, VrrpInstance, VrrpScript } from './model.js';

/** What keepalived did to one tracked item when it read the file. */
export interface TrackingCorrection {
  readonly pos: Position;
  readonly message: string;
}

/** An instance's tracked items as keepalived runs them: its own, and its sync group's. */
export interface EffectiveTracking {
  readonly own: Tracking;
  readonly group: Tracking | undefined;
  readonly corrections: readonly TrackingCorrection[];
}

/** The default weights the tracked objects give (`vrrp_script` / `track_file` weight). */
export interface TrackedDefaults {
  readonly scriptWeight: (name: string) => number | undefined;
  readonly fileWeight: (name: string) => number | undefined;
  readonly processWeight: (name: string) => number | undefined;
}

/** The default weights of the file's vrrp_script, track_file and vrrp_track_process blocks. */
export function trackedDefaults(scripts: readonly VrrpScript[], files: readonly TrackFile[], processes: readonly TrackProcess[]): TrackedDefaults {
  const weight = <T extends { readonly name: string; readonly weight: number }>(items: readonly T[]) => (name: string): number | undefined => items.find((x) => x.name === name)?.weight;
  return { scriptWeight: weight(scripts), fileWeight: weight(files), processWeight: weight(processes) };
}

/** Whether keepalived ignores the weights of an instance's own tracked items: a sync group member without sync_group_tracking_weight, or an address owner. */
export const ownWeightsIgnored = (i: VrrpInstance, group: Pick<SyncGroup, 'syncGroupTrackingWeight'> | undefined): boolean =>
  (group !== undefined && !group.syncGroupTrackingWeight) || i.priority === 255;

/** Whether one of a sync group's members is an address owner (priority 255): keepalived then counts the group's own tracked items at weight 0. */
export const hasOwnerMember = (group: Pick<SyncGroup, 'group'>, instances: readonly VrrpInstance[]): boolean =>
  instances.some((i) => i.priority === 255 && group.group.includes(i.name));

/**
 * keepalived 2.2.7's weights on tracked items (vrrp.c `vrrp_complete_instance` and
 * `sync_group_tracking_init`). A member of a sync group without `sync_group_tracking_weight`,
 * or an address owner (priority 255), must not float its priority with its own items: a
 * weighted script or BFD session is dropped, a weighted interface counts at weight 0 (dropped
 * for an owner outside such a group), a track_file at its default weight 1 counts at weight 0
 * and at another weight is dropped; processes are left as they are. The sync group's own items
 * keep their weights, unless one member is an address owner: then they count at weight 0.
 */
export function effectiveTracking(i: VrrpInstance, group: (Pick<SyncGroup, 'name' | 'syncGroupTrackingWeight'> & { readonly tracking?: Tracking }) | undefined, groupHasOwner: boolean, defaults: TrackedDefaults): EffectiveTracking {
  const corrections: TrackingCorrection[] = [];
  const sync = group !== undefined && !group.syncGroupTrackingWeight;
  let own = i.tracking;
  if (ownWeightsIgnored(i, group)) {
    const why = sync ? `a member of vrrp_sync_group ${group.name} without sync_group_tracking_weight` : 'the address owner (priority 255)';
    const say = (ref: TrackRef, what: string): void => void corrections.push({ pos: ref.pos, message: `(${i.name}) ${what}, as keepalived does for ${why}` });
    const trackInterface = own.trackInterface.flatMap((ref) => {
      if ((ref.weight ?? 0) === 0) return [ref];
      if (!sync) return say(ref, `track_interface ${ref.name} with weight ${ref.weight!} is ignored`), [];
      say(ref, `track_interface ${ref.name} counts at weight 0, not ${ref.weight!}`);
      return [{ ...ref, weight: 0 }];
    });
    const trackScript = own.trackScript.filter((ref) => {
      const w = ref.weight ?? defaults.scriptWeight(ref.name) ?? 0;
      if (w !== 0) say(ref, `track_script ${ref.name} with weight ${w} is ignored`);
      return w === 0;
    });
    const trackFile = own.trackFile.flatMap((ref) => {
      const w = ref.weight ?? defaults.fileWeight(ref.name) ?? 1;
      if (w === 0) return [ref];
      if (w === 1) return say(ref, `track_file ${ref.name} counts at weight 0, not its default 1`), [{ ...ref, weight: 0 }];
      return say(ref, `track_file ${ref.name} with weight ${w} is ignored`), [];
    });
    own = { ...own, trackInterface, trackScript, trackFile };
  }
  let groupTracking = group?.tracking;
  if (group !== undefined && groupTracking !== undefined && groupHasOwner) {
    const zero = (refs: readonly TrackRef[], kind: string, weightOf: (r: TrackRef) => number = (r) => r.weight ?? 0): TrackRef[] =>
      refs.map((r) => {
        const w = weightOf(r);
        if (w !== 0) corrections.push({ pos: r.pos, message: `(${group.name}) ${kind} ${r.name} counts at weight 0, not ${w}, as keepalived does when a member is an address owner (priority 255)` });
        return { ...r, weight: 0 };
      });
    const t = groupTracking;
    groupTracking = {
      ...t,
      trackInterface: zero(t.trackInterface, 'track_interface'),
      trackScript: zero(t.trackScript, 'track_script', (r) => r.weight ?? defaults.scriptWeight(r.name) ?? 0),
      trackFile: zero(t.trackFile, 'track_file', (r) => r.weight ?? defaults.fileWeight(r.name) ?? 1),
      trackProcess: zero(t.trackProcess, 'track_process', (r) => r.weight ?? defaults.processWeight(r.name) ?? 0),
    };
  }
  return { own, group: groupTracking, corrections };
}

/**
 * The vrrp_script and track_file names still tracked by an instance or a sync group once
 * keepalived's corrections are made (`effectiveTracking`): keepalived runs no other script
 * ("Warning - script %s is not used", vrrp.c vrrp_complete_init), and tandem watches no other file.
 */
export function trackedInUse(instances: readonly VrrpInstance[], groups: readonly SyncGroup[], defaults: TrackedDefaults): { readonly scripts: Set<string>; readonly files: Set<string> } {
  const scripts = new Set<string>();
  const files = new Set<string>();
  const add = (t: Tracking): void => {
    for (const r of t.trackScript) scripts.add(r.name);
    for (const r of t.trackFile) files.add(r.name);
  };
  for (const g of groups) add(g.tracking);
  for (const i of instances) {
    const g = groups.find((x) => x.group.includes(i.name));
    add(effectiveTracking(i, g, g !== undefined && hasOwnerMember(g, instances), defaults).own);
  }
  return { scripts, files };
}
