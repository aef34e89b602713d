import { EventEmitter } from 'node:events';
import { Deadline, type Clock, type Timer } from './clock.js';
import {
  initialState,
  step,
  type InstanceParams,
  type MachineAction,
  type MachineEvent,
  type MachineState,
  type VrrpState,
} from './machine.js';
import { sealAh } from './ah.js';
import { appendTrailer, HmacGuard, type HmacSettings } from './auth-hmac.js';
import { AuthType, encode, noAuthData, passwordAuthData, type Advertisement, type ChecksumForm, type DropReason } from './packet.js';
import { isMulticast } from './address.js';
import type { ReceiveExpectations } from './receive.js';

/** What an instance needs from the network; `packages/net` implements it. */
export interface Transport {
  /** The source address of adverts (also the RFC 5798 tie-break address). */
  readonly sourceAddress: string;
  /** Destinations of adverts: the multicast group or the unicast peers. */
  readonly destinations: readonly string[];
  /**
   * Sends one VRRP payload to one destination; throws on a send error. With
   * `auth_type AH` the payload is the whole IPv4 datagram (IP and AH headers first).
   */
  send(payload: Buffer, destination: string): void;
  /** Adds the virtual addresses to the interface. */
  addAddresses(): Promise<void>;
  /** Removes the virtual addresses from the interface. */
  removeAddresses(): Promise<void>;
  /** Sends one gratuitous ARP / unsolicited NA per virtual address. */
  announce(): void;
}

/** Gratuitous ARP schedule (keepalived's `garp_*` keywords), in milliseconds and counts. */
export interface AnnounceSchedule {
  /** `garp_master_repeat`: announcements sent on becoming master (default 5). */
  readonly masterRepeat: number;
  /** `garp_master_delay`: a second burst this long after becoming master (default 5 s; 0 = none). */
  readonly masterDelayMs: number;
  /** `garp_master_refresh`: periodic re-announcement while master (0 = off). */
  readonly masterRefreshMs: number;
  /** `garp_master_refresh_repeat` (default 1). */
  readonly masterRefreshRepeat: number;
  /** `garp_lower_prio_repeat`: announcements when a lower-priority master is seen (default: masterRepeat). */
  readonly lowerPrioRepeat: number;
  /** `garp_lower_prio_delay`: a second such round this long after the first (0 = none). */
  readonly lowerPrioDelayMs?: number;
}

export const defaultAnnounceSchedule: AnnounceSchedule = {
  masterRepeat: 5,
  masterDelayMs: 5000,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioRepeat: 5,
};

export interface RunnerOptions {
  readonly name: string;
  readonly vrid: number;
  readonly params: InstanceParams;
  readonly addresses: readonly string[];
  readonly auth?: { readonly type: 'none' } | { readonly type: 'pass' | 'ah'; readonly password: string };
  readonly announce?: AnnounceSchedule;
  /** keepalived's `check_unicast_src`: with unicast peers, adverts from other sources are dropped. */
  readonly checkUnicastSource?: boolean;
  /** keepalived's `skip_check_adv_addr`: while backup, the followed master's adverts skip the address check. */
  readonly skipCheckAdvertAddresses?: boolean;
  /** keepalived's `old_unicast_checksum` / `v3_checksum_as_v2`: the VRRPv3 IPv4 checksum's form; absent: RFC 5798's. */
  readonly checksum?: ChecksumForm;
  /** keepalived 2.4's `auth_hmac`: adverts signed with a trailer, received ones checked. */
  readonly hmac?: HmacSettings;
  /** UTC milliseconds for auth_hmac's time-based sequence (default `Date.now`); injected by tests. */
  readonly wallClock?: () => number;
}

export interface TransitionEvent {
  readonly instance: string;
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly reason: string;
  /** The instance's vrrp_sync_group moved it: the group's rules must not follow this transition again. */
  readonly byGroup: boolean;
}

/** Counters shown in the daemon's stats. */
export interface InstanceStats {
  advertsSent: number;
  advertsReceived: number;
  priorityZeroSent: number;
  priorityZeroReceived: number;
  becameMaster: number;
  announcements: number;
  sendErrors: number;
  addressErrors: number;
  /** Adverts (lower priority or priority 0) not answered because this master had answered one less than an interval before. */
  answersLimited: number;
  dropped: Partial<Record<DropReason, number>>;
}

