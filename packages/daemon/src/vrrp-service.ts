import { sameValue, type Config, type ConfigDiff, type GlobalDefs, type ScriptSpec, type SyncGroup, type Tracking, type VrrpInstance } from '@tandem/config';
import type { PreparedScript } from '@tandem/healthcheck';
import { runNotifyScript, scriptPreparer, vrrpScriptRef, type ScriptPreparer } from './script-prep.js';
import { ScriptMonitor } from './script-monitor.js';
import { FileMonitor } from './file-monitor.js';
import { trackedPriority, type TrackedItem } from './tracking-rules.js';
import { AcceptFilter, NetTransport, Rtnl, VrrpChannel, PacketSender, FramePacer, type AddressSpec, type LinkInfo, type NetworkChanger, type PacketInfo } from '@tandem/net';
import { InstanceRunner, openAh, receiveAdvert, systemClock, type Clock, type DropReason, type InstanceStats, type Timer } from '@tandem/vrrp';
import type { Logger } from './logger.js';
import { VmacLinks } from './vmac.js';
import { SharedSysctls, sysctlPath } from './shared-sysctl.js';
import { announceSchedule, interfacesOf, runnerOptions, vipText } from './instance-options.js';
import { addressSpec, routeSpec, ruleSpec } from './route-specs.js';

/** Status of one instance, as `tandemctl status --json` prints it. */
export interface InstanceStatus {
  readonly name: string;
  readonly state: string;
  readonly priority: number;
  readonly effectivePriority: number;
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

/** The instance's adverts travel inside IPsec AH. */
function usesAh(i: VrrpInstance): boolean {
  return i.authentication?.type === 'AH';
}

/** The interface adverts go out of and come in on: the instance's virtual MAC interface unless vmac_xmit_base. */
function advertInterface(i: VrrpInstance): string {
  return i.vmac !== undefined && !i.vmac.xmitBase ? i.vmac.name : i.interface;
}

/** The channel an instance sends and receives on: its interface, family, and whether AH wraps the adverts. */
function channelKey(i: VrrpInstance): string {
  return `${advertInterface(i)}/${i.family}${usesAh(i) ? '/ah' : ''}`;
}

/** Each sync group by the names of its members. */
function groupsByMember(config: Config): Map<string, SyncGroup> {
  const out = new Map<string, SyncGroup>();
  for (const g of config.syncGroups) for (const name of g.group) out.set(name, g);
  return out;
}

/** An instance's tracking plus its sync group's. */
function mergeTracking(own: Tracking, group: Tracking): Tracking {
  return { ...own, trackScript: [...own.trackScript, ...group.trackScript], trackFile: [...own.trackFile, ...group.trackFile], trackInterface: [...own.trackInterface, ...group.trackInterface] };
}

interface Managed {
  config: VrrpInstance;
  readonly runner: InstanceRunner;
  readonly transport: NetTransport;
  readonly ifindex: number;
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

/** The sysctl an instance's `promote_secondaries` holds on while it runs. */
const promoteSecondaries = (i: VrrpInstance): string => sysctlPath('ipv4', i.interface, 'promote_secondaries');

/** Fields a running instance takes without restarting. */
const LIVE_FIELDS: ReadonlySet<keyof VrrpInstance> = new Set(['virtualIpaddress', 'virtualIpaddressExcluded', 'priority', 'garp']);

/** Runs the configured VRRP instances on the host's interfaces. */
export class VrrpService {
  private readonly rtnl = new Rtnl();
  private readonly channels = new Map<string, VrrpChannel>();
  private readonly channelStats = new Map<string, ChannelStats>();
  private readonly instances: Managed[] = [];
  private readonly links = new Map<number, LinkInfo>();
  private readonly frameSenders = new Map<number, PacketSender>();
  /** Per interface, in front of its sender: vrrp_garp_interval / vrrp_gna_interval. */
  private readonly pacers = new Map<number, FramePacer>();
  private announceGaps = { arpIntervalMs: 0, naIntervalMs: 0 };
  /** While vrrp_startup_delay runs: the instances that begin when it ends (reloads may add some). */
  private startupDelay: { readonly timer: Timer; readonly pending: Managed[] } | undefined;
  private acceptFilter: AcceptFilter | undefined;
  private readonly monitors = new Map<string, ScriptMonitor>();
  private readonly files = new Map<string, FileMonitor>();
  private readonly notifications = new Set<Promise<void>>();
  private preparer: ScriptPreparer | undefined;
  /** vrrp_sync_group by member instance name. */
  private groupOf = new Map<string, SyncGroup>();
  /** The last state each sync group's notify scripts were run for. */
  private readonly groupStates = new Map<string, string>();
  /** keepalived's notify FIFO lines (`INSTANCE "VI_1" MASTER 100`, `GROUP "G" MASTER`). */
  onNotifyLine: ((line: string) => void) | undefined;
  /** Called on every state change of every instance (the sync daemon follows one). */
  onTransition: ((instance: string, to: string) => void) | undefined;

