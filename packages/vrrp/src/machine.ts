import { compareAddresses, type Family } from './address.js';
import type { Version } from './packet.js';
import { masterDownIntervalMs, skewTimeMs } from './timers.js';

/** States of RFC 5798 §6.4 plus keepalived's FAULT (interface down or a failed tracker). */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** Static parameters of one virtual router, as configured. */
export interface InstanceParams {
  readonly version: Version;
  readonly family: Family;
  /** Configured priority 1-255; 255 is the address owner. */
  readonly priority: number;
  /** Advertisement_Interval in centiseconds. */
  readonly intervalCs: number;
  /** Preempt_Mode; keepalived's `nopreempt` makes it false. */
  readonly preempt: boolean;
  /** keepalived's `preempt_delay`: no preemption within this long after startup. */
  readonly preemptDelayMs: number;
  /** keepalived's `state` hint. */
  readonly startState: 'MASTER' | 'BACKUP';
  /** The address the router sends from; the RFC 5798 §6.4.3 tie-break compares it. */
  readonly primaryAddress: string;
  /** keepalived's `down_timer_adverts` (RFC: 3). */
  readonly downTimerAdverts: number;
  /**
   * keepalived's `higher_prio_send_advert` (tandem's default: on): a master
   * yielding to a higher priority sends one last advert with its own priority,
   * so that the winner sees a lower-priority master and re-announces the
   * addresses. Without it, when the winner's advert arrives first after a split
   * brain heals, clients stay on the loser's MAC until their ARP entry expires.
   */
  readonly higherPrioSendAdvert: boolean;
  /**
   * keepalived's `lower_prio_no_advert` (on in strict mode): a master that hears a lower
   * priority discards the advert, as RFC 5798 §6.4.3 says, instead of answering with its own
   * advert and gratuitous ARPs.
   */
  readonly lowerPrioNoAdvert?: boolean;
  /**
   * A member of a vrrp_sync_group: its master-down timer does not make it master on its
   * own; it only reports that it wants to be (keepalived's wantstate), and the group moves
   * all its members together with `syncMaster` once every one of them wants it.
   */
  readonly syncGroup?: boolean;
  /**
   * keepalived 2.2.8's `timer_expired_backup [PRIORITY]` (2.3.2's `thread_timer_expired`), the
   * highest priority of the other routers (default 254): a master that has sent no advert for
   * 3 advert intervals plus the Skew_Time of that priority, because its process did not run,
   * may have been replaced by a backup whose down timer ran out; instead of sending its late
   * advert (which would make a nopreempt winner step back), it goes to BACKUP.
   */
  readonly timerExpiredBackup?: number;
}

/** Everything the machine remembers between events. Deadlines are clock milliseconds. */
export interface MachineState {
  readonly state: VrrpState;
  readonly effectivePriority: number;
  readonly masterAdverIntervalCs: number;
  readonly adverTimerAt?: number;
  readonly masterDownTimerAt?: number;
  readonly preemptAllowedAt: number;
  /** Address of the router whose adverts this backup currently follows. */
  readonly masterAddress?: string;
  /** A sync group member whose master-down timer ran out: it would be master on its own. */
  readonly wantsMaster?: boolean;
  /** When this master last answered another router's advert (a lower priority or priority 0) with one of its own. */
  readonly answeredAt?: number;
  /** Why this backup's down timer was cut short (`peerDown`): the reason of the takeover it leads to. */
  readonly takeover?: string;
  /** When this master last sent an advert (for `timerExpiredBackup`). */
  readonly advertSentAt?: number;
}