export interface RunnerEvents {
  transition: [TransitionEvent];
  /** A send or address change failed; the instance carries on. Not 'error', so no listener is required. */
  ioError: [Error];
  /** A sync group member's master-down timer ran out; the instance name. */
  wantMaster: [string];
  /** As master, an advert from another master with a lower priority: its source and priority. */
  lowerPriorityMaster: [{ readonly from: string; readonly priority: number }];
}

/**
 * Binds the pure state machine to a Transport and a Clock: delivers timer
 * events, executes actions, and keeps counters. One per `vrrp_instance`.
 */
export class InstanceRunner extends EventEmitter<RunnerEvents> {
  readonly name: string;
  readonly vrid: number;
  readonly stats: InstanceStats = {
    advertsSent: 0,
    advertsReceived: 0,
    priorityZeroSent: 0,
    priorityZeroReceived: 0,
    becameMaster: 0,
    announcements: 0,
    sendErrors: 0,
    addressErrors: 0,
    answersLimited: 0,
    dropped: {},
  };
  private machine: MachineState;
  private readonly deadline: Deadline;
  private readonly announceTimers = new Set<Timer>();
  private refreshTimer: Timer | undefined;
  private addressOp: Promise<void> = Promise.resolve();
  private schedule: AnnounceSchedule;
  private readonly authType: number;
  private readonly authData: Uint8Array;
  /** AH: the highest sequence number sent or accepted (keepalived keeps one counter for both). */
  private ahSequence = 0;
  /** AH: the IPv4 identification of the last advert; the ICV covers it, so tandem picks it, never 0. */
  private ipId = Math.floor(Math.random() * 0xffff);

  /** Adverts go to unicast peers (the transport's destinations never change). */
  private readonly unicast: boolean;
  /** auth_hmac's send sequence and receive replay marks. */
  private readonly hmac: HmacGuard | undefined;

  constructor(
    private options: RunnerOptions,
    private readonly transport: Transport,
    private readonly clock: Clock,
  ) {
    super();
    this.name = options.name;
    this.vrid = options.vrid;
    this.machine = initialState(options.params);
    this.deadline = new Deadline(clock, () => this.dispatch({ kind: 'timer' }));
    this.unicast = !transport.destinations.some(isMulticast);
    this.schedule = options.announce ?? defaultAnnounceSchedule;
    const auth = options.auth ?? { type: 'none' };
    this.authType = auth.type === 'pass' ? AuthType.simple : auth.type === 'ah' ? AuthType.ah : AuthType.none;
    this.authData = auth.type === 'none' ? noAuthData : passwordAuthData(auth.password);
    this.hmac = options.hmac !== undefined ? new HmacGuard(options.hmac, options.wallClock) : undefined;
  }

  get state(): VrrpState {
    return this.machine.state;
  }

  get effectivePriority(): number {
    return this.machine.effectivePriority;
  }

  get params(): InstanceParams {
    return this.options.params;
  }

  get addresses(): readonly string[] {
    return this.options.addresses;
  }

  /** The current master's address as last seen by this backup, if any. */
  get masterAddress(): string | undefined {
    return this.machine.state === 'MASTER' ? this.transport.sourceAddress : this.machine.masterAddress;
  }

  /** What the receive checks compare incoming adverts against. */
  get expectations(): ReceiveExpectations {
    return {
      version: this.options.params.version,
      intervalCs: this.options.params.intervalCs,
      authType: this.authType,
      authData: this.authData,
      ahSequence: this.ahSequence,
      unicast: this.unicast,
      addresses: this.options.addresses,
      ...(this.options.checkUnicastSource === true && this.unicast ? { peers: this.transport.destinations } : {}),
      ...(this.options.skipCheckAdvertAddresses === true && this.machine.state === 'BACKUP' && this.machine.masterAddress !== undefined ? { trustedMaster: this.machine.masterAddress } : {}),
      owner: this.machine.effectivePriority === 255,
      ...(this.hmac !== undefined ? { hmac: this.hmac, ...(this.unicast ? { unicastPeers: this.transport.destinations } : {}) } : {}),
    };
  }

  /**
   * Starts the instance; `resumeMaster` takes the MASTER role straight back, `fault` starts it
   * in FAULT for that reason (see the machine's startup event).
   */
  start(resumeMaster = false, fault?: string): void {
    this.dispatch({ kind: 'startup', ...(resumeMaster ? { resumeMaster } : {}), ...(fault !== undefined ? { fault } : {}) });
  }