  private readonly vmacs: VmacLinks;
  private readonly sysctls: SharedSysctls;

  /** Address, route and rule changes of the instances (recorded by the daemon's ledger). */
  private readonly changes: NetworkChanger;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    record: (changer: NetworkChanger) => NetworkChanger = (c) => c,
  ) {
    this.changes = record(this.rtnl);
    this.sysctls = new SharedSysctls(log);
    this.vmacs = new VmacLinks(this.rtnl, log, this.sysctls);
  }

  /** Opens sockets and starts every instance; throws (with nothing left running) if an interface is missing. */
  async start(config: Config): Promise<void> {
    this.preparer = scriptPreparer(config);
    this.groupOf = groupsByMember(config);
    this.setAnnounceGaps(config.globalDefs);
    try {
      this.syncTrackers(config);
      for (const l of await this.rtnl.links()) this.links.set(l.index, l);
      for (const i of config.vrrpInstances) await this.add(i, config);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.rtnl.watchLinks((link) => this.onLink(link));
    const delay = config.globalDefs.vrrpStartupDelay;
    if (delay > 0) {
      // Until then the instances stay in INIT: no adverts, no addresses.
      this.log.info(`vrrp_startup_delay: VRRP instances start in ${delay} s`);
      const pending: Managed[] = [];
      this.startupDelay = {
        pending,
        timer: this.clock.setTimer(delay * 1000, () => {
          this.startupDelay = undefined;
          for (const m of pending) if (this.instances.includes(m)) this.begin(m);
        }),
      };
    }
    for (const m of this.instances) this.begin(m);
    for (const mon of this.monitors.values()) mon.start();
    for (const mon of this.files.values()) mon.start();
  }

  private linkByName(name: string): LinkInfo {
    for (const l of this.links.values()) if (l.name === name) return l;
    throw new Error(`interface ${name} does not exist`);
  }

  private async channel(i: VrrpInstance): Promise<VrrpChannel> {
    const key = channelKey(i);
    let ch = this.channels.get(key);
    if (ch !== undefined) return ch;
    const name = advertInterface(i);
    const stats: ChannelStats = { interface: name, family: i.family, ah: usesAh(i), received: 0, dropped: {} };
    this.channelStats.set(key, stats);
    ch = await VrrpChannel.open(
      this.rtnl,
      name,
      i.family,
      (payload, info) => this.onDatagram(key, payload, info),
      (err) => this.log.error(`receive error on ${name}: ${err.message}`),
      stats.ah,
      // A virtual MAC interface has no address of its own: adverts come from the base's.
      i.interface,
    );
    this.channels.set(key, ch);
    return ch;
  }

  private async add(i: VrrpInstance, config: Config): Promise<Managed> {
    const link = this.linkByName(i.interface);
    if (i.vmac !== undefined) {
      const v = await this.vmacs.create(i.vmac, link, i.virtualRouterId, i.family, i.family === 6 ? i.unicastSrcIp : undefined);
      this.links.set(v.index, v);
    }
    for (const name of interfacesOf(i)) this.linkByName(name);
    // As keepalived: removing the interface's primary address then keeps the others.
    if (i.promoteSecondaries) this.sysctls.hold(promoteSecondaries(i), '1');
    const ch = await this.channel(i);
    if (i.unicastPeer.length === 0) ch.join(i.mcastGroup);
    const addresses = this.addressSpecs(i);
    // RFC 5798 §6.4.3: the address owner accepts whatever Accept_Mode says.
    const noAccept = !i.accept && i.priority !== 255 ? (this.acceptFilter ??= AcceptFilter.create()) : undefined;
    const transport = new NetTransport(
      ch,
      this.changes,
      {
        ...(i.unicastSrcIp !== undefined ? { source: i.unicastSrcIp } : {}),
        peers: i.unicastPeer,
        unicastTtl: i.unicastTtl,
        group: i.mcastGroup,
        addresses,
        ...(noAccept !== undefined ? { noAccept } : {}),
        routes: i.virtualRoutes.map((r) => routeSpec(r, this.ifindexOf)),
        rules: i.virtualRules.map(ruleSpec),
      },
      {
        mac: (ifindex) => this.links.get(ifindex)?.mac,
        frames: (ifindex) => this.framesFor(ifindex),
      },
    );
    const options = runnerOptions(i, config.globalDefs, transport.sourceAddress);
    const inGroup = groupsByMember(config).has(i.name);
    const runner = new InstanceRunner(inGroup ? { ...options, params: { ...options.params, syncGroup: true } } : options, transport, this.clock);
    const log = this.log.child({ module: i.name });
    runner.on('transition', (e) => {
      const line = `(${e.instance}) ${e.from} -> ${e.to}: ${e.reason}`;
      if (e.to === 'FAULT') log.warn(line, { ...e });
      else log.info(line, { ...e });
      const managed = this.instances.find((x) => x.runner === runner);
      if (managed !== undefined) this.notify(managed, e.to);
      this.onTransition?.(e.instance, e.to);
      this.followGroup(e.instance, e.from, e.to, e.reason);
    });
    runner.on('wantMaster', (name) => this.groupWantsMaster(name));
    runner.on('ioError', (err) => log.warn(`(${i.name}) ${err.message}`));
    log.debug(`(${i.name}) vrid ${i.virtualRouterId} v${i.version} on ${i.interface} from ${transport.sourceAddress} to ${transport.destinations.join(',')}, vips ${i.virtualIpaddress.map(vipText).join(' ')}`);
    const managed: Managed = { config: i, runner, transport, ifindex: link.index };
    this.instances.push(managed);
    return managed;
  }

  private readonly ifindexOf = (name: string): number => this.linkByName(name).index;

  /** The interface's frame sender, behind a pacer shared by every instance that announces there. */
  private framesFor(ifindex: number): FramePacer {
    let pacer = this.pacers.get(ifindex);
    if (pacer === undefined) {
      let sender = this.frameSenders.get(ifindex);
      if (sender === undefined) {
        sender = new PacketSender(this.links.get(ifindex)?.name ?? '');
        this.frameSenders.set(ifindex, sender);
      }
      const name = this.links.get(ifindex)?.name ?? String(ifindex);
      pacer = new FramePacer(sender, { ...this.announceGaps, onError: (err) => this.log.warn(`gratuitous ARP / NA on ${name}: ${err.message}`) });
      this.pacers.set(ifindex, pacer);
    }
    return pacer;
  }

  /** Takes vrrp_garp_interval / vrrp_gna_interval; pacers made under other values are replaced. */
  private setAnnounceGaps(g: GlobalDefs): void {
    const gaps = { arpIntervalMs: g.vrrpGarpInterval * 1000, naIntervalMs: g.vrrpGnaInterval * 1000 };
    if (sameValue(gaps, this.announceGaps)) return;
    this.announceGaps = gaps;
    for (const p of this.pacers.values()) p.close();
    this.pacers.clear();
  }

  private addressSpecs(i: VrrpInstance): AddressSpec[] {
    const all = [...i.virtualIpaddress, ...i.virtualIpaddressExcluded];
    if (i.vmac === undefined) return all.map((v) => addressSpec(v, this.ifindexOf, i.interface));
    // As keepalived: addresses on the instance's own interface (named or not) live on its virtual MAC interface.
    const vmac = i.vmac.name;
    return all.map((v) =>
      v.family === i.family && (v.dev ?? i.interface) === i.interface ? addressSpec({ ...v, dev: vmac }, this.ifindexOf, vmac) : addressSpec(v, this.ifindexOf, i.interface),
    );
  }

  private begin(m: Managed): void {
    if (this.startupDelay !== undefined) {
      this.startupDelay.pending.push(m);
      return;
    }
    // The effective priority goes in first: Master_Down_Interval's skew uses it.
    m.runner.setEffectivePriority(this.tracked(m).priority);
    m.runner.start();
    this.recompute(m);
  }

  private prepare(spec: ScriptSpec): PreparedScript {
    return this.preparer!(spec);
  }

  /** The instances whose own or sync group's tracking names `name` (a vrrp_script or a track_file). */
  private usersOf(kind: 'trackScript' | 'trackFile', name: string): Managed[] {
    return this.instances.filter((m) => {
      const group = this.groupOf.get(m.config.name);
      return m.config.tracking[kind].some((r) => r.name === name) || (group?.tracking[kind].some((r) => r.name === name) ?? false);
    });
  }

  /**
   * Makes the tracked scripts and files those `config` uses: a monitor whose definition did not
   * change is kept with its history, a new or changed one is made (not started: the caller starts
   * what this returns once the instances are in place), one no longer used is stopped. Notify
   * scripts are checked too. Throws for a script that must not run (validation has already
   * refused such a file: see scriptProblems).
   */
  private syncTrackers(config: Config): Array<ScriptMonitor | FileMonitor> {
    const fresh: Array<ScriptMonitor | FileMonitor> = [];
    const scripts = new Map(config.vrrpScripts.map((s) => [s.name, s]));
    const files = new Map(config.trackFiles.map((f) => [f.name, f]));
    const sources: Tracking[] = [...config.vrrpInstances.map((i) => i.tracking), ...config.syncGroups.map((g) => g.tracking)];
    const usedScripts = new Set(sources.flatMap((t) => t.trackScript.map((r) => r.name)).filter((n) => scripts.has(n)));
    const usedFiles = new Set(sources.flatMap((t) => t.trackFile.map((r) => r.name)).filter((n) => files.has(n)));
    for (const [name, mon] of this.monitors) {
      if (usedScripts.has(name) && sameValue(mon.script, scripts.get(name))) continue;
      mon.stop();
      mon.removeAllListeners();
      this.monitors.delete(name);
    }
    for (const [name, mon] of this.files) {
      if (usedFiles.has(name) && sameValue(mon.track, files.get(name))) continue;
      mon.stop();
      mon.removeAllListeners();
      this.files.delete(name);
    }
    for (const name of usedScripts) {
      if (this.monitors.has(name)) continue;
      const script = scripts.get(name)!;
      const mon = new ScriptMonitor(script, this.preparer!(vrrpScriptRef(script.script, script.user)), this.log.child({ module: 'script' }));
      mon.on('change', () => {
        for (const m of this.usersOf('trackScript', name)) this.recompute(m);
      });
      this.monitors.set(name, mon);
      fresh.push(mon);
    }
    for (const name of usedFiles) {
      if (this.files.has(name)) continue;
      const mon = new FileMonitor(files.get(name)!, this.log.child({ module: 'track_file' }));
      mon.on('change', () => {
        for (const m of this.usersOf('trackFile', name)) this.recompute(m);
      });
      this.files.set(name, mon);
      fresh.push(mon);
    }
    for (const t of sources) for (const spec of Object.values(t.notify)) if (spec !== undefined) this.prepare(spec);
    return fresh;
  }

  private tracked(m: Managed): { priority: number; fault: string | undefined } {
    const items: TrackedItem[] = [];
    const group = this.groupOf.get(m.config.name);
    // A sync group's own track_* apply to every member. keepalived ignores tracking weights in
    // sync groups (a failure is FAULT for the whole group) unless sync_group_tracking_weight.
    const tracking = group === undefined ? m.config.tracking : mergeTracking(m.config.tracking, group.tracking);
    const weightless = group !== undefined && !group.syncGroupTrackingWeight;
    for (const ref of tracking.trackScript) {
      const mon = this.monitors.get(ref.name);
      if (mon === undefined) continue;
      items.push({ kind: 'script', name: ref.name, ok: mon.ok, weight: weightless ? 0 : ref.weight ?? mon.script.weight, reverse: ref.reverse || mon.script.reverse });
    }
    for (const ref of tracking.trackFile) {
      const mon = this.files.get(ref.name);
      if (mon === undefined) continue;
      items.push({ kind: 'file', name: ref.name, ok: true, weight: weightless ? 0 : ref.weight ?? mon.track.weight, reverse: ref.reverse || mon.track.reverse, value: mon.value });
    }
    for (const ref of tracking.trackInterface) {
      const link = [...this.links.values()].find((l) => l.name === ref.name);
      items.push({ kind: 'interface', name: ref.name, ok: link?.up ?? false, weight: weightless ? 0 : ref.weight ?? 0, reverse: ref.reverse });
    }
    return trackedPriority(m.config.priority, items);
  }

  /** An instance's own link down (unless dont_track_primary), as a FAULT reason. */
  private linkFault(m: Managed): string | undefined {
    const own = this.links.get(m.ifindex);
    return own !== undefined && !own.up && !m.config.dontTrackPrimary ? `${own.name} is down` : undefined;
  }

  /**
   * Applies link state and tracking to an instance: effective priority, and FAULT with the
   * first reason. In a sync group one member's fault is every member's.
   */
  private recompute(m: Managed): void {
    const group = this.groupOf.get(m.config.name);
    const members = group === undefined ? [m] : this.instances.filter((x) => group.group.includes(x.config.name));
    const faults = members.map((x) => {
      const t = this.tracked(x);
      return { x, priority: t.priority, own: this.linkFault(x) ?? t.fault };
    });
    const first = faults.find((f) => f.own !== undefined);
    for (const { x, priority, own } of faults) {
      x.runner.setEffectivePriority(priority);
      const f = own ?? (first !== undefined && group !== undefined ? `sync group ${group.name}: ${first.x.config.name}: ${first.own}` : undefined);
      x.runner.setFault(f !== undefined, f ?? 'tracking recovered');
    }
  }

  /**
   * keepalived's sync group rules: a member that becomes MASTER on its own (the address
   * owner) takes the others along, one that leaves MASTER for BACKUP takes them back.
   * Transitions the group itself caused are not followed again, so nothing loops.
   */
  private followGroup(name: string, from: string, to: string, reason: string): void {
    const group = this.groupOf.get(name);
    if (group === undefined) return;
    this.groupNotify(group);
    if (reason.startsWith('sync group')) return;
    const others = this.instances.filter((x) => x.config.name !== name && group.group.includes(x.config.name));
    if (to === 'MASTER') for (const x of others) x.runner.syncMaster(`sync group ${group.name}: ${name} became MASTER`);
    else if (from === 'MASTER' && to === 'BACKUP') for (const x of others) x.runner.syncBackup(`sync group ${group.name}: ${name} left MASTER`);
  }

  /** A member's master-down timer ran out: the group goes MASTER only when every member wants it (no thrashing). */
  private groupWantsMaster(name: string): void {
    const group = this.groupOf.get(name);
    if (group === undefined) return;
    const members = this.instances.filter((x) => group.group.includes(x.config.name));
    if (!members.every((x) => x.runner.wantsMaster || x.runner.state === 'MASTER')) {
      this.log.debug(`(${name}) sync group ${group.name}: waits for ${members.filter((x) => !x.runner.wantsMaster && x.runner.state !== 'MASTER').map((x) => x.config.name).join(', ')}`);
      return;
    }
    for (const x of members) x.runner.syncMaster(`sync group ${group.name}: every member's master is gone`);
  }

  /** The group's notify scripts, once all members agree on a new state (keepalived passes GROUP NAME STATE). */
  private groupNotify(group: SyncGroup): void {
    const members = this.instances.filter((x) => group.group.includes(x.config.name));
    const state = members[0]?.runner.state;
    if (state === undefined || !members.every((x) => x.runner.state === state) || this.groupStates.get(group.name) === state) return;
    this.groupStates.set(group.name, state);
    this.log.info(`sync group ${group.name}: ${state}`);
    const n = group.tracking.notify;
    const own = state === 'MASTER' ? n.master : state === 'BACKUP' ? n.backup : state === 'FAULT' ? n.fault : state === 'INIT' ? n.stop : undefined;
    const shown = state === 'INIT' ? 'STOP' : state;
    this.onNotifyLine?.(`GROUP "${group.name}" ${shown}`);
    if (own !== undefined) this.runNotify(group.name, own, []);
    if (n.generic !== undefined) this.runNotify(group.name, n.generic, ['GROUP', group.name, shown]);
  }

  /** keepalived's notify scripts: the state's own script, and `notify` with INSTANCE NAME STATE PRIORITY. */
  private notify(m: Managed, to: string): void {
    const n = m.config.tracking.notify;
    const own = to === 'MASTER' ? n.master : to === 'BACKUP' ? n.backup : to === 'FAULT' ? n.fault : to === 'INIT' ? n.stop : undefined;
    const state = to === 'INIT' ? 'STOP' : to;
    this.onNotifyLine?.(`INSTANCE "${m.config.name}" ${state} ${m.runner.effectivePriority}`);
    if (own !== undefined) this.runNotify(m.config.name, own, []);
    if (n.generic !== undefined) this.runNotify(m.config.name, n.generic, ['INSTANCE', m.config.name, state, String(m.runner.effectivePriority)]);
  }

  private runNotify(who: string, spec: ScriptSpec, args: string[]): void {
    const p = runNotifyScript(() => this.prepare(spec), args, this.log, who, `notify ${spec.command}${args.length > 0 ? ` ${args.join(' ')}` : ''}`);
    if (p === undefined) return;
    // stop() waits for these, so notify_stop gets its few seconds.
    this.notifications.add(p);
    void p.finally(() => this.notifications.delete(p));
  }

  private async retire(m: Managed): Promise<void> {
    await m.runner.stop();
    this.instances.splice(this.instances.indexOf(m), 1);
    m.runner.removeAllListeners();
    const key = channelKey(m.config);
    if (!this.instances.some((x) => channelKey(x.config) === key)) {
      this.channels.get(key)?.close();
      this.channels.delete(key);
    }
    if (m.config.vmac !== undefined) await this.vmacs.remove(m.config.vmac.name);
    if (m.config.promoteSecondaries) this.sysctls.release(promoteSecondaries(m.config));
  }

  /**
   * Applies a validated new configuration: removed instances leave (priority 0
   * if master), added ones start, changed ones are updated in place when only
   * addresses, priority or announce settings changed, and restarted otherwise.
   * Unchanged instances are not touched: no transition, no extra advert.
   */
  async reload(before: Config, next: Config, d: ConfigDiff): Promise<ReloadReport> {
    const report: ReloadReport = { added: [], removed: [], updated: [], restarted: [], unchanged: [...d.instancesUnchanged] };
    const byName = (name: string): Managed | undefined => this.instances.find((m) => m.config.name === name);
    // A member whose sync group (membership, tracking, notify) changed restarts under the new group.
    const oldGroups = groupsByMember(before);
    const newGroups = groupsByMember(next);
    const regrouped = new Set(next.vrrpInstances.map((i) => i.name).filter((n) => !sameValue(oldGroups.get(n), newGroups.get(n))));
    this.groupOf = newGroups;
    this.setAnnounceGaps(next.globalDefs);
    // New and changed vrrp_scripts and track_files run from now on; those no longer used stop.
    this.preparer = scriptPreparer(next);
    const freshTrackers = this.syncTrackers(next);
    for (const l of await this.rtnl.links()) this.links.set(l.index, { ...l, mac: l.mac ?? this.links.get(l.index)?.mac });
    for (const name of d.instancesUnchanged.filter((n) => regrouped.has(n))) {
      const m = byName(name)!;
      this.log.warn(`(${name}) its vrrp_sync_group changed: restarting the instance`);
      await this.retire(m);
      this.begin(await this.add(next.vrrpInstances.find((i) => i.name === name)!, next));
      report.unchanged.splice(report.unchanged.indexOf(name), 1);
      report.restarted.push(name);
    }
    for (const name of d.instancesUnchanged.filter((n) => !regrouped.has(n))) {
      const m = byName(name)!;
      // Global announce settings reach instances whose own file text did not change.
      const was = announceSchedule(m.config, before.globalDefs);
      const now = announceSchedule(m.config, next.globalDefs);
      if (!sameValue(was, now)) {
        await m.runner.reconfigure({ announce: now });
        report.unchanged.splice(report.unchanged.indexOf(name), 1);
        report.updated.push(name);
      }
    }
    for (const i of d.instancesRemoved) {
      const m = byName(i.name);
      if (m !== undefined) await this.retire(m);
      report.removed.push(i.name);
    }
    for (const c of d.instancesChanged) {
      const m = byName(c.name)!;
      const ownerChange = (c.before.priority === 255) !== (c.after.priority === 255);
      const live = !ownerChange && !regrouped.has(c.name) && c.fields.every((f) => LIVE_FIELDS.has(f));
      if (!live) {
        this.log.warn(`(${c.name}) ${c.fields.join(', ')} changed: restarting the instance`);
        await this.retire(m);
        this.begin(await this.add(c.after, next));
        report.restarted.push(c.name);
        continue;
      }
      const specs = this.addressSpecs(c.after);
      await m.runner.reconfigure(
        {
          addresses: c.after.virtualIpaddress.map((v) => v.address),
          priority: c.after.priority,
          announce: announceSchedule(c.after, next.globalDefs),
        },
        (held) => m.transport.replaceAddresses(specs, held),
      );
      m.config = c.after;
      this.log.info(`(${c.name}) updated in place: ${c.fields.join(', ')}`);
      report.updated.push(c.name);
    }
    for (const i of d.instancesAdded) {
      this.begin(await this.add(i, next));
      report.added.push(i.name);
    }
    for (const mon of freshTrackers) mon.start();
    // Tracking that changed under an instance kept in place (a script's weight, a group's track_*) counts now.
    for (const m of this.instances) this.recompute(m);
    return report;
  }

  private onDatagram(key: string, payload: Buffer, info: PacketInfo): void {
    const stats = this.channelStats.get(key)!;
    stats.received++;
    const family = stats.family;
    const candidates = this.instances.filter((m) => channelKey(m.config) === key);
    // Instances may share a VRID when their unicast peer sets differ: prefer the one
    // that lists the sender. Like keepalived without check_unicast_src, an advert
    // from an unlisted source still reaches the instance with that VRID.
    const forVrid = (vrid: number): Managed | undefined =>
      candidates.find((m) => m.config.virtualRouterId === vrid && (m.config.unicastPeer.length === 0 || m.config.unicastPeer.includes(info.src))) ??
      candidates.find((m) => m.config.virtualRouterId === vrid);
    let target: Managed | undefined;
    const opened = stats.ah ? openAh(payload) : undefined;
    const r =
      opened?.ok === false
        ? opened
        : receiveAdvert(opened?.payload ?? payload, { family, src: info.src, dst: info.dst, ttl: info.ttl, ...(opened !== undefined ? { ah: opened.envelope } : {}) }, (vrid) => {
            target = forVrid(vrid);
            return target?.runner.expectations;
          });
    if (r.ok) {
      target!.runner.receive(r.advert, info.src, r.ahSequence);
      return;
    }
    stats.dropped[r.reason] = (stats.dropped[r.reason] ?? 0) + 1;
    if (target !== undefined) target.runner.countDrop(r.reason);
    this.log.debug(`dropped VRRP datagram from ${info.src} on ${stats.interface}: ${r.reason} (${r.detail})`);
  }

  private onLink(link: LinkInfo): void {
    const before = this.links.get(link.index);
    this.links.set(link.index, { ...link, mac: link.mac ?? before?.mac });
    if (before !== undefined && before.up === link.up) return;
    for (const m of this.instances) {
      if (m.ifindex === link.index || m.config.tracking.trackInterface.some((r) => r.name === link.name)) this.recompute(m);
    }
  }

  status(): InstanceStatus[] {
    return this.instances.map((m) => ({
      name: m.config.name,
      state: m.runner.state,
      priority: m.config.priority,
      effectivePriority: m.runner.effectivePriority,
      vips: m.config.virtualIpaddress.map(vipText),
      interface: m.config.interface,
      vrid: m.config.virtualRouterId,
      version: m.config.version,
      master: m.runner.masterAddress,
    }));
  }

  stats(): { instances: Record<string, InstanceStats>; channels: ChannelStats[] } {
    return {
      instances: Object.fromEntries(this.instances.map((m) => [m.config.name, m.runner.stats])),
      channels: [...this.channelStats.values()],
    };
  }

  /** Priority-0 adverts, addresses removed, sockets closed. */
  async stop(): Promise<void> {
    this.startupDelay?.timer.cancel();
    this.startupDelay = undefined;
    for (const mon of this.monitors.values()) mon.stop();
    for (const mon of this.files.values()) mon.stop();
    await Promise.all(this.instances.map((m) => m.runner.stop()));
    // notify_stop and the generic notify of the shutdown, given a few seconds.
    await Promise.race([Promise.all([...this.notifications]), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    for (const p of this.pacers.values()) p.close();
    this.pacers.clear();
    for (const s of this.frameSenders.values()) s.close();
    this.frameSenders.clear();
    await this.vmacs.removeAll();
    for (const m of this.instances) if (m.config.promoteSecondaries) this.sysctls.release(promoteSecondaries(m.config));
    await this.acceptFilter?.close();
    this.rtnl.close();
  }
}