export type MachineEvent =
  /**
   * `resumeMaster`: this router was MASTER a moment ago and only its process restarted (the
   * daemon's VRRP side was killed and brought back within the peers' Master_Down_Interval):
   * it takes the role straight back instead of leaving it for a backup to take and then
   * preempting it again. `fault`: something the instance needs is already missing (its link
   * is down, a tracked item failed): it starts in FAULT, as keepalived's vrrp_init_state puts
   * it, without passing through BACKUP (no BACKUP notification for a router that cannot be one).
   */
  | { readonly kind: 'startup'; readonly resumeMaster?: boolean; readonly fault?: string }
  | { readonly kind: 'timer' }
  | { readonly kind: 'advert'; readonly priority: number; readonly intervalCs: number; readonly src: string }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'fault'; readonly reason: string }
  | { readonly kind: 'faultCleared' }
  | { readonly kind: 'priority'; readonly effective: number }
  /** Its sync group goes MASTER (every member wants it): become master now. */
  | { readonly kind: 'syncMaster'; readonly reason: string }
  /** A member of its sync group left MASTER: leave it too. */
  | { readonly kind: 'syncBackup'; readonly reason: string }
  /**
   * tandem's fast takeover (`@tandem bfd_takeover`, beyond RFC 5798 and keepalived): a BFD
   * session to `peer` went Down. A backup whose master is `peer` takes over as if the master
   * had sent priority 0 (§6.4.2) instead of waiting out Master_Down_Interval, after its
   * Skew_Time on the failure detector's scale: (256 - Priority) / 256 of the session's
   * Detection Time `detectMs` (RFC 5798's formula with the Detection Time for the advert
   * interval), so that among backups losing the master at once the highest priority still
   * goes first, in milliseconds rather than most of a second. Without `detectMs`: Skew_Time.
   */
  | { readonly kind: 'peerDown'; readonly peer: string; readonly reason: string; readonly detectMs?: number };

export type AnnounceReason = 'became-master' | 'lower-priority-master';

export type MachineAction =
  | { readonly kind: 'sendAdvert'; readonly priority: number }
  | { readonly kind: 'addVips' }
  | { readonly kind: 'delVips' }
  | { readonly kind: 'announce'; readonly reason: AnnounceReason }
  /** A sync group member's master-down timer ran out: the group decides. */
  | { readonly kind: 'wantMaster' }
  /** An advert that would have been answered was not: the last answer is less than an interval old. */
  | { readonly kind: 'answerLimited' }
  /** This master heard another master with a lower priority (keepalived's notify_master_rx_lower_pri event), answered or not. */
  | { readonly kind: 'lowerPriorityMaster'; readonly from: string; readonly priority: number }
  /** `byGroup`: the instance's vrrp_sync_group moved it (syncMaster / syncBackup), not its own timers or adverts. */
  | { readonly kind: 'transition'; readonly from: VrrpState; readonly to: VrrpState; readonly reason: string; readonly byGroup?: boolean };

export interface StepResult {
  readonly state: MachineState;
  readonly actions: readonly MachineAction[];
  /** Earliest deadline at which the runner must deliver a `timer` event, if any. */
  readonly nextTimer: number | undefined;
}

/** Whether two texts are the same address (an IPv6 address may be written in several ways). */
function sameAddress(a: string, b: string): boolean {
  try {
    return compareAddresses(a, b) === 0;
  } catch {
    return false;
  }
}

/** The state before `startup`. */
export function initialState(params: InstanceParams): MachineState {
  return {
    state: 'INIT',
    effectivePriority: params.priority,
    masterAdverIntervalCs: params.intervalCs,
    preemptAllowedAt: 0,
  };
}

function nextTimerOf(s: MachineState): number | undefined {
  const t = [s.adverTimerAt, s.masterDownTimerAt].filter((x): x is number => x !== undefined);
  return t.length === 0 ? undefined : Math.min(...t);
}

function result(state: MachineState, actions: MachineAction[]): StepResult {
  return { state, actions, nextTimer: nextTimerOf(state) };
}

function mdi(p: InstanceParams, s: MachineState): number {
  return masterDownIntervalMs(p.version, s.effectivePriority, s.masterAdverIntervalCs, p.downTimerAdverts);
}

function becomeMaster(p: InstanceParams, s: MachineState, now: number, reason: string): StepResult {
  const next: MachineState = {
    state: 'MASTER',
    effectivePriority: s.effectivePriority,
    masterAdverIntervalCs: p.intervalCs,
    adverTimerAt: now + p.intervalCs * 10,
    preemptAllowedAt: s.preemptAllowedAt,
    advertSentAt: now,
  };
  return result(next, [
    { kind: 'transition', from: s.state, to: 'MASTER', reason },
    { kind: 'addVips' },
    { kind: 'sendAdvert', priority: s.effectivePriority },
    { kind: 'announce', reason: 'became-master' },
  ]);
}

