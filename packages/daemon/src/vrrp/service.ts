import { uptime } from 'node:os';
import { hasOwnerMember, sameValue, type BfdInstance, type Config, type GlobalDefs, type SyncGroup, type TrackFile, type TrackProcess, type VrrpInstance, type VrrpScript } from '@tandem/config';
import { type AddressSpec, type FrameSink, type LinkInfo, type NetError, type PacketInfo } from '@tandem/net';
import { InstanceRunner, openAh, receiveAdvert, type ChecksumForm, type Clock, type DropReason, type InstanceStats, type Timer, type TransitionEvent, type VrrpState } from '@tandem/vrrp';
import { runScript } from '@tandem/healthcheck';
import type { Logger } from '../logger.js';
import { scriptPreparer, type ScriptExec, type ScriptPreparer } from '../script-prep.js';
import { checksumForm, interfacesOf, runnerOptions, vipText } from '../instance-options.js';
import { addressSpec, routeSpecs, ruleSpec } from '../route-specs.js';
import { pickInstance } from './dispatch.js';
import { ExtraAnnouncer, extraTargets } from './extra-announce.js';
import { LinkDebouncer, debounceDelays } from './link-debounce.js';
import type { ChannelSpec, HostChannel, HostTransport, VrrpHost } from './host.js';
import { Notifier, notifyState } from './notify.js';
import { Mailer, type MailCounters } from '../smtp/mailer.js';
import { groupsByMember, planReload, type InstanceDiff } from './reload-plan.js';
import { followTransition, groupFaults, onWantMaster, settledState, type GroupMove, type MemberView } from './sync-groups.js';
import { Trackers, tracks, type ScriptStatus } from './tracking.js';
import { BfdTracking } from './bfd-tracking.js';
import { staticTrackItems, tracksStatically, type StaticTrack } from './static-track.js';
import { AnnouncePacers } from './announce-pacing.js';
import { SourceAddresses } from './source-tracking.js';
import { addressKey, addressVmacs, sameVmacs, type AddressVmacPlan } from './address-vmacs.js';

// keepalived's vrrp_scheduler.c for tandem: the instances of one configuration on the host,
// with receive dispatch, link state, tracking, sync groups, notify and reload. Decisions come
// from the pure modules beside it; the host port (host.ts) is its only way to the system.

/** The parts of a configuration the VRRP side runs. */
export interface VrrpPart {
  readonly globalDefs: GlobalDefs;
  readonly vrrpInstances: readonly VrrpInstance[];
  readonly syncGroups: readonly SyncGroup[];
  readonly vrrpScripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  readonly trackProcesses: readonly TrackProcess[];
  /** interface_up_down_delays. */
  readonly interfaceDelays?: Config['interfaceDelays'];
  readonly bfdInstances: readonly BfdInstance[];
  /** Instance name → interfaces it tracks through keepalived's track groups (static items' `track_group`), weight 0. */
  readonly staticTrack?: StaticTrack;
  /** `garp_group` blocks. */
  readonly garpGroups?: Config['garpGroups'];
}

/** Status of one instance, as `tandemctl status --json` prints it. */
export interface InstanceStatus {
  readonly name: string;
  readonly state: VrrpState;
  readonly priority: number;
  readonly effectivePriority: number;
  /** Preempt_Mode (false with `nopreempt`, or after an SNMP SET of vrrpInstancePreempt to 2). */
  readonly preempt?: boolean;
  readonly vips: readonly string[];
  readonly interface: string;
  readonly vrid: number;
  readonly version: number;
  readonly master: string | undefined;
}

export interface ChannelStats {
  readonly interface: string;
  readonly family: 4 | 6;
  /** VRRPv2 inside IPsec AH (auth_type AH) arrives on its own socket. */
  readonly ah: boolean;
  received: number;
  dropped: Partial<Record<DropReason, number>>;
}

/** What a reload did to each instance. */
export interface ReloadReport {
  readonly added: string[];
  readonly removed: string[];
  /** Applied in place: no transition, addresses and timers kept. */
  readonly updated: string[];
  /** Changed in a way that needs a fresh instance (interface, VRID, version, timers...). */
  readonly restarted: string[];
  readonly unchanged: string[];
}

/** disable_local_igmp's setting. */
const IGMP_LINK_LOCAL = '/proc/sys/net/ipv4/igmp_link_local_mcast_reports';

/** The interface adverts go out of and come in on: the instance's virtual MAC interface unless vmac_xmit_base. */
function advertInterface(i: VrrpInstance): string {
  return i.vmac !== undefined && !i.vmac.xmitBase ? i.vmac.name : i.interface;
}

/** Where an instance's configured source address belongs: its interface, or with vrf any interface enslaved to the VRF device. */
function sourceInterfaces(i: VrrpInstance, links: ReadonlyMap<string, LinkInfo>): number[] {
  const own = links.get(i.interface)?.index;
  if (own === undefined) return [];
  return i.vrf === undefined ? [own] : [...links.values()].filter((l) => l.master === own).map((l) => l.index);
}

function channelSpec(i: VrrpInstance): ChannelSpec {
  return { interface: advertInterface(i), family: i.family, ah: i.authentication?.type === 'AH', addressesOf: i.interface };
}

/** The channel an instance sends and receives on: its interface, family, and whether AH wraps the adverts. */
function checksumOf(m: Managed | undefined, g: GlobalDefs): ChecksumForm | undefined {
  return m === undefined ? undefined : checksumForm(m.config, g);
}

function channelKey(i: VrrpInstance): string {
  const c = channelSpec(i);
  return `${c.interface}/${c.family}${c.ah ? '/ah' : ''}`;
}

interface Managed {
  config: VrrpInstance;
  readonly runner: InstanceRunner;
  readonly transport: HostTransport;
  readonly ifindex: number;
  /** garp_extra_if's rounds while MASTER. */
  readonly extra: ExtraAnnouncer;
}

export interface VrrpServiceOptions {
  readonly host: VrrpHost;
  readonly clock: Clock;
  readonly log: Logger;
  /** Runs scripts (tracked and notify); a fake in tests. */
  readonly exec?: ScriptExec;
  /** Seconds since the host booted (vrrp_delay_after_boot); os.uptime unless a test gives one. */
  readonly uptime?: () => number;
  /** Sends the email alerts (smtp_alert); one with the system's SMTP client unless a test gives its own. */
  readonly mailer?: Mailer;
}

