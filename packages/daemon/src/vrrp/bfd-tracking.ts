import { ownWeightsIgnored, type BfdInstance, type BfdTakeover, type SyncGroup, type TrackRef, type VrrpInstance } from '@tandem/config';
import { compareAddresses, familyOf } from '@tandem/vrrp';
import type { TrackedItem } from '../tracking-rules.js';

// keepalived's tracked BFDs in its VRRP process (vrrp_track.c, vrrp_scheduler.c
// vrrp_handle_bfd_event): each session's last reported state, what it makes of an
// instance's priority or FAULT, and tandem's own bfd_takeover. Pure but for the states.

/** One instance's `track_bfd` entry with the weight keepalived gives it. */
interface WeightedRef {
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
}

/**
 * An instance's own track_bfd and its sync group's, as keepalived merges them
 * (add_vrrp_to_track_bfd): a missing weight is the bfd_instance's; a session tracked by
 * both takes the group's weight, unless the instance's entry is unweighted. As keepalived's
 * vrrp_complete_instance and sync_group_tracking_init: an address owner, or a member of a
 * sync group without sync_group_tracking_weight, drops its own weighted entries, and the
 * group's count at weight 0 when a member is an owner (`groupHasOwner`).
 */
export function trackedBfds(instance: VrrpInstance, group: SyncGroup | undefined, sessions: ReadonlyMap<string, BfdInstance>, groupHasOwner = false): WeightedRef[] {
  const restricted = ownWeightsIgnored(instance, group);
  const weigh = (r: TrackRef): WeightedRef | undefined => {
    const b = sessions.get(r.name);
    if (b === undefined) return undefined;
    return r.weight !== undefined ? { name: r.name, weight: r.weight, reverse: r.reverse } : { name: r.name, weight: b.weight, reverse: b.weightReverse };
  };
  const out = new Map<string, WeightedRef>();
  for (const r of instance.tracking.trackBfd) {
    const w = weigh(r);
    if (w !== undefined && !(restricted && w.weight !== 0)) out.set(r.name, w);
  }
  for (const r of group?.tracking.trackBfd ?? []) {
    const weighed = weigh(r);
    if (weighed === undefined) continue;
    const w = groupHasOwner ? { ...weighed, weight: 0 } : weighed;
    const own = out.get(r.name);
    if (own === undefined || own.weight !== 0) out.set(r.name, w);
  }
  return [...out.values()];
}

/** The BFD sessions VRRP hears about, and their last reported states. */
export class BfdTracking {
  /** keepalived's vrrp_tracked_bfd bfd_up: false until the session's first Up. */
  private readonly up = new Map<string, boolean>();
  private sessions = new Map<string, BfdInstance>();

  /** The bfd_instances of the running configuration (a reload keeps the states of those it keeps). */
  configure(sessions: readonly BfdInstance[]): void {
    this.sessions = new Map(sessions.filter((b) => b.vrrp).map((b) => [b.name, b]));
    for (const name of [...this.up.keys()]) if (!this.sessions.has(name)) this.up.delete(name);
  }

  /** A session's event; false when it says what was already known (keepalived ignores those). */
  set(name: string, up: boolean): boolean {
    if ((this.up.get(name) ?? false) === up) return false;
    this.up.set(name, up);
    return true;
  }

  isUp(name: string): boolean {
    return this.up.get(name) ?? false;
  }

  /** The instance's tracked sessions with their verdicts, for the priority and FAULT rules (tracking-rules.ts). */
  items(instance: VrrpInstance, group: SyncGroup | undefined, groupHasOwner = false): TrackedItem[] {
    return trackedBfds(instance, group, this.sessions, groupHasOwner).map((r) => ({ kind: 'bfd', name: r.name, ok: this.isUp(r.name), weight: r.weight, reverse: r.reverse }));
  }

  /** Whether the instance (or its sync group) tracks the session. */
  tracks(instance: VrrpInstance, group: SyncGroup | undefined, name: string): boolean {
    return instance.tracking.trackBfd.some((r) => r.name === name) || (group?.tracking.trackBfd.some((r) => r.name === name) ?? false);
  }

  /** The session's neighbor_ip, for the log. */
  neighborOf(name: string): string | undefined {
    return this.sessions.get(name)?.neighborIp;
  }

  /**
   * The master a `bfd_takeover` of the instance takes over from when session `name` goes Down:
   * `master` (the address the instance's master advertises from) when it is one of the
   * session's addresses, see {@link takeoverAddresses}; else undefined (a session to another router).
   */
  takeoverMaster(instance: VrrpInstance, name: string, master: string | undefined): string | undefined {
    if (master === undefined) return undefined;
    const session = this.sessions.get(name);
    const t = instance.bfdTakeover.find((x) => x.name === name);
    if (session === undefined || t === undefined) return undefined;
    return takeoverAddresses(session, t).some((a) => sameAddress(a, master)) ? master : undefined;
  }
}

/**
 * The advert sources a `bfd_takeover` session stands for: its neighbor_ip and the addresses the
 * line names (the same router's link-local address, for VRRP over IPv6, whose adverts come from
 * it (RFC 5798 §5.1.2.1) while the session runs to a global address; its IPv4 address beside a
 * session over IPv6).
 */
export function takeoverAddresses(session: BfdInstance, takeover: BfdTakeover): string[] {
  return [session.neighborIp, ...takeover.masterAddresses];
}

/** One address however it is spelled (`2001:db8:0::1` is `2001:db8::1`); false across families. */
function sameAddress(a: string, b: string): boolean {
  const fa = familyOf(a);
  return fa !== undefined && fa === familyOf(b) && compareAddresses(a, b) === 0;
}