function becomeBackup(
  p: InstanceParams,
  s: MachineState,
  now: number,
  reason: string,
  opts: { intervalCs?: number; masterAddress?: string; downInMs?: number } = {},
): StepResult {
  const interval = p.version === 3 && opts.intervalCs !== undefined ? opts.intervalCs : s.masterAdverIntervalCs;
  const base: MachineState = {
    state: 'BACKUP',
    effectivePriority: s.effectivePriority,
    masterAdverIntervalCs: interval,
    preemptAllowedAt: s.preemptAllowedAt,
    ...(opts.masterAddress !== undefined ? { masterAddress: opts.masterAddress } : {}),
  };
  const next: MachineState = { ...base, masterDownTimerAt: now + (opts.downInMs ?? mdi(p, base)) };
  // Every way into BACKUP clears the addresses, not only the way from MASTER: after a crash
  // (kill -9) or another tool, addresses this router does not own may still be on the
  // interface, and two routers answering ARP for them is the one thing VRRP must prevent.
  // keepalived likewise removes the configured addresses it finds when it enters BACKUP.
  return result(next, [{ kind: 'transition', from: s.state, to: 'BACKUP', reason }, { kind: 'delVips' }]);
}

function becomeFault(p: InstanceParams, s: MachineState, reason: string): StepResult {
  const actions: MachineAction[] = [{ kind: 'transition', from: s.state, to: 'FAULT', reason }];
  if (s.state === 'MASTER') actions.push({ kind: 'sendAdvert', priority: 0 });
  // As for BACKUP: a faulted router holds none of the addresses, whatever put them there.
  actions.push({ kind: 'delVips' });
  const next: MachineState = { state: 'FAULT', effectivePriority: s.effectivePriority, masterAdverIntervalCs: p.intervalCs, preemptAllowedAt: s.preemptAllowedAt };
  return result(next, actions);
}

function startAsBackupOrOwner(p: InstanceParams, s: MachineState, now: number, reason: string): StepResult {
  // RFC 5798 §6.4.1: the address owner becomes master at once.
  if (s.effectivePriority === 255) return becomeMaster(p, s, now, `${reason}, address owner`);
  const fresh: MachineState = { ...s, masterAdverIntervalCs: p.intervalCs };
  // keepalived 2.2.7 (vrrp_init_state): below 255 a `state MASTER` hint still waits the whole
  // Master_Down_Interval at start, so a router that has not yet heard its peers cannot take
  // their addresses (measured: advert_int 3, MASTER after 9.6 s, with and without a sync group).
  return becomeBackup(p, fresh, now, p.startState === 'MASTER' ? `${reason}, state MASTER hint` : reason);
}

function onAdvertAsBackup(p: InstanceParams, s: MachineState, e: Extract<MachineEvent, { kind: 'advert' }>, now: number): StepResult {
  // RFC 5798 §6.4.2: a priority-0 advert from the master: take over after Skew_Time.
  if (e.priority === 0) {
    return result({ ...s, masterDownTimerAt: now + skewTimeMs(p.version, s.effectivePriority, s.masterAdverIntervalCs) }, []);
  }
  const preemptNow = p.preempt && now >= s.preemptAllowedAt;
  if (!preemptNow || e.priority >= s.effectivePriority) {
    const interval = p.version === 3 ? e.intervalCs : s.masterAdverIntervalCs;
    // A master heard: a sync group member no longer wants to take over.
    // A master heard after a peerDown: it is alive after all, and the takeover is off.
    const next: MachineState = { ...s, wantsMaster: undefined, takeover: undefined, masterAdverIntervalCs: interval, masterAddress: e.src };
    return result({ ...next, masterDownTimerAt: now + mdi(p, next) }, []);
  }
  // Preempt_Mode true and a lower priority: discard, the down timer runs out.
  return result(s, []);
}

/**
 * A master answers another router's advert at most once per advertisement interval, whatever
 * arrives: anyone on the segment can send adverts, and answering each one with an advert and a
 * broadcast burst of gratuitous ARPs would let them make the master flood every host. The
 * regular advert still leaves on time, so a real peer learns of this master within an interval.
 */
function answerAllowed(p: InstanceParams, s: MachineState, now: number): boolean {
  return s.answeredAt === undefined || now - s.answeredAt >= p.intervalCs * 10;
}