/** Runs the configured VRRP instances through a host port. */
export class VrrpService {
  private readonly host: VrrpHost;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly uptime: () => number;
  private readonly channels = new Map<string, HostChannel>();
  private readonly channelStats = new Map<string, ChannelStats>();
  /** auth_hmac clock-skew warnings: when each instance last gave one. */
  private readonly skewWarned = new Map<string, number>();
  private readonly instances: Managed[] = [];
  private readonly links = new Map<number, LinkInfo>();
  private readonly frameSenders = new Map<number, FrameSink & { close(): void }>();
  /** Per interface, in front of its sender: vrrp_garp_interval / vrrp_gna_interval. */
  private readonly pacers: AnnouncePacers;
  private readonly sources = new SourceAddresses();
  /** Whether `sources` is kept (track_src_ip is in use). */
  private sourcesKnown = false;
  private watchingAddresses = false;
  /** While vrrp_startup_delay runs: the instances that begin when it ends (reloads may add some). */
  private startupDelay: { readonly timer: Timer; readonly pending: Managed[] } | undefined;
  private readonly trackers: Trackers;
  /** track_bfd and bfd_takeover: the BFD sessions' states as the BFD side reports them. */
  private readonly bfd = new BfdTracking();
  private readonly notifier: Notifier;
  private readonly mailer: Mailer;
  private preparer: ScriptPreparer | undefined;
  /** vrrp_sync_group by member instance name. */
  private groupOf = new Map<string, SyncGroup>();
  /**
   * Instances in FAULT until something appears (their interfaces with dynamic_interfaces, an
   * address to send from), with why they wait: their FAULT reason, given to their sync group's
   * other members.
   */
  private readonly waiting = new Map<string, { readonly config: VrrpInstance; readonly why: string }>();
  /** Until the instances begin at start: the waiting ones whose FAULT is still to be notified (in beginAll's order). */
  private untold: Set<string> | undefined;
  /** While beginAll runs: sync groups are notified in its order, not as their members move. */
  private holdGroupNotify = false;
  /**
   * Instances started in FAULT only until a tracked vrrp_script (weight 0) reports for the first
   * time (keepalived's num_script_init): that FAULT is not notified; what the script then says is.
   */
  private readonly held = new Set<string>();
  /** The configuration running (instances made when their interfaces appear need it). */
  private part: VrrpPart | undefined;
  /** use_vmac_addr: each running instance's virtual MAC interfaces for its addresses elsewhere. */
  private readonly addressVmacPlans = new Map<string, AddressVmacPlan>();
  /** interface_up_down_delays between the host's link events and onLink. */
  private readonly debouncer: LinkDebouncer;
  /** The last state each sync group's notify scripts were run for. */
  private readonly groupStates = new Map<string, VrrpState>();
  /** Instances an SNMP SET changed (keepalived's vrrp_snmp.c): the next reload puts the file's values back. */
  private readonly snmpChanged = new Set<string>();
  /** Instances SET to base priority 255 without being configured owners: keepalived then leaves their effective priority where it was. */
  private readonly frozen = new Set<string>();
  /** keepalived's notify FIFO lines (`INSTANCE "VI_1" MASTER 100`, `GROUP "G" MASTER`). */
  onNotifyLine: ((line: string) => void) | undefined;
  /**
   * Called on every state change of every instance (the sync daemon follows one; the supervisor
   * remembers them). `held`: the instance starts in FAULT only to wait for a weight-0 tracker's
   * first report, which keepalived neither logs nor announces (no notify, no trap).
   */
  onTransition: ((e: TransitionEvent, held: boolean) => void) | undefined;
  /** A sync group settled in a state (after its notify). */
  onGroupState: ((group: string, state: VrrpState) => void) | undefined;

  constructor(o: VrrpServiceOptions) {
    this.host = o.host;
    this.clock = o.clock;
    this.log = o.log;
    this.uptime = o.uptime ?? uptime;
    const exec = o.exec ?? runScript;
    this.trackers = new Trackers(
      o.log,
      o.clock,
      exec,
      (kind, name) => {
        for (const m of this.instances) if (tracks(m.config, this.groupOf.get(m.config.name), kind, name)) this.recompute(m);
      },
      o.host,
    );
    this.mailer = o.mailer ?? new Mailer(o.log);
    this.notifier = new Notifier(o.log, o.clock, exec, (line) => this.onNotifyLine?.(line), this.mailer);
    this.pacers = new AnnouncePacers(o.clock, (ifname, err) => this.log.warn(`gratuitous ARP / NA on ${ifname}: ${err.message}`));
    this.debouncer = new LinkDebouncer(o.clock, (link) => this.onLink(link), (line) => this.log.info(line));
  }

  /** track_src_ip: the addresses on the interfaces, then their changes (once an instance uses it). */
  private async followSources(part: VrrpPart): Promise<void> {
    if (this.sourcesKnown || !part.vrrpInstances.some((i) => i.trackSrcIp === true)) return;
    this.sourcesKnown = true;
    this.watchAddressEvents();
    this.sources.reset(await this.host.interfaceAddresses());
  }

  /**
   * Follows the host's address events (once): for track_src_ip, and for instances waiting for
   * an address to send from, which may start when one is added.
   */
  private watchAddressEvents(): void {
    if (this.watchingAddresses) return;
    this.watchingAddresses = true;
    this.host.watchAddresses((e) => {
      if (e.added && this.waiting.size > 0) void this.appeared();
      if (!this.sourcesKnown || !this.sources.change(e.address, e.ifindex, e.added)) return;
      for (const m of this.instances) if (m.config.trackSrcIp === true && m.config.unicastSrcIp === e.address) this.recompute(m);
    });
  }

  /** interface_up_down_delays for this configuration (each instance caps its interface's, as keepalived). */
  private setDelays(part: VrrpPart): void {
    const notes: string[] = [];
    const delays = debounceDelays(part.interfaceDelays, part.vrrpInstances, notes);
    for (const line of notes) this.log.info(line);
    const names = new Set([...this.links.values()].map((l) => l.name));
    for (const name of delays.keys()) if (!names.has(name)) this.log.warn(`interface_up_down_delays: there is no interface ${name} (yet); its delays apply once it exists`);
    this.debouncer.setDelays(delays);
  }

  /**
   * Opens sockets and starts every instance; throws (with nothing left running) if an
   * interface is missing. Instances named in `resume` were MASTER a moment ago in a VRRP
   * side that restarted: they take the role straight back.
   */
  async start(part: VrrpPart, resume: ReadonlySet<string> = new Set()): Promise<void> {
    this.preparer = scriptPreparer(part);
    this.mailer.configure(part.globalDefs);
    this.groupOf = groupsByMember(part.syncGroups);
    this.bfd.configure(part.bfdInstances);
    this.pacers.configure(part.globalDefs, part.garpGroups);
    this.host.setFirewall(part.globalDefs.vrrpFirewall);
    // keepalived's disable_local_igmp: no IGMP reports for 224.0.0.0/24 (the VRRP group among them) while it runs.
    if (part.globalDefs.disableLocalIgmp === true) this.host.holdHostSysctl(IGMP_LINK_LOCAL, '0');
    if (part.globalDefs.vrrpFirewall.kind === 'none' && part.vrrpInstances.some((i) => !i.accept && i.priority !== 255)) {
      this.log.warn('no_accept is not enforced: a bare vrrp_iptables asks for no firewall rules, so traffic to the addresses is accepted');
    }
    let fresh: Array<{ start(): void }>;
    this.untold = new Set();
    try {
      fresh = this.trackers.sync(part, this.preparer);
      await this.trackers.openProcessEvents();
      for (const l of await this.host.links()) this.links.set(l.index, l);
      this.debouncer.known([...this.links.values()]);
      this.setDelays(part);
      this.part = part;
      await this.followSources(part);
      for (const i of part.vrrpInstances) await this.addOrWait(i, part);
    } catch (err) {
      this.untold = undefined;
      await this.stop();
      throw err;
    }
    this.host.watchLinks((link) => this.debouncer.report(link));
    // keepalived 2.4: the longer of vrrp_startup_delay and what is left of vrrp_delay_after_boot.
    const delay = Math.max(part.globalDefs.vrrpStartupDelay, (part.globalDefs.vrrpDelayAfterBoot ?? 0) - this.uptime());
    if (delay > 0 && resume.size === 0) {
      // Until then the instances stay in INIT: no adverts, no addresses.
      this.log.info(`vrrp_startup_delay / vrrp_delay_after_boot: VRRP instances start in ${Math.round(delay * 1000) / 1000} s`);
      const pending: Managed[] = [];
      this.startupDelay = {
        pending,
        timer: this.clock.setTimer(delay * 1000, () => {
          this.startupDelay = undefined;
          this.beginAll(pending.filter((m) => this.instances.includes(m)), new Set());
        }),
      };
      for (const m of this.instances) pending.push(m);
    } else this.beginAll(this.instances, resume);
    for (const mon of fresh) mon.start();
  }

