import type { LinkInfo } from '@tandem/net';
import type { TrackedItem } from '../tracking-rules.js';

// keepalived 2.2.7's static track groups (vrrp_static_track.c): an instance named by a
// track_group tracks the interface of each static address, route or rule that names the group,
// with weight 0 (add_vrrp_to_interface(vrrp, ifp, 0, ...)): FAULT while that interface is down.
// keepalived's dumps list these under the interface, not as the instance's track_interface, and
// so do tandem's: they are items the evaluation adds, not entries of the instance's tracking.

/** Instance name → interfaces tracked through track groups (config's staticTrackedInterfaces). */
export type StaticTrack = Readonly<Record<string, readonly string[]>>;

/** The tracked items `instance` has through track groups, judged against the links seen. */
export function staticTrackItems(track: StaticTrack | undefined, instance: string, links: ReadonlyMap<string, LinkInfo>): TrackedItem[] {
  return (track?.[instance] ?? []).map((name) => ({ kind: 'interface', name, ok: links.get(name)?.up ?? false, weight: 0, reverse: false }));
}

/** Whether `instance` tracks the interface `link` through a track group. */
export function tracksStatically(track: StaticTrack | undefined, instance: string, link: string): boolean {
  return track?.[instance]?.includes(link) ?? false;
}