function onAdvertAsMaster(p: InstanceParams, s: MachineState, e: Extract<MachineEvent, { kind: 'advert' }>, now: number): StepResult {
  if (e.priority === 0) {
    // RFC 5798 §6.4.3: another router left MASTER with priority 0: advertise at once.
    if (!answerAllowed(p, s, now)) return result(s, [{ kind: 'answerLimited' }]);
    return result({ ...s, answeredAt: now, adverTimerAt: now + p.intervalCs * 10, advertSentAt: now }, [{ kind: 'sendAdvert', priority: s.effectivePriority }]);
  }
  if (e.src === p.primaryAddress) return result(s, []);
  const higher =
    e.priority > s.effectivePriority ||
    (e.priority === s.effectivePriority && compareAddresses(e.src, p.primaryAddress) > 0);
  if (higher) {
    const out = becomeBackup(p, s, now, `higher priority ${e.priority} from ${e.src}`, {
      intervalCs: e.intervalCs,
      masterAddress: e.src,
    });
    if (!p.higherPrioSendAdvert) return out;
    return { ...out, actions: [out.actions[0]!, { kind: 'sendAdvert', priority: s.effectivePriority }, ...out.actions.slice(1)] };
  }
  const heard: MachineAction = { kind: 'lowerPriorityMaster', from: e.src, priority: e.priority };
  if (p.lowerPrioNoAdvert === true) return result(s, [heard]);
  if (!answerAllowed(p, s, now)) return result(s, [heard, { kind: 'answerLimited' }]);
  // Another master with a lower priority: both claim the addresses (split brain
  // healing). Answer with an advert so it steps down, and re-announce the
  // addresses so that clients leave the loser's MAC (keepalived does not).
  return result({ ...s, answeredAt: now, adverTimerAt: now + p.intervalCs * 10, advertSentAt: now }, [
    heard,
    { kind: 'sendAdvert', priority: s.effectivePriority },
    { kind: 'announce', reason: 'lower-priority-master' },
  ]);
}

/**
 * keepalived 2.2.8's `timer_expired_backup` (vrrp.c, vrrp_thread_timeout_handler): how long
 * this master has been silent past the point where a backup at the other routers' highest
 * priority would have taken over (3 of its advert intervals plus that priority's Skew_Time,
 * as keepalived counts it), if it has been; keepalived makes the check when its event loop
 * wakes late, before it runs the late timers and reads the adverts that waited, as here.
 */
function silentTooLong(p: InstanceParams, s: MachineState, now: number): number | undefined {
  if (p.timerExpiredBackup === undefined || s.state !== 'MASTER' || s.advertSentAt === undefined) return undefined;
  const silence = now - s.advertSentAt;
  return silence >= masterDownIntervalMs(p.version, p.timerExpiredBackup, p.intervalCs, 3) ? silence : undefined;
}

/** Marks the transition of a step as made by the instance's sync group. */
function byGroup(r: StepResult): StepResult {
  return { ...r, actions: r.actions.map((a) => (a.kind === 'transition' ? { ...a, byGroup: true } : a)) };
}

/**
 * The RFC 5798 §6 state machine as a pure function: no I/O, no clock of its
 * own. `now` is in milliseconds; actions are data for the runner to execute.
 */