  /**
   * Starts instances in keepalived's order (vrrp_init_state, and the tracking set up before
   * it), so notify scripts and FIFO readers see what keepalived writes: first the instances
   * already in FAULT (a sync group's members together, then the group), then each sync group
   * entering BACKUP before its members, then the others.
   */
  private beginAll(started: readonly Managed[], resume: ReadonlySet<string>): void {
    const untold = this.untold ?? new Set<string>();
    this.untold = undefined;
    const byName = new Map(started.map((m) => [m.config.name, m]));
    const order = this.part?.vrrpInstances.map((i) => i.name) ?? [];
    const faults = new Map<string, string>();
    const holds = new Set<string>();
    const judgedGroups = new Set<SyncGroup>();
    for (const name of order) {
      const group = this.groupOf.get(name);
      let judged: ReturnType<VrrpService['judged']> = [];
      if (group === undefined) judged = this.judged(undefined, [byName.get(name)].filter((m) => m !== undefined));
      else if (!judgedGroups.has(group)) {
        // A sync group is judged as a whole, once.
        judgedGroups.add(group);
        judged = this.judged(group, this.membersOf(group));
      }
      for (const r of judged) {
        if (r.groupFault !== undefined && (r.x === undefined || byName.has(r.name))) faults.set(r.name, r.groupFault);
        if (r.hold !== undefined) holds.add(r.name);
      }
      const waits = this.waiting.get(name);
      if (waits !== undefined) faults.set(name, waits.why);
    }
    const done = new Set<string>();
    const startOne = (name: string): void => {
      if (done.has(name)) return;
      done.add(name);
      const m = byName.get(name);
      const waiting = this.waiting.get(name)?.config;
      if (m !== undefined) this.begin(m, resume.has(name), faults.get(name));
      else if (waiting !== undefined && untold.has(name)) this.notifier.instance(waiting, 'FAULT', waiting.priority, this.preparer!);
    };
    this.holdGroupNotify = true;
    try {
      for (const name of order) {
        if (!faults.has(name) || done.has(name)) continue;
        const group = this.groupOf.get(name);
        if (group === undefined) startOne(name);
        else {
          for (const n of group.group) startOne(n);
          this.groupNotify(group, true);
        }
      }
      for (const g of this.part?.syncGroups ?? []) {
        const members = g.group.map((n) => byName.get(n));
        // A group with a member resuming MASTER is not starting, one waiting for scripts says nothing yet.
        // (keepalived 2.2.7 starts a group of address owners as BACKUP too.)
        if (members.some((m) => m === undefined || done.has(m.config.name) || resume.has(m.config.name) || holds.has(m.config.name))) continue;
        this.groupSettled(g, 'BACKUP');
      }
      // keepalived gives an address owner (or a master resumed) a timer of 1 us in vrrp_init_state:
      // it becomes MASTER after every other instance has entered BACKUP.
      const atOnce = (name: string): boolean => resume.has(name) || (byName.get(name)?.config.priority === 255 && !this.groupOf.has(name));
      for (const name of order) if (!atOnce(name)) startOne(name);
      for (const name of order) startOne(name);
    } finally {
      this.holdGroupNotify = false;
    }
    for (const g of this.part?.syncGroups ?? []) this.groupNotify(g);
  }

  /** The first interface an instance needs that does not exist, if any. */
  private missingInterface(i: VrrpInstance): string | undefined {
    const names = new Set([...this.links.values()].map((l) => l.name));
    return interfacesOf(i).find((n) => !names.has(n));
  }

  /**
   * Starts an instance, or lets it wait in FAULT: with dynamic_interfaces for a missing
   * interface; always for an address to send from, when its interface has none of its family
   * and none is configured (keepalived: "entering FAULT state (no IPv4 address for interface)"),
   * so a director whose address comes later (DHCP, a slow network service) still starts.
   */
  private async addOrWait(i: VrrpInstance, part: VrrpPart): Promise<Managed | undefined> {
    const missing = part.globalDefs.dynamicInterfaces === true ? this.missingInterface(i) : undefined;
    if (missing !== undefined) {
      this.wait(i, `interface ${missing} does not exist`);
      return undefined;
    }
    try {
      return await this.add(i, part);
    } catch (err) {
      if (!isNoAddress(err)) throw err;
      this.waitForAddress(i, err);
      return undefined;
    }
  }

  /** An instance whose interface has no address to send from: in FAULT until one is added. */
  private waitForAddress(i: VrrpInstance, err: NetError): void {
    this.dropChannelOf(i);
    this.watchAddressEvents();
    this.wait(i, err.message, 'an address is added');
  }

  private wait(i: VrrpInstance, why: string, until = 'it appears (dynamic_interfaces)'): void {
    const already = this.waiting.has(i.name);
    this.waiting.set(i.name, { config: i, why });
    if (already) return;
    this.log.warn(`(${i.name}) ${why}: FAULT until ${until}`);
    if (this.untold !== undefined) this.untold.add(i.name);
    else this.notifier.instance(i, 'FAULT', i.priority, this.preparer!);
    // A sync group with a member waiting is in FAULT as a whole.
    const group = this.groupOf.get(i.name);
    const running = group === undefined ? undefined : this.membersOf(group)[0];
    if (running !== undefined && this.untold === undefined) this.recompute(running);
  }

  /** dynamic_interfaces: the waiting instances whose interfaces all exist now start. */
  private async appeared(): Promise<void> {
    const part = this.part;
    if (part === undefined) return;
    for (const { config: i } of [...this.waiting.values()]) {
      if (this.missingInterface(i) !== undefined) continue;
      this.waiting.delete(i.name);
      this.log.info(`(${i.name}) its interfaces exist now: starting`);
      try {
        this.begin(await this.add(i, part));
      } catch (err) {
        // Not ready yet (no address to send from): its channel is opened afresh next time.
        if (isNoAddress(err)) this.waitForAddress(i, err);
        else {
          this.dropChannelOf(i);
          this.wait(i, (err as Error).message);
        }
      }
    }
  }