  /** Leaves the group: priority-0 advert and addresses removed if master. Resolves once addresses are gone. */
  async stop(): Promise<void> {
    this.dispatch({ kind: 'shutdown' });
    this.cancelTimers();
    await this.addressOp;
  }

  /** A validated advert for this VRID (with its AH sequence number when authenticated by AH). */
  receive(advert: Advertisement, src: string, ahSequence?: number): void {
    if (ahSequence !== undefined && ahSequence > this.ahSequence) this.ahSequence = ahSequence;
    this.stats.advertsReceived++;
    if (advert.priority === 0) this.stats.priorityZeroReceived++;
    this.dispatch({ kind: 'advert', priority: advert.priority, intervalCs: advert.intervalCs, src });
  }

  /** Counts a datagram dropped by the receive checks for this instance. */
  countDrop(reason: DropReason): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  /**
   * Applies a reloaded configuration without a state transition: advertised
   * addresses, base priority, Preempt_Mode, announce schedule. `applyAddresses` is run in
   * order with the other address changes and told whether the instance is
   * master at that moment; a master then advertises and announces at once so
   * peers and clients see the new addresses without waiting.
   */
  async reconfigure(
    change: { readonly addresses?: readonly string[]; readonly priority?: number; readonly preempt?: boolean; readonly announce?: AnnounceSchedule },
    applyAddresses?: (master: boolean) => Promise<void>,
  ): Promise<void> {
    const params = { ...this.options.params, ...(change.priority !== undefined ? { priority: change.priority } : {}), ...(change.preempt !== undefined ? { preempt: change.preempt } : {}) };
    this.options = { ...this.options, params, ...(change.addresses !== undefined ? { addresses: change.addresses } : {}) };
    if (change.announce !== undefined) this.schedule = change.announce;
    if (change.priority !== undefined) this.dispatch({ kind: 'priority', effective: change.priority });
    if (applyAddresses === undefined) return;
    this.addressChange(async () => {
      const master = this.machine.state === 'MASTER';
      await applyAddresses(master);
      if (master && this.machine.state === 'MASTER') {
        this.sendAdvert(this.machine.effectivePriority);
        this.burst(this.schedule.masterRepeat);
      }
    });
    await this.addressOp;
  }

  setFault(faulted: boolean, reason: string): void {
    this.dispatch(faulted ? { kind: 'fault', reason } : { kind: 'faultCleared' });
  }

  setEffectivePriority(effective: number): void {
    this.dispatch({ kind: 'priority', effective });
  }

  /** Sync group: every member wants MASTER, so this one becomes master now. */
  syncMaster(reason: string): void {
    this.dispatch({ kind: 'syncMaster', reason });
  }

  /** Sync group: another member left MASTER, so this one leaves too. */
  syncBackup(reason: string): void {
    this.dispatch({ kind: 'syncBackup', reason });
  }

  /**
   * tandem's fast takeover: a BFD session to `peer` went Down. If `peer` is the master this
   * backup follows, it takes over after its Skew_Time scaled to the session's Detection Time
   * `detectMs` (see the machine's `peerDown`).
   */
  peerDown(peer: string, reason: string, detectMs?: number): void {
    this.dispatch(detectMs !== undefined ? { kind: 'peerDown', peer, reason, detectMs } : { kind: 'peerDown', peer, reason });
  }

  /** A sync group member whose master-down timer ran out (and no master heard since). */
  get wantsMaster(): boolean {
    return this.machine.state === 'BACKUP' && this.machine.wantsMaster === true;
  }

  private dispatch(event: MachineEvent): void {
    const now = this.clock.now();
    const out = step(this.options.params, this.machine, event, now);
    this.machine = out.state;
    for (const action of out.actions) this.execute(action);
    this.deadline.arm(out.nextTimer);
  }

