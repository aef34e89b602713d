import type { VrrpState } from '@tandem/vrrp';

// keepalived's vrrp_sync_group rules (vrrp_sync.c) as pure decisions: the service asks what
// to do and does it; nothing here calls back into an instance.

/** One member of a sync group as the rules see it. */
export interface MemberView {
  readonly name: string;
  readonly state: VrrpState;
  /** Its master-down timer ran out and no master was heard since. */
  readonly wantsMaster: boolean;
}

/** Something a member must do because of the group. */
export type GroupMove = { readonly kind: 'syncMaster' | 'syncBackup'; readonly member: string; readonly reason: string };

/**
 * A member changed state on its own (`byGroup` false): one that became MASTER (the address
 * owner, or a preemption) takes the others along; one that left MASTER for BACKUP takes them
 * back. Transitions the group itself made are not followed again, so nothing loops.
 */
export function followTransition(group: string, members: readonly MemberView[], t: { readonly instance: string; readonly from: VrrpState; readonly to: VrrpState; readonly byGroup: boolean }): GroupMove[] {
  if (t.byGroup) return [];
  const others = members.filter((m) => m.name !== t.instance);
  if (t.to === 'MASTER') return others.map((m) => ({ kind: 'syncMaster', member: m.name, reason: `sync group ${group}: ${t.instance} became MASTER` }));
  if (t.from === 'MASTER' && t.to === 'BACKUP') return others.map((m) => ({ kind: 'syncBackup', member: m.name, reason: `sync group ${group}: ${t.instance} left MASTER` }));
  return [];
}

/**
 * A member's master-down timer ran out. The group goes MASTER only once every member wants it
 * (or already is): one member that still hears its master keeps all of them BACKUP, so a
 * single lost peer does not split the group (keepalived's "prefer backup").
 */
export function onWantMaster(group: string, members: readonly MemberView[], trigger?: string): { readonly moves: GroupMove[]; readonly waitingFor: string[] } {
  const waitingFor = members.filter((m) => !m.wantsMaster && m.state !== 'MASTER').map((m) => m.name);
  if (waitingFor.length > 0) return { moves: [], waitingFor };
  // keepalived: the member whose timer ran out goes first (vrrp_goto_master), then vrrp_sync_master the others in order.
  const ordered = [...members.filter((m) => m.name === trigger), ...members.filter((m) => m.name !== trigger)];
  return { moves: ordered.map((m) => ({ kind: 'syncMaster', member: m.name, reason: `sync group ${group}: every member's master is gone` })), waitingFor };
}

/** The state the whole group has settled in, when every member agrees and it is not the one last notified. */
export function settledState(members: readonly MemberView[], lastNotified: VrrpState | undefined): VrrpState | undefined {
  const state = members[0]?.state;
  if (state === undefined || !members.every((m) => m.state === state) || state === lastNotified) return undefined;
  return state;
}

/**
 * One member's fault is every member's: each member's own fault (its link, a tracked item)
 * wins, else the first faulty member's is given, named, to the others.
 */
export function groupFaults<T extends { readonly name: string; readonly fault: string | undefined }>(group: string | undefined, members: readonly T[]): Array<T & { readonly groupFault: string | undefined }> {
  const first = members.find((m) => m.fault !== undefined);
  return members.map((m) => ({ ...m, groupFault: m.fault ?? (first !== undefined && group !== undefined ? `sync group ${group}: ${first.name}: ${first.fault}` : undefined) }));
}