  /**
   * An interface was deleted: the instances on it go to FAULT. With dynamic_interfaces they
   * wait for it to come back (as a new interface, maybe of another kind), else they stay in FAULT.
   */
  private async deleted(link: LinkInfo): Promise<void> {
    const hit = this.instances.filter((m) => m.ifindex === link.index || interfacesOf(m.config).includes(link.name));
    for (const m of hit) {
      m.runner.setFault(true, `${link.name} was deleted`);
      if (this.part?.globalDefs.dynamicInterfaces !== true) continue;
      // Quietly: the FAULT was notified; the instance's sockets died with the interface.
      m.runner.removeAllListeners();
      m.extra.stop();
      await m.runner.stop();
      this.instances.splice(this.instances.indexOf(m), 1);
      this.dropChannelOf(m.config);
      this.waiting.set(m.config.name, { config: m.config, why: `${link.name} was deleted` });
      this.log.warn(`(${m.config.name}) ${link.name} was deleted: FAULT until it is back (dynamic_interfaces)`);
    }
  }

  /** Closes the channel an instance would use, when no running instance uses it. */
  private dropChannelOf(i: VrrpInstance): void {
    const key = channelKey(i);
    if (this.instances.some((x) => channelKey(x.config) === key)) return;
    this.channels.get(key)?.close();
    this.channels.delete(key);
  }

  private linkByName(name: string): LinkInfo {
    for (const l of this.links.values()) if (l.name === name) return l;
    throw new Error(`interface ${name} does not exist`);
  }

  private async channel(i: VrrpInstance): Promise<HostChannel> {
    const key = channelKey(i);
    let ch = this.channels.get(key);
    if (ch !== undefined) return ch;
    const spec = channelSpec(i);
    const stats: ChannelStats = { interface: spec.interface, family: spec.family, ah: spec.ah, received: 0, dropped: {} };
    this.channelStats.set(key, stats);
    ch = await this.host.openChannel(
      spec,
      (payload, info) => this.onDatagram(key, payload, info),
      (err) => this.log.error(`receive error on ${spec.interface}: ${err.message}`),
    );
    this.channels.set(key, ch);
    return ch;
  }

  private async add(i: VrrpInstance, part: VrrpPart): Promise<Managed> {
    const link = this.linkByName(i.interface);
    if (i.vmac !== undefined) {
      const v = await this.host.createVmac(i.vmac, link, i.virtualRouterId, i.family, i.family === 6 ? i.unicastSrcIp : undefined);
      this.links.set(v.index, v);
    }
    await this.createAddressVmacs(i, part);
    for (const name of interfacesOf(i)) this.linkByName(name);
    // As keepalived: removing the interface's primary address then keeps the others.
    if (i.promoteSecondaries) this.host.holdSysctl('ipv4', i.interface, 'promote_secondaries', '1');
    const ch = await this.channel(i);
    if (i.unicastPeer.length === 0) ch.join(i.mcastGroup);
    const transport = ch.transport(
      {
        ...(i.unicastSrcIp !== undefined ? { source: i.unicastSrcIp } : {}),
        peers: i.unicastPeer,
        unicastTtl: i.unicastTtl,
        group: i.mcastGroup,
        addresses: this.addressSpecs(i),
        // RFC 5798 §6.4.3: the address owner accepts whatever Accept_Mode says.
        noAccept: !i.accept && i.priority !== 255,
        routes: routeSpecs(i.virtualRoutes, this.links.values(), this.ifindexOf, (r, why) => this.log.warn(`(${i.name}) virtual route ${r.destination}/${r.prefix} (line ${r.pos.line}) not set: ${why}`)),
        rules: i.virtualRules.map(ruleSpec),
      },
      { mac: (ifindex) => this.links.get(ifindex)?.mac, frames: (ifindex) => this.framesFor(ifindex) },
    );
    const options = runnerOptions(i, part.globalDefs, transport.sourceAddress);
    const inGroup = this.groupOf.has(i.name);
    const runner = new InstanceRunner(inGroup ? { ...options, params: { ...options.params, syncGroup: true } } : options, transport, this.clock);
    const log = this.log.child({ module: i.name });
    const ownIfindex = this.ifindexOf(i.vmac?.name ?? i.interface);
    const extra = new ExtraAnnouncer(
      {
        targets: () => {
          const managed = this.instances.find((x) => x.runner === runner);
          if (managed === undefined) return [];
          try {
            return extraTargets(managed.config, this.addressSpecs(managed.config), ownIfindex, this.madeInterfaces(managed.config));
          } catch {
            return []; // an interface went away: its instance is in FAULT
          }
        },
        intervalS: () => this.instances.find((x) => x.runner === runner)?.config.garpExtraIf?.interval,
        mac: (ifindex) => this.links.get(ifindex)?.mac,
        frames: (ifindex) => this.framesFor(ifindex),
      },
      this.clock,
    );
    runner.on('transition', (e) => {
      extra.state(e.to);
      const line = `(${e.instance}) ${e.from} -> ${e.to}: ${e.reason}`;
      const held = e.to === 'FAULT' && this.held.has(e.instance);
      if (e.to === 'FAULT' && !held) log.warn(line, { ...e });
      else log.info(line, { ...e });
      const managed = this.instances.find((x) => x.runner === runner);
      if (managed !== undefined && !held) this.notifier.instance(managed.config, e.to, runner.effectivePriority, this.preparer!);
      this.onTransition?.(e, held);
      this.followGroup(e);
    });
    runner.on('wantMaster', (name) => this.groupWantsMaster(name));
    runner.on('lowerPriorityMaster', (e) => {
      const m = this.instances.find((x) => x.runner === runner);
      if (m === undefined) return;
      log.info(`(${i.name}) received advert from ${e.from} with lower priority ${e.priority}, ours ${runner.effectivePriority}${m.config.lowerPrioNoAdvert ? '' : ', forcing new election'}`);
      this.notifier.masterRxLowerPri(m.config, runner.effectivePriority, this.preparer!);
    });
    runner.on('ioError', (err) => log.warn(`(${i.name}) ${err.message}`));
    log.debug(`(${i.name}) vrid ${i.virtualRouterId} v${i.version} on ${i.interface} from ${transport.sourceAddress} to ${transport.destinations.join(',')}, vips ${i.virtualIpaddress.map(vipText).join(' ')}`);
    const managed: Managed = { config: i, runner, transport, ifindex: link.index, extra };
    this.instances.push(managed);
    return managed;
  }

  private readonly ifindexOf = (name: string): number => this.linkByName(name).index;

  /** The interface's frame sender, behind a pacer shared by every instance that announces there (and by a garp_group's interfaces). */
  private framesFor(ifindex: number): FrameSink {
    const name = this.links.get(ifindex)?.name ?? String(ifindex);
    return this.pacers.frames(ifindex, name, () => {
      let sender = this.frameSenders.get(ifindex);
      if (sender === undefined) {
        sender = this.host.frameSender(this.links.get(ifindex)?.name ?? '');
        this.frameSenders.set(ifindex, sender);
      }
      return sender;
    });
  }