  private execute(action: MachineAction): void {
    switch (action.kind) {
      case 'sendAdvert':
        this.sendAdvert(action.priority);
        return;
      case 'addVips':
        this.addressChange(() => this.transport.addAddresses());
        return;
      case 'delVips':
        this.stopAnnouncing();
        this.addressChange(() => this.transport.removeAddresses());
        return;
      case 'announce':
        if (action.reason === 'became-master') {
          this.stats.becameMaster++;
          // Announce only once the addresses are on the interface.
          void this.addressOp.then(() => this.announceAfterMaster());
        } else {
          this.burst(this.schedule.lowerPrioRepeat);
          this.later(this.schedule.lowerPrioDelayMs ?? 0, this.schedule.lowerPrioRepeat);
        }
        return;
      case 'transition':
        this.emit('transition', { instance: this.name, from: action.from, to: action.to, reason: action.reason, byGroup: action.byGroup === true });
        return;
      case 'wantMaster':
        this.emit('wantMaster', this.name);
        return;
      case 'answerLimited':
        this.stats.answersLimited++;
        return;
      case 'lowerPriorityMaster':
        this.emit('lowerPriorityMaster', { from: action.from, priority: action.priority });
        return;
    }
  }

  private sendAdvert(priority: number): void {
    const advert: Advertisement = {
      version: this.options.params.version,
      vrid: this.vrid,
      priority,
      intervalCs: this.options.params.intervalCs,
      addresses: this.options.addresses,
      authType: this.authType,
      // With AH the password keys the ICV; the advert's own auth field stays zero.
      authData: this.authType === AuthType.simple ? this.authData : noAuthData,
    };
    const ah = this.authType === AuthType.ah;
    if (ah) {
      // One sequence number and IP identification per advert round, as keepalived.
      this.ahSequence = (this.ahSequence + 1) >>> 0;
      this.ipId = (this.ipId % 0xffff) + 1;
    }
    // auth_hmac: one trailer per advert round, shared by the copies to each peer (keepalived signs once per round).
    let trailer: Buffer | undefined;
    let signed = false;
    for (const dst of this.transport.destinations) {
      try {
        const src = this.transport.sourceAddress;
        const ctx = { family: this.options.params.family, src, dst, ...(this.options.checksum !== undefined ? { checksum: this.options.checksum } : {}) };
        let message = encode(advert, ctx);
        if (this.hmac !== undefined) {
          if (!signed) trailer = this.hmac.sign(message, { family: ctx.family, version: advert.version, vrid: advert.vrid, src });
          signed = true;
          if (trailer !== undefined) message = appendTrailer(advert.version, message, trailer, ctx);
        }
        const payload = ah ? sealAh(message, { src, dst, ipId: this.ipId, seq: this.ahSequence, key: this.authData, unicast: this.unicast }) : message;
        this.transport.send(payload, dst);
        this.stats.advertsSent++;
        if (priority === 0) this.stats.priorityZeroSent++;
      } catch (err) {
        this.stats.sendErrors++;
        this.emit('ioError', err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private addressChange(op: () => Promise<void>): void {
    // Serialise address changes so a quick MASTER→BACKUP→MASTER never reorders add and delete.
    this.addressOp = this.addressOp.then(op).catch((err: unknown) => {
      this.stats.addressErrors++;
      this.emit('ioError', err instanceof Error ? err : new Error(String(err)));
    });
  }

  private burst(count: number): void {
    if (this.machine.state !== 'MASTER') return;
    for (let i = 0; i < count; i++) {
      try {
        this.transport.announce();
        this.stats.announcements++;
      } catch (err) {
        this.stats.sendErrors++;
        this.emit('ioError', err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
  }

  private announceAfterMaster(): void {
    if (this.machine.state !== 'MASTER') return;
    this.burst(this.schedule.masterRepeat);
    this.later(this.schedule.masterDelayMs, this.schedule.masterRepeat);
    if (this.schedule.masterRefreshMs > 0) this.scheduleRefresh();
  }

  /** A second round of `count` announcements `delayMs` from now (none for 0); leaving MASTER cancels it. */
  private later(delayMs: number, count: number): void {
    if (delayMs <= 0) return;
    const t = this.clock.setTimer(delayMs, () => {
      this.announceTimers.delete(t);
      this.burst(count);
    });
    this.announceTimers.add(t);
  }

  private scheduleRefresh(): void {
    this.refreshTimer = this.clock.setTimer(this.schedule.masterRefreshMs, () => {
      this.burst(this.schedule.masterRefreshRepeat);
      if (this.machine.state === 'MASTER') this.scheduleRefresh();
    });
  }

  private stopAnnouncing(): void {
    for (const t of this.announceTimers) t.cancel();
    this.announceTimers.clear();
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
  }

  private cancelTimers(): void {
    this.deadline.cancel();
    this.stopAnnouncing();
  }
}