export function step(p: InstanceParams, s: MachineState, e: MachineEvent, now: number): StepResult {
  if (e.kind === 'timer' || e.kind === 'advert') {
    const silence = silentTooLong(p, s, now);
    if (silence !== undefined) return becomeBackup(p, s, now, `no advert sent for ${Math.round(silence)} ms: another router may have taken over (timer_expired_backup)`);
  }
  switch (e.kind) {
    case 'startup':
      if (s.state !== 'INIT') return result(s, []);
      if (e.resumeMaster === true) return becomeMaster(p, { ...s, preemptAllowedAt: now }, now, 'resumed: was MASTER before its VRRP process restarted');
      if (e.fault !== undefined) return becomeFault(p, { ...s, preemptAllowedAt: now + p.preemptDelayMs }, e.fault);
      if (p.syncGroup === true && s.effectivePriority === 255) {
        // keepalived's vrrp_init_state: a sync group starts BACKUP, and an address owner in it waits
        // one advert interval plus the smallest skew (VRRP_TIMER_SKEW_MIN) to hear any master.
        const skewMin = p.version === 3 ? (p.intervalCs * 10) / 256 : 1000 / 256;
        return becomeBackup(p, { ...s, preemptAllowedAt: now + p.preemptDelayMs }, now, 'startup, address owner in a sync group', { downInMs: p.intervalCs * 10 + skewMin });
      }
      return startAsBackupOrOwner(p, { ...s, preemptAllowedAt: now + p.preemptDelayMs }, now, 'startup');
    case 'shutdown': {
      if (s.state === 'INIT') return result(s, []);
      const actions: MachineAction[] = [];
      if (s.state === 'MASTER') actions.push({ kind: 'sendAdvert', priority: 0 }, { kind: 'delVips' });
      actions.unshift({ kind: 'transition', from: s.state, to: 'INIT', reason: 'shutdown' });
      const next: MachineState = { state: 'INIT', effectivePriority: s.effectivePriority, masterAdverIntervalCs: p.intervalCs, preemptAllowedAt: s.preemptAllowedAt };
      return result(next, actions);
    }
    case 'fault':
      if (s.state === 'FAULT' || s.state === 'INIT') return result(s, []);
      return becomeFault(p, s, e.reason);
    case 'faultCleared':
      if (s.state !== 'FAULT') return result(s, []);
      return startAsBackupOrOwner(p, { ...s, state: 'FAULT' }, now, 'fault cleared');
    case 'priority': {
      const effective = p.priority === 255 ? 255 : Math.max(1, Math.min(254, e.effective));
      if (effective === s.effectivePriority) return result(s, []);
      const next: MachineState = { ...s, effectivePriority: effective };
      // A master advertises its new priority at once so backups can preempt without waiting.
      if (s.state === 'MASTER') return result({ ...next, adverTimerAt: now + p.intervalCs * 10, advertSentAt: now }, [{ kind: 'sendAdvert', priority: effective }]);
      return result(next, []);
    }
    case 'advert':
      if (s.state === 'BACKUP') return onAdvertAsBackup(p, s, e, now);
      if (s.state === 'MASTER') return onAdvertAsMaster(p, s, e, now);
      return result(s, []);
    case 'syncMaster':
      if (s.state !== 'BACKUP') return result(s, []);
      return byGroup(becomeMaster(p, s, now, e.reason));
    case 'syncBackup':
      if (s.state !== 'MASTER') return result(s, []);
      return byGroup(becomeBackup(p, s, now, e.reason));
    case 'peerDown': {
      if (s.state !== 'BACKUP' || s.masterAddress === undefined || !sameAddress(s.masterAddress, e.peer)) return result(s, []);
      const skew = e.detectMs !== undefined && e.detectMs > 0 ? ((256 - s.effectivePriority) * e.detectMs) / 256 : skewTimeMs(p.version, s.effectivePriority, s.masterAdverIntervalCs);
      const at = now + skew;
      if (s.masterDownTimerAt !== undefined && s.masterDownTimerAt <= at) return result(s, []);
      return result({ ...s, masterDownTimerAt: at, takeover: `${e.reason}: master ${e.peer} taken over after ${Math.round(skew * 10) / 10} ms` }, []);
    }
    case 'timer':
      if (s.state === 'BACKUP' && s.masterDownTimerAt !== undefined && now >= s.masterDownTimerAt) {
        // In a sync group the group decides; the timer runs again so the wish is renewed
        // (and dropped by the next advert heard) while the others still hear their masters.
        if (p.syncGroup === true) return result({ ...s, wantsMaster: true, masterDownTimerAt: now + mdi(p, s) }, [{ kind: 'wantMaster' }]);
        return becomeMaster(p, s, now, s.takeover ?? 'master down timer expired');
      }
      if (s.state === 'MASTER' && s.adverTimerAt !== undefined && now >= s.adverTimerAt) {
        // The next advert is due an interval after this one was due, not after the timer
        // happened to fire: a timer a millisecond late each time must not stretch every
        // interval (at 50 ms that is 2 %). Only an advert more than an interval late restarts the count.
        const next = s.adverTimerAt + p.intervalCs * 10;
        return result({ ...s, adverTimerAt: next > now ? next : now + p.intervalCs * 10, advertSentAt: now }, [{ kind: 'sendAdvert', priority: s.effectivePriority }]);
      }
      return result(s, []);
  }
}