  /** use_vmac_addr: the virtual MAC interfaces of the instance's addresses on other interfaces or of the other family. */
  private addressVmacPlan(i: VrrpInstance, part: VrrpPart): AddressVmacPlan {
    const g = part.globalDefs;
    const mine = new Set(this.addressVmacPlans.get(i.name)?.vmacs.map((v) => v.name));
    const others = new Set([...part.vrrpInstances.filter((x) => x.name !== i.name).flatMap((x) => [...(x.vmac !== undefined ? [x.vmac.name] : []), ...(this.addressVmacPlans.get(x.name)?.vmacs.map((v) => v.name) ?? [])])]);
    // A macvlan of that name left by a crash is ours to replace; any other interface is not.
    const taken = (name: string): boolean => others.has(name) || (!mine.has(name) && [...this.links.values()].some((l) => l.name === name && l.kind !== 'macvlan'));
    return addressVmacs(i, g.vmacAddrPrefix ?? g.vmacPrefix ?? 'vrrp', taken);
  }

  private async createAddressVmacs(i: VrrpInstance, part: VrrpPart): Promise<void> {
    const plan = this.addressVmacPlan(i, part);
    if (plan.vmacs.length === 0) return;
    this.addressVmacPlans.set(i.name, plan);
    for (const v of plan.vmacs) {
      const link = await this.host.createVmac({ name: v.name, xmitBase: false, pos: i.pos }, this.linkByName(v.base), i.virtualRouterId, v.family);
      this.links.set(link.index, link);
    }
  }

  /** The indexes of the virtual MAC interfaces made for an instance (keepalived's `is_ours`). */
  private madeInterfaces(i: VrrpInstance): Set<number> {
    const names = [...(i.vmac !== undefined ? [i.vmac.name] : []), ...(this.addressVmacPlans.get(i.name)?.vmacs.map((v) => v.name) ?? [])];
    return new Set([...this.links.values()].filter((l) => names.includes(l.name)).map((l) => l.index));
  }

  private async removeAddressVmacs(name: string): Promise<void> {
    const plan = this.addressVmacPlans.get(name);
    this.addressVmacPlans.delete(name);
    for (const v of plan?.vmacs ?? []) await this.host.removeVmac(v.name);
  }

  private addressSpecs(i: VrrpInstance): AddressSpec[] {
    const onVmac = this.addressVmacPlans.get(i.name)?.devOf;
    const all = [...i.virtualIpaddress, ...i.virtualIpaddressExcluded].map((v) => {
      const dev = onVmac?.get(addressKey(v));
      return dev === undefined ? v : { ...v, dev };
    });
    if (i.vmac === undefined) return all.map((v) => addressSpec(v, this.ifindexOf, i.interface));
    // As keepalived: addresses on the instance's own interface (named or not) live on its virtual MAC interface.
    const vmac = i.vmac.name;
    return all.map((v) =>
      v.family === i.family && (v.dev ?? i.interface) === i.interface ? addressSpec({ ...v, dev: vmac }, this.ifindexOf, vmac) : addressSpec(v, this.ifindexOf, i.interface),
    );
  }

  private begin(m: Managed, resumeMaster = false, fault?: string): void {
    if (this.startupDelay !== undefined) {
      this.startupDelay.pending.push(m);
      return;
    }
    // The effective priority goes in first: Master_Down_Interval's skew uses it.
    m.runner.setEffectivePriority(this.evaluate(m.config, this.groupOf.get(m.config.name), this.linksByName(), !resumeMaster).priority);
    let reason = fault;
    if (reason === undefined && !resumeMaster) {
      reason = this.judgedWith(m).find((r) => r.name === m.config.name)?.hold;
      if (reason !== undefined) this.held.add(m.config.name);
    }
    m.runner.start(resumeMaster, reason);
    this.recompute(m);
  }

  private linksByName(): Map<string, LinkInfo> {
    return new Map([...this.links.values()].map((l) => [l.name, l]));
  }

  /** An instance's own link down (unless dont_track_primary), as a FAULT reason. */
  private linkFault(m: Managed): string | undefined {
    if (m.config.vrf === undefined) {
      const own = this.links.get(m.ifindex);
      if (own !== undefined && !own.up && !m.config.dontTrackPrimary) return `${own.name} is down`;
    }
    return this.addressLinkFault(m.config);
  }

  /**
   * keepalived tracks the interface of every virtual address (vrrp.c, TRACK_ADDR, weight 0):
   * one going down is FAULT, unless the address says `no_track`, or it is on the instance's own
   * interface under dont_track_primary. With vrf these are the only interfaces tracked (the
   * VRF device is none).
   */
  private addressLinkFault(i: VrrpInstance): string | undefined {
    const byName = this.linksByName();
    for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) {
      if (v.dev === undefined || v.noTrack === true || (v.dev === i.interface && i.dontTrackPrimary)) continue;
      const link = byName.get(v.dev);
      if (link !== undefined && !link.up) return `${link.name} is down`;
    }
    return undefined;
  }

  private membersOf(group: SyncGroup): Managed[] {
    return this.instances.filter((x) => group.group.includes(x.config.name));
  }

  /** `judged` for an instance: with its sync group's members when it has one, else alone. */
  private judgedWith(m: Managed): ReturnType<VrrpService['judged']> {
    const group = this.groupOf.get(m.config.name);
    return this.judged(group, group === undefined ? [m] : this.membersOf(group));
  }

  /**
   * Applies link state and tracking to an instance: effective priority, and FAULT with the
   * first reason. In a sync group one member's fault is every member's.
   */
  private recompute(m: Managed): void {
    const group = this.groupOf.get(m.config.name);
    const judged = this.judgedWith(m);
    // The instance whose item changed moves first, then the rest of its group (keepalived's
    // try_up_instance and down_instance act on it, then on the group).
    for (const r of [...judged.filter((x) => x.x === m), ...judged.filter((x) => x.x !== m)]) {
      if (r.x === undefined) continue;
      const before = r.x.runner.effectivePriority;
      if (!this.frozen.has(r.name)) r.x.runner.setEffectivePriority(r.priority);
      if (r.hold !== undefined) {
        r.x.runner.setFault(true, r.hold);
        continue;
      }
      const wasHeld = this.held.delete(r.name);
      r.x.runner.setFault(r.groupFault !== undefined, r.groupFault ?? 'tracking recovered');
      // Still in FAULT once its scripts reported, for a fault of its own: now keepalived tells it
      // (down_instance); a group member held with it stays in FAULT without a word.
      if (wasHeld && r.x.runner.state === 'FAULT' && r.fault !== undefined) this.notifier.instance(r.x.config, 'FAULT', r.x.runner.effectivePriority, this.preparer!);
      if (r.x.runner.effectivePriority !== before) this.priorityChanged(r.x, group);
    }
    if (group !== undefined) this.groupNotify(group);
  }

  /**
   * The members' effective priorities and faults, in the group's order; a member waiting for
   * its interface or address (no runner) is a faulty one, and so puts the others in FAULT.
   */
  private judged(group: SyncGroup | undefined, members: readonly Managed[]): Array<{ name: string; x: Managed | undefined; priority: number; fault: string | undefined; groupFault: string | undefined; hold: string | undefined }> {
    const links = this.linksByName();
    type Judged = { name: string; x: Managed | undefined; priority: number; fault: string | undefined; held: string | undefined; holdable: boolean };
    const one = (x: Managed): Judged => {
      // Only a starting instance waits for its scripts' first results; a running one (a reload
      // added a script, the VRRP side came back as MASTER) keeps counting them as they start.
      const holdable = x.runner.state === 'INIT' || this.held.has(x.config.name);
      const t = this.evaluate(x.config, group, links, holdable);
      // unicast_fault_no_peer: no peer to send to is a fault, not a fall back to multicast.
      const noPeer = x.config.unicastFaultNoPeer && x.config.unicastPeer.length === 0 ? 'no unicast peer (unicast_fault_no_peer)' : undefined;
      return { name: x.config.name, x, priority: t.priority, fault: this.linkFault(x) ?? t.fault ?? noPeer, held: holdable ? t.held : undefined, holdable };
    };
    let evaluated: Judged[];
    if (group === undefined) evaluated = members.map(one);
    else {
      const byName = new Map(members.map((x) => [x.config.name, x]));
      evaluated = group.group.flatMap((n) => {
        const x = byName.get(n);
        if (x !== undefined) return [one(x)];
        const why = this.waiting.get(n)?.why;
        return why === undefined ? [] : [{ name: n, x: undefined, priority: 0, fault: `waiting: ${why}`, held: undefined, holdable: false }];
      });
    }
    // A fault wins over waiting; a sync group's starting members wait for every member's scripts (keepalived's num_member_init).
    const waitingOn = evaluated.some((r) => r.fault !== undefined) ? undefined : evaluated.find((r) => r.held !== undefined);
    return groupFaults(group?.name, evaluated).map((r) => ({
      ...r,
      hold: waitingOn === undefined || !r.holdable ? undefined : (r.held ?? `sync group ${group?.name ?? ''}: ${waitingOn.name}: ${waitingOn.held ?? ''}`),
    }));
  }

  /**
   * An SNMP SET of vrrpInstanceBasePriority (keepalived's vrrp_snmp_instance_priority): the
   * tracked weights count on top of the new base. As keepalived's vrrp_set_effective_priority,
   * a base of 255 leaves the effective priority where it is (an address owner's never moves),
   * and the instance only becomes an owner again through a reload. Until the next reload;
   * false when there is no such instance.
   */
  async setBasePriority(name: string, priority: number): Promise<boolean> {
    const m = this.instances.find((x) => x.config.name === name);
    if (m === undefined) return false;
    this.log.info(`(${name}) base priority changed from ${m.config.priority} to ${priority} via SNMP.`);
    this.snmpChanged.add(name);
    m.config = { ...m.config, priority };
    if (priority === 255 && m.runner.params.priority !== 255) {
      this.frozen.add(name);
      return true;
    }
    this.frozen.delete(name);
    // A configured owner set lower stops being one (it now follows its tracking and can lose an election).
    if (m.runner.params.priority === 255 && priority !== 255) await m.runner.reconfigure({ priority });
    this.recompute(m);
    return true;
  }

  /** An SNMP SET of vrrpInstancePreempt (keepalived's vrrp_snmp_instance_preempt), until the next reload. */
  async setPreempt(name: string, preempt: boolean): Promise<boolean> {
    const m = this.instances.find((x) => x.config.name === name);
    if (m === undefined) return false;
    this.log.info(`(${name}) preemption ${preempt ? 'enabled' : 'disabled'} with SNMP`);
    this.snmpChanged.add(name);
    m.config = { ...m.config, nopreempt: !preempt };
    await m.runner.reconfigure({ preempt });
    return true;
  }

  /** A reload builds the instances from the file again (keepalived's new vrrp_t): what SNMP SETs changed goes back to the file's values. */
  private async undoSnmpSets(next: VrrpPart): Promise<void> {
    for (const name of this.snmpChanged) {
      const m = this.instances.find((x) => x.config.name === name);
      const i = next.vrrpInstances.find((x) => x.name === name);
      if (m === undefined || i === undefined) continue;
      m.config = i;
      if (m.runner.params.priority !== i.priority || m.runner.params.preempt !== !i.nopreempt) await m.runner.reconfigure({ priority: i.priority, preempt: !i.nopreempt });
    }
    this.snmpChanged.clear();
    this.frozen.clear();
  }

  /** keepalived's notify_priority_changes: a FIFO line `INSTANCE "VI" MASTER_PRIORITY 90` (or BACKUP_PRIORITY). */
  private priorityChanged(m: Managed, group: SyncGroup | undefined): void {
    const state = m.runner.state;
    if (state !== 'MASTER' && state !== 'BACKUP') return;
    const on = m.config.notifyPriorityChanges ?? group?.notifyPriorityChanges ?? this.part?.globalDefs.vrrpNotifyPriorityChanges ?? false;
    if (on) this.onNotifyLine?.(`INSTANCE "${m.config.name}" ${state}_PRIORITY ${m.runner.effectivePriority}`);
  }

  /**
   * Tracked scripts, files, interfaces and BFD sessions: the effective priority and the first
   * fault. `starting`: the instance has not begun (a script's first result still counts neither
   * way); else scripts count as they start, passing unless init_fail.
   */
  private evaluate(i: VrrpInstance, group: SyncGroup | undefined, links: ReadonlyMap<string, LinkInfo>, starting = false): { priority: number; fault: string | undefined; held: string | undefined } {
    const groupHasOwner = group !== undefined && hasOwnerMember(group, this.part?.vrrpInstances ?? []);
    return this.trackers.evaluate(i, group, links, [...this.bfd.items(i, group, groupHasOwner), ...staticTrackItems(this.part?.staticTrack, i.name, links), ...this.sources.items(i, sourceInterfaces(i, links))], groupHasOwner, starting);
  }

  /**
   * A BFD session's event (keepalived's vrrp_handle_bfd_event): the instances tracking it are
   * judged again, and a backup with `bfd_takeover` of it takes over from its master when it
   * went Down and the session stands for that master (bfd-tracking.ts takeoverMaster), after its skew on the session's Detection Time `detectMs` (tandem's fast
   * takeover). A repeated state changes nothing.
   */
  bfdEvent(name: string, up: boolean, detectMs?: number): void {
    if (!this.bfd.set(name, up)) return;
    for (const m of this.instances) {
      const group = this.groupOf.get(m.config.name);
      if (this.bfd.tracks(m.config, group, name)) {
        this.log.info(`(${m.config.name}) tracked BFD session ${name} is ${up ? 'Up' : 'Down'}`);
        this.recompute(m);
      }
      const master = up ? undefined : this.bfd.takeoverMaster(m.config, name, m.runner.masterAddress);
      if (master !== undefined) m.runner.peerDown(master, `bfd_takeover: BFD session ${name} to ${this.bfd.neighborOf(name) ?? master} went Down`, detectMs !== undefined && detectMs > 0 ? detectMs : undefined);
    }
  }

  private view(m: Managed): MemberView {
    // An address owner always wants MASTER (keepalived's wantstate): its group need not wait for its timer.
    const owner = m.runner.state === 'BACKUP' && m.runner.effectivePriority === 255;
    return { name: m.config.name, state: m.runner.state, wantsMaster: m.runner.wantsMaster || owner };
  }

  private apply(moves: readonly GroupMove[]): void {
    for (const move of moves) {
      const x = this.instances.find((m) => m.config.name === move.member);
      if (x === undefined) continue;
      if (move.kind === 'syncMaster') x.runner.syncMaster(move.reason);
      else x.runner.syncBackup(move.reason);
    }
  }

  /** keepalived's sync group rules after a member's transition, then the group's notify once it has settled. */
  private followGroup(e: TransitionEvent): void {
    const group = this.groupOf.get(e.instance);
    if (group === undefined) return;
    this.groupNotify(group);
    this.apply(followTransition(group.name, this.membersOf(group).map((m) => this.view(m)), e));
  }

  /** A member's master-down timer ran out: the group goes MASTER only when every member wants it. */
  private groupWantsMaster(name: string): void {
    const group = this.groupOf.get(name);
    if (group === undefined) return;
    const decision = onWantMaster(group.name, this.membersOf(group).map((m) => this.view(m)), name);
    if (decision.waitingFor.length > 0) this.log.debug(`(${name}) sync group ${group.name}: waits for ${decision.waitingFor.join(', ')}`);
    this.apply(decision.moves);
  }

  private groupNotify(group: SyncGroup, evenIfHeld = false): void {
    if (this.holdGroupNotify && !evenIfHeld) return;
    if (group.group.some((n) => this.held.has(n))) return;
    // A member waiting for its interface or address is in FAULT.
    const waiting = group.group.filter((n) => this.waiting.has(n)).map((n) => ({ name: n, state: 'FAULT' as const, wantsMaster: false }));
    const state = settledState([...this.membersOf(group).map((m) => this.view(m)), ...waiting], this.groupStates.get(group.name));
    if (state === undefined) return;
    this.groupSettled(group, state);
  }

  private groupSettled(group: SyncGroup, state: VrrpState): void {
    this.groupStates.set(group.name, state);
    this.notifier.group(group, state, this.preparer!);
    this.onGroupState?.(group.name, state);
  }

  private async retire(m: Managed): Promise<void> {
    m.extra.stop();
    await m.runner.stop();
    this.instances.splice(this.instances.indexOf(m), 1);
    m.runner.removeAllListeners();
    this.dropChannelOf(m.config);
    if (m.config.vmac !== undefined) await this.host.removeVmac(m.config.vmac.name);
    await this.removeAddressVmacs(m.config.name);
    if (m.config.promoteSecondaries) this.host.releaseSysctl('ipv4', m.config.interface, 'promote_secondaries');
  }

  /**
   * Applies a validated new configuration as reload-plan.ts says: removed instances leave
   * (priority 0 if master), added ones start, changed ones are updated in place or restarted.
   * Unchanged instances are not touched: no transition, no extra advert.
   */
  async reload(before: VrrpPart, next: VrrpPart, d: InstanceDiff): Promise<ReloadReport> {
    const report: ReloadReport = { added: [], removed: [], updated: [], restarted: [], unchanged: [] };
    const byName = (name: string): Managed | undefined => this.instances.find((m) => m.config.name === name);
    this.groupOf = groupsByMember(next.syncGroups);
    this.mailer.configure(next.globalDefs);
    this.bfd.configure(next.bfdInstances);
    this.pacers.configure(next.globalDefs, next.garpGroups);
    if (!sameValue(before.globalDefs.vrrpFirewall, next.globalDefs.vrrpFirewall)) {
      this.log.warn('the no_accept firewall settings (nftables, vrrp_iptables) change at the next start of tandemd, not at a reload');
    }
    this.preparer = scriptPreparer(next);
    // New and changed vrrp_scripts and track_files run from now on; those no longer used stop.
    const fresh = this.trackers.sync(next, this.preparer);
    // A reload that adds the first vrrp_track_process subscribes (where the kernel gives no events, it polls).
    await this.trackers.openProcessEvents();
    // A link change still inside its interface_up_down_delays stays unseen.
    for (const l of await this.host.links()) this.links.set(l.index, { ...l, up: this.debouncer.shownUp(l.index) ?? l.up, mac: l.mac ?? this.links.get(l.index)?.mac });
    this.setDelays(next);
    this.part = next;
    await this.followSources(next);
    for (const step of planReload(before, next, d)) {
      // An instance waiting for its interfaces waits on with its new configuration.
      const name = 'name' in step ? step.name : step.instance.name;
      if (this.waiting.has(name)) {
        this.waiting.delete(name);
        const i = next.vrrpInstances.find((x) => x.name === name);
        if (step.kind === 'remove' || i === undefined) report.removed.push(name);
        else {
          const m = await this.addOrWait(i, next);
          if (m !== undefined) this.begin(m);
          report.updated.push(name);
        }
        continue;
      }
      switch (step.kind) {
        case 'keep':
          report.unchanged.push(step.name);
          break;
        case 'announce':
          await byName(step.name)!.runner.reconfigure({ announce: step.announce });
          report.updated.push(step.name);
          break;
        case 'remove': {
          const m = byName(step.name);
          if (m !== undefined) await this.retire(m);
          report.removed.push(step.name);
          break;
        }
        case 'restart': {
          this.log.warn(`(${step.instance.name}) ${step.why}: restarting the instance`);
          const m = byName(step.instance.name);
          if (m !== undefined) await this.retire(m);
          this.begin(await this.add(step.instance, next));
          report.restarted.push(step.instance.name);
          break;
        }
        case 'update': {
          const m = byName(step.instance.name)!;
          if (!sameVmacs(this.addressVmacPlans.get(step.instance.name), this.addressVmacPlan(step.instance, next))) {
            this.log.warn(`(${step.instance.name}) its use_vmac_addr interfaces change: restarting the instance`);
            await this.retire(m);
            this.begin(await this.add(step.instance, next));
            report.restarted.push(step.instance.name);
            break;
          }
          const specs = this.addressSpecs(step.instance);
          await m.runner.reconfigure(
            { addresses: step.instance.virtualIpaddress.map((v) => v.address), priority: step.instance.priority, announce: step.announce },
            (held) => m.transport.replaceAddresses(specs, held),
          );
          m.config = step.instance;
          m.extra.restart();
          this.log.info(`(${step.instance.name}) updated in place: ${step.fields.join(', ')}`);
          report.updated.push(step.instance.name);
          break;
        }
        case 'add': {
          const m = await this.addOrWait(step.instance, next);
          if (m !== undefined) this.begin(m);
          report.added.push(step.instance.name);
          break;
        }
      }
    }
    await this.undoSnmpSets(next);
    for (const mon of fresh) mon.start();
    // Tracking that changed under an instance kept in place (a script's weight, a group's track_*) counts now.
    for (const m of this.instances) this.recompute(m);
    if (next.globalDefs.fifoWriteVrrpStatesOnReload === true) {
      // keepalived's fifo_write_vrrp_states_on_reload: every instance's and group's state, as at a transition.
      for (const m of this.instances) this.onNotifyLine?.(`INSTANCE "${m.config.name}" ${notifyState(m.runner.state)} ${m.runner.effectivePriority}`);
      for (const [name, state] of this.groupStates) if (next.syncGroups.some((g) => g.name === name)) this.onNotifyLine?.(`GROUP "${name}" ${notifyState(state)} 0`);
    }
    return report;
  }

  private onDatagram(key: string, payload: Buffer, info: PacketInfo): void {
    const stats = this.channelStats.get(key)!;
    stats.received++;
    const candidates = this.instances.filter((m) => channelKey(m.config) === key);
    let target: Managed | undefined;
    const opened = stats.ah ? openAh(payload) : undefined;
    const inner = opened?.ok === true ? opened.payload : payload;
    const pick = (vrid: number): Managed | undefined => pickInstance(candidates.map((m) => ({ m, vrid: m.config.virtualRouterId, unicastPeers: m.config.unicastPeer })), vrid, info.src)?.m;
    // The checksum is verified in the form of the instance the advert is for (its VRID, byte 1): old_unicast_checksum / v3_checksum_as_v2.
    const form = inner.length > 1 && this.part !== undefined ? checksumOf(pick(inner[1]!), this.part.globalDefs) : undefined;
    const r =
      opened?.ok === false
        ? opened
        : receiveAdvert(inner, { family: stats.family, src: info.src, dst: info.dst, ttl: info.ttl, ...(form !== undefined ? { checksum: form } : {}), ...(opened !== undefined ? { ah: opened.envelope } : {}) }, (vrid) => {
            target = pick(vrid);
            return target?.runner.expectations;
          });
    if (r.ok) {
      // unicast_peer's min_ttl / max_ttl.
      const bounds = target!.config.unicastPeerTtl?.[info.src];
      if (bounds === undefined || (info.ttl >= (bounds.min ?? 0) && info.ttl <= (bounds.max ?? 255))) {
        this.warnHmacSkew(target!, info.src, r.hmacSkewS);
        target!.runner.receive(r.advert, info.src, r.ahSequence);
        return;
      }
      stats.dropped['bad-ttl'] = (stats.dropped['bad-ttl'] ?? 0) + 1;
      target!.runner.countDrop('bad-ttl');
      this.log.debug(`dropped VRRP datagram from ${info.src} on ${stats.interface}: bad-ttl (ttl ${info.ttl} outside min_ttl ${bounds.min ?? 0} / max_ttl ${bounds.max ?? 255})`);
      return;
    }
    stats.dropped[r.reason] = (stats.dropped[r.reason] ?? 0) + 1;
    if (target !== undefined) target.runner.countDrop(r.reason);
    this.log.debug(`dropped VRRP datagram from ${info.src} on ${stats.interface}: ${r.reason} (${r.detail})`);
  }

  /**
   * keepalived 2.4: an accepted auth_hmac advert whose sender's clock is off by more than half
   * the time window is the early sign of drift, before adverts go stale (at most once a minute per instance).
   */
  private warnHmacSkew(m: Managed, src: string, skewS: number | undefined): void {
    const window = m.config.authHmac?.timeWindow;
    if (skewS === undefined || window === undefined || Math.abs(skewS) <= Math.floor(window / 2)) return;
    const now = Date.now();
    if (now - (this.skewWarned.get(m.config.name) ?? -Infinity) < 60_000) return;
    this.skewWarned.set(m.config.name, now);
    this.log.warn(`(${m.config.name}) authentication clock skew ${skewS} sec from ${src} approaching window ${window} sec`);
  }

  private onLink(link: LinkInfo): void {
    if (link.deleted === true) {
      this.links.delete(link.index);
      void this.deleted(link);
      return;
    }
    const before = this.links.get(link.index);
    this.links.set(link.index, { ...link, mac: link.mac ?? before?.mac });
    // A new interface, or one coming up (it may have got its address by now): waiting instances may start.
    if (this.waiting.size > 0 && (before === undefined || (!before.up && link.up))) void this.appeared();
    if (before !== undefined && before.up === link.up) return;
    for (const m of this.instances) {
      if (m.ifindex === link.index || tracks(m.config, this.groupOf.get(m.config.name), 'trackInterface', link.name) || tracksStatically(this.part?.staticTrack, m.config.name, link.name) || interfacesOf(m.config).includes(link.name)) this.recompute(m);
    }
  }

  /** The tracked vrrp_scripts' verdicts. */
  scriptStatus(): ScriptStatus[] {
    return this.trackers.scriptStatus();
  }

  /** The followed track_files' values. */
  fileValues(): Array<{ name: string; value: number }> {
    return this.trackers.fileValues();
  }

  /** The vrrp_track_processes in use: processes counted, quorum or not. */
  processCounts(): Array<{ name: string; count: number; up: boolean }> {
    return this.trackers.processCounts();
  }

  status(): InstanceStatus[] {
    const waiting = [...this.waiting.values()].map(({ config: i }) => ({
      name: i.name,
      state: 'FAULT' as const,
      priority: i.priority,
      effectivePriority: i.priority,
      vips: i.virtualIpaddress.map(vipText),
      interface: i.interface,
      vrid: i.virtualRouterId,
      version: i.version,
      master: undefined,
    }));
    return [...this.instances.map((m) => ({
      name: m.config.name,
      state: m.runner.state,
      priority: m.config.priority,
      effectivePriority: m.runner.effectivePriority,
      preempt: !m.config.nopreempt,
      vips: m.config.virtualIpaddress.map(vipText),
      interface: m.config.interface,
      vrid: m.config.virtualRouterId,
      version: m.config.version,
      master: m.runner.masterAddress,
    })), ...waiting];
  }

  stats(): { instances: Record<string, InstanceStats>; channels: ChannelStats[]; mail: MailCounters } {
    return {
      instances: Object.fromEntries(this.instances.map((m) => [m.config.name, m.runner.stats])),
      channels: [...this.channelStats.values()],
      mail: { ...this.mailer.counters },
    };
  }

  /** Priority-0 adverts, addresses removed, sockets closed. */
  async stop(): Promise<void> {
    this.startupDelay?.timer.cancel();
    this.startupDelay = undefined;
    this.debouncer.stop();
    this.trackers.stop();
    for (const m of this.instances) m.extra.stop();
    await Promise.all(this.instances.map((m) => m.runner.stop()));
    // notify_stop and the generic notify of the shutdown, given a few seconds.
    await this.notifier.stop();
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    this.pacers.close();
    for (const s of this.frameSenders.values()) s.close();
    this.frameSenders.clear();
    for (const m of this.instances) if (m.config.promoteSecondaries) this.host.releaseSysctl('ipv4', m.config.interface, 'promote_secondaries');
    if (this.part?.globalDefs.disableLocalIgmp === true) this.host.releaseHostSysctl(IGMP_LINK_LOCAL);
    await this.host.close();
  }
}

/** The error an instance's channel gives when its interface has no address of its family to send from. */
function isNoAddress(err: unknown): err is NetError {
  return (err as Partial<NetError> | undefined)?.code === 'NET_ERR_NO_ADDRESS';
}
