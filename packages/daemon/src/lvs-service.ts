import { suspendsChecks, type Config, type RealServer, type ScriptSpec, type VirtualServer, type VirtualServerDiff } from '@tandem/config';
import { CheckScheduler, systemClock, type CheckResult, type Clock, type SelfTimedCheckFn } from '@tandem/healthcheck';
import { describeOperation, type IpvsClient, type Operation, serviceId, type TableService, TableKeeper } from '@tandem/ipvs';
import { IcmpPinger, TcpConnector } from '@tandem/net';
import { planChecks, realServerName, type PlannedCheck } from './check-specs.js';
import { HostCheckResources } from './check-resources.js';
import { desiredForVirtualServer, liveWeight, liveWeightSum, nextQuorum, type RealHealth } from './ipvs-table.js';
import type { Logger } from './logger.js';
import { runNotifyScript, scriptPreparer, type ScriptPreparer } from './script-prep.js';
import { FileMonitor } from './file-monitor.js';
import { fileVerdict } from './tracking-rules.js';
import { summarizeOperations } from './ipvs-summary.js';
import { replanned } from './replan.js';
import { PresentAddresses, suspendAddresses, type HostAddresses } from './ha-suspend.js';
import { rtnlAddresses } from './host-addresses.js';
import { BfdCheckVerdicts, bfdChecksOf } from './bfd/checks.js';
import type { ServiceView } from './anycast/plan.js';
import { assignFwmarks, type AutoFwmarks, fwmarkOf } from './ipvs-fwmarks.js';
import { NftablesIpvsTables } from './ipvs-nftables.js';
import { checkerBody, quorumAlert, realServerAlert, realServerAlerts, REMOVING, SHUTTING_DOWN, virtualServerAlerts, virtualServerShutdownAlert } from './smtp/alert-text.js';
import { Mailer } from './smtp/mailer.js';
import { clearServiceLine, fifoReal, fifoVirtual, inIpvs, mailVirtual } from './lvs-names.js';
import type { CheckerTrap, QuorumTrapStatus } from './snmp-check-traps.js';

/** A real server as `tandemctl status --json` shows it. */
export interface RealServerStatus {
  readonly address: string;
  readonly port: number | null;
  readonly up: boolean;
  /** The weight IPVS has (or would have): the configured or dynamic one when up, 0 when down. */
  readonly weight: number;
  /** The weight it has while up, down or not (keepalived's effective_weight: configured, dynamic or set through SNMP). */
  readonly effectiveWeight?: number;
  /** ISO time of the last finished check, null before the first. */
  readonly lastCheck: string | null;
  readonly reason: string;
}

export interface VirtualServerStatus {
  readonly name: string;
  /** True when the kernel's IPVS holds this virtual server as tandem wants it. */
  readonly programmed: boolean;
  /** Why not, when it is not. */
  readonly error?: string;
  readonly quorum: 'up' | 'down';
  /** ha_suspend: its checkers wait until its address is on this host (the verdicts stay as they were). */
  readonly suspended?: true;
  readonly reals: readonly RealServerStatus[];
}

interface RealState {
  vs: VirtualServer;
  rs: RealServer;
  checks: readonly PlannedCheck[];
  up: boolean;
  reason: string;
  /** MISC_CHECK misc_dynamic: the weight the script asked for. */
  dynamicWeight: number | undefined;
  /** An SNMP SET of realServerWeight (keepalived's check_snmp_realserver_weight): the weight, until a dynamic weight replaces it. */
  snmpWeight?: number;
  /** FILE_CHECKs: the track_file each reads and how its value counts. */
  files: ReadonlyArray<{ name: string; weight: number; reverse: boolean; dynamic: boolean }>;
}

// What most real servers have: nothing to check, no file to follow. Shared, so that planning
// 10,000 of them allocates no empty list for each.
const NO_CHECKS: readonly PlannedCheck[] = Object.freeze([]);
const NO_FILES: RealState['files'] = Object.freeze([]);

interface VsState {
  vs: VirtualServer;
  quorumUp: boolean;
  /** The last IPVS error for this virtual server, cleared by a clean sync. */
  error: string | undefined;
  /** True once a sync has put it in the kernel without a refusal (what an announcement waits for). */
  inKernel: boolean;
  /** The quorum the kernel's table was last synced with: a regained quorum is announced only once IPVS has the real servers back. */
  syncedQuorumUp: boolean;
  /** Its part of the desired IPVS table, until its health, quorum or configuration changes. */
  table: TableService[] | undefined;
  /** Its real servers' states, in the order of `vs.realServers`. */
  reals: RealState[];
}

/** How long an omega script may run at stop (keepalived's system_call_script timer at shutdown). */
const OMEGA_SCRIPT_MS = 1000;

/** The health of a real server without a dynamic weight, shared (RealHealth is read, never changed). */
const UP: RealHealth = Object.freeze({ up: true });
const DOWN: RealHealth = Object.freeze({ up: false });

/** What a reload took away from one virtual server of the old file: real servers, or all of it. */
interface Removal {
  readonly vs: VsState;
  readonly reals: readonly RealState[];
  readonly gone: boolean;
}

const realKey = (vs: VirtualServer, rs: RealServer): string => `${vs.name}|${realServerName(rs)}`;

/**
 * Runs the health checks of every virtual server, keeps each real server's verdict (up when all
 * its checkers are up), and keeps the kernel's IPVS equal to what the configuration and the
 * verdicts want (weights, inhibit_on_failure, quorum and sorry server). Without IPVS the checks
 * run all the same and each virtual server says once why it is not programmed.
 */
export class LvsService {
  private readonly scheduler: CheckScheduler;
  /**
   * Each real server's state by realKey, made when first asked for after an install: a start
   * does not ask (only BFD events and FILE_CHECKs look states up by name), and 10,000 keys
   * built and hashed cost it more than anything else in the install.
   */
  private realsByKey: Map<string, RealState> | undefined;
  private byCheck = new Map<string, RealState>();
  private virtualServers = new Map<string, VsState>();
  private config: Config | undefined;
  private pinger: IcmpPinger | undefined;
  private tcp: TcpConnector | undefined;
  /** Pingers and sockets with bind_if / fwmark, and the SSL block's files. */
  private readonly resources = new HostCheckResources();
  private keeper: TableKeeper | undefined;
  private ipvs: IpvsClient | undefined;
  private prepare: ScriptPreparer | undefined;
  private syncQueued = false;
  private readonly fileMonitors = new Map<string, FileMonitor>();
  /** ha_suspend: the host's addresses, the addresses each such virtual server waits for, and which wait now. */
  private readonly present = new PresentAddresses();
  private addressWatch: { close(): void } | undefined;
  private suspendSets = new Map<string, Set<string>>();
  private readonly suspended = new Set<string>();
  /** BFD_CHECK: each real server's BFD checks, told by the BFD side's events. */
  private readonly bfdChecks = new BfdCheckVerdicts();
  /** nftables_ipvs: the fwmark each group's virtual servers were given, and the tables that mark their traffic. */
  private fwmarks: AutoFwmarks | undefined;
  private readonly nftTables = new NftablesIpvsTables();
  /** keepalived's checker FIFO lines (`RS [10.0.0.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN`, `VS [192.0.2.1]:tcp:80 UP`). */
  onNotifyLine: ((line: string) => void) | undefined;
  /**
   * keepalived's checker traps, with the facts of the moment: realServerStateChange when a real
   * server went up or down (after the log line and the FIFO line), was taken away by a reload or
   * at the stop; virtualServerQuorumStateChange when a quorum was gained or lost, and for each
   * virtual server at the stop.
   */
  onCheckerTrap: ((trap: CheckerTrap) => void) | undefined;
  /** Each finished check attempt: which check, how long it took, and its result (the metrics' latency and failures). */
  onCheckAttempt: ((check: PlannedCheck, ms: number, result: CheckResult) => void) | undefined;
  /** The IPVS services tandem owns or is about to create, before and after each sync (the daemon's ledger keeps them). */
  onOwnedServices: ((ids: ReadonlySet<string>) => void) | undefined;
  /** A quorum changed (before IPVS follows), or a sync ended: `serviceView` may say something new (the announcements follow it). */
  onServiceState: (() => void) | undefined;
  /** The email alerts of real servers (their checkers' changes) and of quorums: keepalived's smtp_alert. */
  readonly mailer: Mailer;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    /** The host's addresses, for ha_suspend (rtnetlink unless a test gives its own). */
    private readonly addresses: () => HostAddresses = rtnlAddresses,
    mailer?: Mailer,
  ) {
    this.mailer = mailer ?? new Mailer(log);
    this.scheduler = new CheckScheduler(clock);
    this.scheduler.on('weight', (id, weight) => {
      const s = this.byCheck.get(id);
      if (s === undefined || (weight === s.dynamicWeight && s.snmpWeight === undefined)) return;
      s.dynamicWeight = weight;
      // As keepalived's update_svr_wgt: the latest weight wins, whoever sets it.
      delete s.snmpWeight;
      if (s.up) this.changed(s.vs);
    });
    // keepalived's MISC_CHECK mails its first run's success though the real server was up already
    // (check_misc.c: `!checker->has_run`); its other checkers mail only a change.
    this.scheduler.on('first', (c) => {
      const s = this.byCheck.get(c.id);
      if (s === undefined || !c.up || s.checks.find((x) => x.id === c.id)?.kind !== 'MISC_CHECK') return;
      this.mailChecker(s, s.up, checkerBody('MISC_CHECK', true));
    });
    this.scheduler.on('change', (c) => {
      const s = this.byCheck.get(c.id);
      if (s === undefined) return;
      const wasUp = s.up;
      this.update(s, c.reason);
      const kind = s.checks.find((x) => x.id === c.id)?.kind;
      if (kind !== undefined) this.mailChecker(s, wasUp, checkerBody(kind, c.up, c.reason));
    });
  }

  /**
   * Starts the checks and programs IPVS through `ipvs` (undefined: this kernel has none, and
   * `unavailable` says why). Throws, before any check runs, for a script that must not run.
   */
  async start(config: Config, ipvs: IpvsClient | undefined, unavailable?: string, leftOwned: Iterable<string> = []): Promise<void> {
    this.prepare = scriptPreparer(config);
    this.mailer.configure(config.globalDefs);
    await this.followAddresses(config);
    this.install(config);
    this.applySuspend();
    if (ipvs === undefined) {
      for (const v of this.virtualServers.values()) {
        v.error = unavailable ?? 'no IPVS';
        this.log.error(`(${v.vs.name}) cannot program IPVS: ${v.error}; its real servers are checked and shown by tandemctl status, but no traffic is balanced`);
      }
      this.onServiceState?.();
      return;
    }
    this.ipvs = ipvs;
    // Services an earlier run created and left (a crash) are this keeper's to remove.
    this.keeper = new TableKeeper(ipvs, leftOwned);
    const g = config.globalDefs;
    if (g.lvsFlush) {
      await ipvs.flush();
      this.log.info('lvs_flush: flushed the IPVS table');
    }
    if (g.lvsTimeouts !== undefined) await ipvs.setTimeouts(g.lvsTimeouts).catch((err: unknown) => this.log.error(`lvs_timeouts: ${String(err)}`));
    await this.sync();
    // keepalived's rs_init_notifies (ipwrapper.c init_service_rs): at start, the real servers put
    // in the table as up (no alpha, no failing FILE_CHECK) are notified up as if they had come up.
    if (g.rsInitNotifies === true) for (const st of this.allReals()) if (st.up) this.notifyReal(st);
  }

  /** The state of the real server with this realKey. */
  private realState(key: string): RealState | undefined {
    if (this.realsByKey === undefined) {
      const byKey = new Map<string, RealState>();
      for (const st of this.allReals()) byKey.set(realKey(st.vs, st.rs), st);
      this.realsByKey = byKey;
    }
    return this.realsByKey.get(key);
  }

  /** Every real server's state, virtual server by virtual server. */
  private *allReals(): Generator<RealState> {
    for (const v of this.virtualServers.values()) yield* v.reals;
  }

  /**
   * Builds the check plans and states for `config`. The virtual servers named in `replan`
   * (all of them when it is undefined) and new ones are planned again, keeping every check
   * whose plan did not change; the others keep their checks, states and history as they are,
   * untouched but for pointing at the new file's objects (a reload that changes one weight
   * re-plans one virtual server, not all of them).
   */
  private install(config: Config, replan?: ReadonlySet<string>): Removal[] {
    const prepare = this.prepare ?? scriptPreparer(config);
    const oldVs = this.virtualServers;
    const carried = new Set<string>();
    if (replan !== undefined) {
      for (const vs of config.virtualServers) {
        const v = oldVs.get(vs.name);
        if (!replan.has(vs.name) && v !== undefined && v.reals.length === vs.realServers.length) carried.add(vs.name);
      }
    }
    const toPlan = config.virtualServers.filter((vs) => !carried.has(vs.name));
    // One pass over the real servers' checkers for both kinds: a large table has 10,000 real servers.
    let pings = false;
    let tcps = false;
    for (const vs of toPlan) {
      for (const rs of vs.realServers) {
        for (const c of rs.checkers) {
          if (c.kind === 'PING_CHECK') pings = true;
          else if (c.kind === 'TCP_CHECK') tcps = true;
        }
      }
    }
    if (this.pinger === undefined && pings) this.pinger = new IcmpPinger();
    if (this.tcp === undefined && tcps) this.tcp = new TcpConnector();
    // Plan everything first: a script that must not run stops here, before anything changes.
    this.resources.setSsl(config.ssl);
    const plans = new Map(
      toPlan.map((vs) => {
        const p = planChecks(vs, prepare, this.pinger, this.tcp, this.resources);
        for (const line of p.disabled) this.log.warn(line);
        return [vs.name, p.checks];
      }),
    );
    // The states of virtual servers planned again or gone leave the maps; a planned one takes
    // back each state whose checks have the same plans (keeping their history).
    const dropped = new Map<string, RealState>();
    for (const [name, v] of oldVs) {
      if (carried.has(name)) continue;
      for (const state of v.reals) {
        const key = realKey(state.vs, state.rs);
        dropped.set(key, state);
        for (const c of state.checks) this.byCheck.delete(c.id);
      }
    }
    const kept = new Set<string>();
    const virtualServers = new Map<string, VsState>();
    for (const vs of config.virtualServers) {
      const checks = plans.get(vs.name);
      if (checks === undefined) {
        // Unchanged: the same states, now pointing at the new file's objects (positions may have
        // moved; a block the reader reused is the very same object, with nothing to re-point).
        const v = oldVs.get(vs.name)!;
        virtualServers.set(vs.name, v);
        if (v.vs === vs) continue;
        v.vs = vs;
        v.reals.forEach((state, i) => {
          state.vs = vs;
          state.rs = vs.realServers[i]!;
        });
        continue;
      }
      const states: RealState[] = [];
      const byReal = new Map<string, PlannedCheck[]>();
      for (const c of checks) {
        const list = byReal.get(c.realServer);
        if (list === undefined) byReal.set(c.realServer, [c]);
        else list.push(c);
      }
      for (const rs of vs.realServers) {
        const bfd = bfdChecksOf(vs, rs);
        // The key only where a state or a verdict is kept by it: a reload's earlier states, BFD_CHECKs.
        const key = dropped.size > 0 || bfd.length > 0 || this.bfdChecks.tracked > 0 ? realKey(vs, rs) : '';
        const mine = (byReal.size > 0 ? byReal.get(realServerName(rs)) : undefined) ?? NO_CHECKS;
        const old = dropped.size > 0 ? dropped.get(key) : undefined;
        const same = old !== undefined && old.checks.length === mine.length && mine.every((c, i) => old.checks[i]?.id === c.id && old.checks[i].signature === c.signature);
        let state: RealState;
        if (same) {
          state = { ...old, vs, rs };
          for (const c of mine) kept.add(c.id);
        } else {
          const alpha = mine.length > 0 && mine.some((c) => c.timing.alpha);
          const told = rs.checkers.length > 0 && rs.checkers.some((c) => c.kind === 'FILE_CHECK' || c.kind === 'BFD_CHECK');
          state = { vs, rs, checks: mine, up: !alpha, reason: mine.length === 0 && !told ? 'no checker: always up' : alpha ? 'alpha: down until checked' : 'not checked yet', dynamicWeight: undefined, files: NO_FILES };
          // keepalived's clear_diff_rs: a real server still in its virtual server keeps its effective weight across a reload.
          if (old?.snmpWeight !== undefined) state.snmpWeight = old.snmpWeight;
        }
        state.checks = mine;
        state.files = rs.checkers.length === 0 ? NO_FILES : rs.checkers.flatMap((c) => {
          if (c.kind !== 'FILE_CHECK') return [];
          const track = config.trackFiles.find((f) => f.name === c.trackFile);
          return [{ name: c.trackFile, weight: c.weight ?? track?.weight ?? 1, reverse: c.reverse || (c.weight === undefined && (track?.reverse ?? false)), dynamic: c.dynamic }];
        });
        if (key !== '') this.bfdChecks.plan(key, bfd);
        states.push(state);
        if (mine.length > 0) for (const c of mine) this.byCheck.set(c.id, state);
      }
      const before = oldVs.get(vs.name);
      const sum = this.liveSum(vs, states);
      const up = nextQuorum(vs, before?.quorumUp ?? true, sum);
      virtualServers.set(vs.name, { vs, quorumUp: up, error: before?.error, inKernel: before?.inKernel ?? false, syncedQuorumUp: before?.syncedQuorumUp ?? false, table: undefined, reals: states });
      if (before === undefined && !up) this.quorumChanged(vs, false, sum, states, true);
    }
    for (const state of dropped.values()) for (const c of state.checks) if (!kept.has(c.id)) this.scheduler.remove(c.id);
    // nftables_ipvs: a virtual server whose fwmark changed (a group gained or lost its fwmark entries) wants another table.
    const fwmarks = assignFwmarks(config, this.fwmarks);
    for (const v of virtualServers.values()) if (fwmarkOf(v.vs, fwmarks) !== fwmarkOf(v.vs, this.fwmarks)) v.table = undefined;
    this.fwmarks = fwmarks;
    this.virtualServers = virtualServers;
    this.realsByKey = undefined;
    this.config = config;
    for (const checks of plans.values()) {
      for (const c of checks) {
        if (kept.has(c.id)) continue;
        const vs = this.byCheck.get(c.id)?.vs;
        this.scheduler.add({ ...this.observed(c), ...(vs !== undefined && this.waitsForAddress(vs) ? { suspended: true } : {}) });
      }
    }
    this.watchFiles(config);
    this.bfdChecks.retain((key) => this.realState(key) !== undefined);
    for (const key of this.bfdChecks.keys()) {
      const s = this.realState(key);
      if (s !== undefined) this.update(s, this.bfdChecks.failure(key) ?? 'BFD checks up', true);
    }
    const removals: Removal[] = [];
    for (const [name, v] of oldVs) {
      if (carried.has(name)) continue;
      // A real server of `name` stays only as one of the new `name`'s (its key starts with the name).
      const now = new Set(virtualServers.get(name)?.reals.map((st) => realKey(st.vs, st.rs)));
      const reals = v.reals.filter((st) => !now.has(realKey(st.vs, st.rs)));
      const gone = !virtualServers.has(name);
      if (reals.length > 0 || gone) removals.push({ vs: v, reals, gone });
    }
    return removals;
  }

  /**
   * keepalived's clear_diff_services lines, before IPVS lets go of what a reload took away:
   * `Removing Virtual Server ...` for a virtual server, `service ... no longer exist` for a real
   * server of one that stays, then `Removing service ... from VS ...` for each such real server in
   * IPVS. With `lvs_flush_on_stop`, keepalived clears a removed virtual server without its
   * real servers, and so does tandem.
   */
  private logRemovals(removals: readonly Removal[]): void {
    const flushing = this.config?.globalDefs.lvsFlushOnStop !== 'no';
    for (const r of removals) {
      const vs = r.vs.vs;
      if (r.gone) this.log.info(vs.key.kind === 'group' ? `Removing Virtual Server Group [${vs.key.group}]` : `Removing Virtual Server ${mailVirtual(vs)}`);
      if (r.gone && flushing) continue;
      for (const s of r.reals) {
        if (!r.gone) this.log.info(`service ${fifoReal(s.vs, s.rs)} no longer exist`);
        if (inIpvs(s.vs, s.rs, s.up, r.vs.quorumUp)) this.log.info(clearServiceLine('reload', s.vs, s.rs, s.up));
      }
    }
  }

  /**
   * keepalived's clear_diff_services at a reload, once IPVS has let go: each real server the new
   * file took away while it was up and in IPVS is told down (its FIFO line, realServerStateChange,
   * notify_down, a "Removing" mail), and a virtual server the file took away with its quorum up,
   * or that stays and lost it with them, loses it (quorum_down, its FIFO line,
   * virtualServerQuorumStateChange, a mail), in the old file's order. The traps count the old
   * file's real servers, as keepalived's do.
   */
  private tellRemoved(removals: readonly Removal[]): void {
    const flushing = this.config?.globalDefs.lvsFlushOnStop !== 'no';
    for (const r of removals) {
      if (!(r.gone && flushing)) {
        for (const s of r.reals) {
          if (!s.up || !inIpvs(s.vs, s.rs, s.up, r.vs.quorumUp)) continue;
          this.toldDown(s, REMOVING, (script) => this.runNotify(s.vs, script, []));
          this.trapReal(s, r.vs.reals);
        }
      }
      if (r.gone && r.vs.quorumUp) {
        r.vs.quorumUp = false;
        this.quorumChanged(r.vs.vs, false, 0, r.vs.reals);
        continue;
      }
      // keepalived's clear_diff_rs ends with update_vs_notifies(old_vs): a virtual server that
      // stays and lost its quorum with the real servers taken away says so, counted in the old
      // file (the ones taken away, told down above, no longer count).
      const now = r.gone ? undefined : this.virtualServers.get(r.vs.vs.name);
      if (now !== undefined && r.vs.quorumUp && !now.quorumUp) {
        r.vs.quorumUp = false;
        this.quorumChanged(r.vs.vs, false, this.liveSum(r.vs.vs, r.vs.reals), r.vs.reals);
      }
    }
  }

  /**
   * A BFD session's event (keepalived's bfd_check_handle_event): the real servers with a
   * BFD_CHECK of it are up while it is Up and down while it is Down.
   */
  bfdEvent(name: string, up: boolean): void {
    for (const key of this.bfdChecks.event(name, up)) {
      const s = this.realState(key);
      if (s === undefined) continue;
      this.log.info(`BFD check of [${name}] RS(${realServerName(s.rs)}) is ${up ? 'UP' : 'DOWN'}`);
      const wasUp = s.up;
      this.update(s, `BFD session ${name} is ${up ? 'Up' : 'Down'}`);
      this.mailChecker(s, wasUp, checkerBody('BFD_CHECK', up, name));
    }
  }

  /**
   * ha_suspend: follows the host's addresses while a virtual server has it (the kernel's
   * events first, then a listing, so none is missed), and stops when none has.
   */
  private async followAddresses(config: Config): Promise<void> {
    this.suspendSets = new Map(config.virtualServers.filter((vs) => suspendsChecks(vs, config.virtualServerGroups)).map((vs) => [vs.name, suspendAddresses(vs, config.virtualServerGroups)]));
    if (this.suspendSets.size === 0) {
      this.addressWatch?.close();
      this.addressWatch = undefined;
      return;
    }
    if (this.addressWatch !== undefined) return;
    const host = this.addresses();
    try {
      this.addressWatch = host.watch((e) => {
        if (this.present.apply(e)) this.applySuspend();
      });
      this.present.reset(await host.list());
    } catch (err) {
      this.log.error(`ha_suspend: cannot follow the host's addresses (${(err as Error).message}); the checkers of virtual servers with ha_suspend run all the time`);
      this.addressWatch?.close();
      this.addressWatch = undefined;
      this.suspendSets.clear();
    }
  }

  /** True when a virtual server with ha_suspend has none of its addresses on this host. */
  private waitsForAddress(vs: VirtualServer): boolean {
    const set = this.suspendSets.get(vs.name);
    if (set === undefined) return false;
    for (const a of set) if (this.present.has(a)) return false;
    return true;
  }

  /** Suspends or resumes each virtual server's checkers as its addresses come and go (logged as keepalived does). */
  private applySuspend(): void {
    // No ha_suspend now and no virtual server suspended before: no checker is or was
    // suspended, so there is nothing to walk (every check of the file, at each start and reload).
    if (this.suspendSets.size === 0 && this.suspended.size === 0) return;
    for (const v of this.virtualServers.values()) {
      const wait = this.waitsForAddress(v.vs);
      if (wait !== this.suspended.has(v.vs.name)) {
        if (wait) this.suspended.add(v.vs.name);
        else this.suspended.delete(v.vs.name);
        this.log.info(`(${v.vs.name}) ha_suspend: ${wait ? 'suspending its checkers: its address is not on this host' : 'activating its checkers: its address is on this host'}`);
      }
      for (const s of v.reals) for (const c of s.checks) this.scheduler.suspend(c.id, wait);
    }
    for (const name of [...this.suspended]) if (!this.virtualServers.has(name)) this.suspended.delete(name);
  }

  /** FILE_CHECK: one watcher per track_file the real servers read; each change re-judges them. */
  private watchFiles(config: Config): void {
    // FILE_CHECK names a track_file block: without any, there is nothing to watch or judge.
    if (config.trackFiles.length === 0 && this.fileMonitors.size === 0) return;
    const used = new Set<string>();
    for (const s of this.allReals()) for (const f of s.files) used.add(f.name);
    for (const [name, mon] of this.fileMonitors) {
      if (used.has(name)) continue;
      mon.stop();
      this.fileMonitors.delete(name);
    }
    for (const name of used) {
      if (this.fileMonitors.has(name)) continue;
      const track = config.trackFiles.find((f) => f.name === name);
      if (track === undefined) continue;
      const mon = new FileMonitor(track, this.log.child({ module: 'track_file' }));
      mon.on('change', (value) => {
        for (const s of this.allReals()) if (s.files.some((f) => f.name === name)) this.update(s, `file ${name} holds ${value}`, true);
      });
      mon.start();
      this.fileMonitors.set(name, mon);
    }
    for (const s of this.allReals()) if (s.files.length > 0) this.update(s, this.fileFailure(s) ?? 'file checks pass', true);
  }

  /** The first failing FILE_CHECK of a real server, in words. */
  private fileFailure(s: RealState): string | undefined {
    for (const f of s.files) {
      const value = this.fileMonitors.get(f.name)?.value ?? 0;
      if (fileVerdict(value, f.weight, f.reverse).failed) return `file ${f.name} holds ${value}`;
    }
    return undefined;
  }

  /** FILE_CHECK dynamic: value x weight of each dynamic file check, added to the weight. */
  private fileOffset(s: RealState): number {
    return s.files.filter((f) => f.dynamic).reduce((n, f) => n + fileVerdict(this.fileMonitors.get(f.name)?.value ?? 0, f.weight, f.reverse).delta, 0);
  }

  /**
   * Applies a new configuration: checks whose plan is unchanged keep running with their
   * history, and IPVS changes only where the desired table differs. With `changes` (the
   * reload's diff) only the virtual servers that changed, or whose group or track_file did,
   * are planned again.
   */
  async reload(config: Config, ipvs?: IpvsClient, changes?: VirtualServerDiff): Promise<void> {
    const before = this.config;
    this.prepare = scriptPreparer(config);
    this.mailer.configure(config.globalDefs);
    await this.followAddresses(config);
    const removals = this.install(config, before !== undefined && changes !== undefined ? replanned(before, config, changes) : undefined);
    this.logRemovals(removals);
    this.applySuspend();
    if (this.keeper === undefined && ipvs !== undefined) {
      this.ipvs = ipvs;
      this.keeper = new TableKeeper(ipvs);
    }
    if (this.keeper !== undefined) await this.sync();
    this.tellRemoved(removals);
  }

  /**
   * A reload of the running configuration with nothing changed, applied to nothing: every
   * virtual server carried as it is, and the desired table planned against what IPVS was given
   * (no operation comes of it). Synchronous, so no reload can come between its steps. For the
   * daemon's rehearsal after start (tandemd.ts rehearseReloadSoon).
   */
  rehearseReload(): void {
    const config = this.config;
    if (config === undefined) return;
    this.install(config, new Set());
    this.keeper?.plan(this.desired().table);
  }

  /** True once an IPVS client is attached. */
  hasIpvs(): boolean {
    return this.keeper !== undefined;
  }

  /** The IPVS client tandem programs through, if any (the metrics read the kernel's counters with it). */
  ipvsClient(): IpvsClient | undefined {
    return this.keeper !== undefined ? this.ipvs : undefined;
  }

  /** A real server's health from its state (`VsState.reals` is in the order of the virtual server's `realServers`). */
  private healthOf(s: RealState | undefined): RealHealth {
    if (s === undefined) return DOWN;
    if (s.snmpWeight !== undefined) return { up: s.up, dynamicWeight: s.snmpWeight };
    const offset = s.files.length === 0 ? 0 : this.fileOffset(s);
    // Asked for every real server at each start, reload and status: no object for the usual case.
    if (s.dynamicWeight === undefined && offset === 0) return s.up ? UP : DOWN;
    return { up: s.up, dynamicWeight: Math.max(0, (s.dynamicWeight ?? s.rs.weight) + offset) };
  }

  /**
   * An SNMP SET of a real server's realServerWeight (keepalived's update_svr_wgt): the weight
   * IPVS gets while the server is up, and the quorum counted again; false when there is no
   * such real server. It stays through reloads while the server stays in its virtual server.
   */
  setWeight(vsName: string, index: number, weight: number): boolean {
    const v = this.virtualServers.get(vsName);
    const s = v?.reals[index];
    if (v === undefined || s === undefined) return false;
    const before = this.effectiveWeight(s);
    s.snmpWeight = weight;
    if (before !== weight) {
      this.log.info(`Changing weight from ${before} to ${weight} for ${s.up ? '' : 'in'}active service ${realServerName(s.rs)} of VS ${v.vs.name}`);
      this.changed(v.vs);
    }
    return true;
  }

  /** The weight a real server has while up: keepalived's effective_weight. */
  private effectiveWeight(s: RealState): number {
    return liveWeight(s.rs, { ...this.healthOf(s), up: true });
  }

  /** Re-judges a real server: up when every scheduled check and every FILE_CHECK passes. */
  private update(s: RealState, reason: string, weightMayChange = false): void {
    const up = s.checks.every((c) => this.scheduler.status(c.id)?.up ?? true) && this.fileFailure(s) === undefined && this.bfdChecks.failure(realKey(s.vs, s.rs)) === undefined;
    if (up === s.up) {
      if (weightMayChange && up) this.changed(s.vs);
      return;
    }
    s.up = up;
    s.reason = reason;
    const line = `(${s.vs.name}) real server ${realServerName(s.rs)} ${up ? 'UP' : 'DOWN'}: ${reason}`;
    if (up) this.log.info(line);
    else this.log.warn(line);
    this.notifyReal(s);
    this.changed(s.vs);
  }

  /**
   * `s` goes down for a reason outside its checks (a reload removed it, omega at the stop; the
   * mail's `body` says which): its FIFO line, its notify_down through `runDown`, a mail.
   */
  private toldDown(s: RealState, body: string, runDown: (script: ScriptSpec) => void): void {
    s.up = false;
    const real = fifoReal(s.vs, s.rs);
    this.onNotifyLine?.(`RS ${real} ${fifoVirtual(s.vs)} DOWN`);
    if (s.rs.notifyDown !== undefined) runDown(s.rs.notifyDown);
    const m = this.mailer;
    if (m.enabled && realServerAlerts(s.rs.smtpAlert, m.settings)) m.send((routerId) => realServerAlert(routerId, real, mailVirtual(s.vs), false, body));
  }

  /** keepalived's do_rs_notifies: the FIFO line, the SNMP trap, notify_up / notify_down. */
  private notifyReal(s: RealState): void {
    this.onNotifyLine?.(`RS ${fifoReal(s.vs, s.rs)} ${fifoVirtual(s.vs)} ${s.up ? 'UP' : 'DOWN'}`);
    this.trapReal(s, this.virtualServers.get(s.vs.name)?.reals ?? [s]);
    const script = s.up ? s.rs.notifyUp : s.rs.notifyDown;
    if (script !== undefined) this.runNotify(s.vs, script, []);
  }

  /** keepalived's weigh_live_realservers for `vs`, whose real servers' states are `reals` (in its order). */
  private liveSum(vs: VirtualServer, reals: readonly RealState[]): number {
    return liveWeightSum(vs, (_rs, i) => this.healthOf(reals[i]));
  }

  /** A real server's health or weight changed: recompute the quorum, then resync IPVS. */
  private changed(vs: VirtualServer): void {
    const v = this.virtualServers.get(vs.name);
    if (v === undefined) return;
    v.table = undefined;
    const sum = this.liveSum(v.vs, v.reals);
    const up = nextQuorum(v.vs, v.quorumUp, sum);
    if (up !== v.quorumUp) {
      v.quorumUp = up;
      this.quorumChanged(v.vs, up, sum, v.reals);
    }
    this.requestSync();
  }

  /**
   * A checker of `s` changed (check_tcp.c and its kin): mailed when the real server's
   * smtp_alert is on, and with no_checker_emails only if the real server's state changed too.
   */
  private mailChecker(s: RealState, wasUp: boolean, body: string | undefined): void {
    const m = this.mailer;
    if (body === undefined || !m.enabled || !realServerAlerts(s.rs.smtpAlert, m.settings)) return;
    if (m.settings.noCheckerEmails && wasUp === s.up) return;
    const [real, virtual, up] = [fifoReal(s.vs, s.rs), mailVirtual(s.vs), s.up];
    m.send((routerId) => realServerAlert(routerId, real, virtual, up, body));
  }

  /** keepalived's realServerStateChange for `s`, counted among `reals` (its virtual server's states, old ones after a reload). */
  private trapReal(s: RealState, reals: readonly RealState[]): void {
    if (this.onCheckerTrap === undefined) return;
    this.onCheckerTrap({ kind: 'realServer', vs: s.vs, rs: s.rs, up: s.up, realUp: reals.filter((r) => r.up).length, realTotal: s.vs.realServers.length });
  }

  /** keepalived's virtualServerQuorumStateChange for `vs`, whose real servers' states are `reals`. */
  private trapQuorum(vs: VirtualServer, status: QuorumTrapStatus, reals: readonly RealState[]): void {
    if (this.onCheckerTrap === undefined) return;
    this.onCheckerTrap({ kind: 'quorum', vs, status, realUp: reals.filter((r) => r.up).length, realTotal: vs.realServers.length });
  }

  private quorumChanged(vs: VirtualServer, up: boolean, sum: number, reals: readonly RealState[], init = false): void {
    if (up) this.log.info(`(${vs.name}) gained quorum: live weight ${sum} >= ${vs.quorum} + ${vs.hysteresis}${vs.sorryServer !== undefined ? '; sorry server leaves' : ''}`);
    else this.log.warn(`(${vs.name}) lost quorum: live weight ${sum} < ${vs.quorum} - ${vs.hysteresis}${vs.sorryServer !== undefined ? `; sorry server ${vs.sorryServer.address} takes the traffic` : ''}`);
    this.onNotifyLine?.(`VS ${fifoVirtual(vs)} ${up ? 'UP' : 'DOWN'}`);
    this.trapQuorum(vs, up ? 'met' : 'notMet', reals);
    this.onServiceState?.();
    const script = up ? vs.quorumUp : vs.quorumDown;
    if (script !== undefined) this.runNotify(vs, script, []);
    if (this.mailer.enabled && virtualServerAlerts(vs.smtpAlert, this.mailer.settings)) this.mailer.send((routerId) => quorumAlert(routerId, mailVirtual(vs), up, init, vs.quorum, vs.hysteresis, sum));
  }

  private runNotify(vs: VirtualServer, script: ScriptSpec, args: string[]): void {
    void runNotifyScript(() => this.prepare!(script), args, this.log, vs.name, script.command);
  }

  /** The whole desired table from the current configuration and verdicts, and which virtual server owns each service (for logs). */
  private desired(): { table: TableService[]; owners: Map<string, string> } {
    const table: TableService[] = [];
    const owners = new Map<string, string>();
    const config = this.config;
    if (config === undefined) return { table, owners };
    for (const v of this.virtualServers.values()) {
      try {
        v.table ??= desiredForVirtualServer(v.vs, config.virtualServerGroups, (_rs, i) => this.healthOf(v.reals[i]), v.quorumUp, fwmarkOf(v.vs, this.fwmarks));
        for (const t of v.table) {
          table.push(t);
          owners.set(serviceId(t.service.key), v.vs.name);
        }
      } catch (err) {
        v.error = (err as Error).message;
      }
    }
    return { table, owners };
  }

  private requestSync(): void {
    if (this.keeper === undefined || this.syncQueued) return;
    // Several verdicts of one scheduler tick become one sync.
    this.syncQueued = true;
    setImmediate(() => {
      this.syncQueued = false;
      void this.sync();
    });
  }

  private async sync(): Promise<void> {
    const keeper = this.keeper;
    if (keeper === undefined) return;
    const { table, owners } = this.desired();
    const quorums = new Map([...this.virtualServers.values()].map((v) => [v, v.quorumUp]));
    const ownerOf = (op: Operation): string => owners.get(serviceId('key' in op ? op.key : op.service.key)) ?? 'IPVS';
    try {
      const nftError = await this.syncNftables();
      this.onOwnedServices?.(new Set([...keeper.ownedIds(), ...owners.keys()]));
      // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks on first
      // use, which the start would pay for before its first IPVS entry.
      const started = process.hrtime.bigint();
      const report = await keeper.sync(table);
      this.onOwnedServices?.(keeper.ownedIds());
      for (const v of this.virtualServers.values()) v.error = nftError !== undefined && fwmarkOf(v.vs, this.fwmarks) !== undefined ? nftError : undefined;
      // Each entry at debug (-D); one line per batch at info, so the log does not grow with the table.
      if (this.log.isDebugEnabled?.() !== false) for (const op of report.applied) this.log.debug(`(${ownerOf(op)}) IPVS: ${describeOperation(op)}`);
      if (report.applied.length > 0) this.log.info(`IPVS: ${summarizeOperations(report.applied)} in ${Math.round(Number(process.hrtime.bigint() - started) / 1e6)} ms`);
      for (const f of report.failed) {
        const v = this.virtualServers.get(ownerOf(f.operation));
        if (v !== undefined) v.error = f.error.message;
        this.log.error(`(${ownerOf(f.operation)}) IPVS refused: ${f.error.message}`);
      }
      for (const v of this.virtualServers.values()) {
        v.inKernel = v.error === undefined;
        v.syncedQuorumUp = quorums.get(v) ?? false;
      }
    } catch (err) {
      for (const v of this.virtualServers.values()) {
        v.error = (err as Error).message;
        v.inKernel = false;
      }
      this.log.error(`IPVS: ${(err as Error).message}; the table will be read again at the next change`);
    }
    this.onServiceState?.();
  }

  /**
   * nftables_ipvs: the tables that mark each group's traffic with its fwmark, made to match the
   * configuration (only when it changed), or dropped when the file no longer has nftables_ipvs.
   */
  private async syncNftables(): Promise<string | undefined> {
    const settings = this.config?.globalDefs.nftablesIpvs;
    try {
      if (settings === undefined) await this.nftTables.remove();
      else if (await this.nftTables.apply(settings, this.config!, this.fwmarks)) this.log.info(`nftables_ipvs: tables ip/ip6 ${settings.table} mark ${this.fwmarks?.marks.size ?? 0} group(s) with their fwmark`);
      return undefined;
    } catch (err) {
      this.log.error(`nftables_ipvs: ${(err as Error).message}`);
      return `nftables_ipvs: ${(err as Error).message}`;
    }
  }

  /** One virtual server's quorum and whether IPVS holds it (undefined for a name the file does not have). */
  serviceView(name: string): ServiceView | undefined {
    const v = this.virtualServers.get(name);
    if (v === undefined) return undefined;
    return { quorumUp: v.quorumUp && v.syncedQuorumUp, programmed: this.keeper !== undefined && v.inKernel && v.error === undefined, ...(v.error !== undefined ? { error: v.error } : {}) };
  }

  status(): VirtualServerStatus[] {
    // The clock's times become wall-clock times here, once per status, not once per check.
    const wallOffset = Date.now() - this.clock.now();
    return [...this.virtualServers.values()].map((v) => ({
      name: v.vs.name,
      programmed: this.keeper !== undefined && v.error === undefined,
      ...(v.error !== undefined ? { error: v.error } : {}),
      quorum: v.quorumUp ? 'up' : 'down',
      ...(this.suspended.has(v.vs.name) ? { suspended: true as const } : {}),
      reals: v.vs.realServers.map((rs, i) => {
        const s = v.reals[i]!;
        const last = this.lastChecked(s);
        return {
          address: rs.address,
          port: rs.port ?? null,
          up: s.up,
          weight: liveWeight(rs, this.healthOf(s)),
          effectiveWeight: this.effectiveWeight(s),
          lastCheck: last.at === undefined ? null : new Date(wallOffset + last.at).toISOString(),
          reason: last.reason,
        };
      }),
    }));
  }

  /**
   * When a real server was last checked (scheduler clock), and why it is in its state: while
   * it is up, what its latest passing check said ("connected", "status 200"); while down, the
   * failure that took it down. Read here rather than recorded per check: at thousands of
   * checks a second, status is asked for rarely.
   */
  private lastChecked(s: RealState): { at: number | undefined; reason: string } {
    let at: number | undefined;
    let okAt = -Infinity;
    let reason = s.reason;
    for (const c of s.checks) {
      const st = this.scheduler.status(c.id);
      if (st?.lastCheck === undefined) continue;
      if (at === undefined || st.lastCheck > at) at = st.lastCheck;
      if (s.up && st.lastResult?.ok === true && st.lastCheck > okAt) {
        okAt = st.lastCheck;
        reason = st.lastResult.reason;
      }
    }
    return { at, reason };
  }

  /**
   * A check as the scheduler runs it: timed and reported to `onCheckAttempt` when someone
   * listens (set before `start`), else as it is, at no cost per attempt.
   */
  private observed(c: PlannedCheck): { id: string; timing: PlannedCheck['timing']; run: PlannedCheck['run']; runSelfTimed?: SelfTimedCheckFn } {
    if (this.onCheckAttempt === undefined) return { id: c.id, timing: c.timing, run: c.run, ...(c.runSelfTimed !== undefined ? { runSelfTimed: c.runSelfTimed } : {}) };
    const report = (started: bigint, r: CheckResult): CheckResult => {
      this.onCheckAttempt?.(c, Number(process.hrtime.bigint() - started) / 1e6, r);
      return r;
    };
    const run: PlannedCheck['run'] = (signal) => {
      const started = process.hrtime.bigint();
      return c.run(signal).then((r) => report(started, r));
    };
    const self = c.runSelfTimed;
    return {
      id: c.id,
      timing: c.timing,
      run,
      ...(self !== undefined ? { runSelfTimed: (done: (r: CheckResult) => void) => {
        const started = process.hrtime.bigint();
        self((r) => done(report(started, r)));
      } } : {}),
    };
  }

  /**
   * Stops the checks; unless `release` is false (keepalived's `--dont-release-ipvs`, which skips
   * its clear_services), removes tandem's IPVS services and tells of it as keepalived does: each
   * real server's `Shutting down service` line, then the traps and, for virtual servers with
   * `omega`, the notifies (tellShutdown). IPVS lets go first: keepalived logs each line just
   * before its server's removal, but ten thousand lines cost seconds on a slow machine (a
   * tenth of one on the host), which the kernel's table should not wait for.
   */
  async stop(release = true): Promise<void> {
    const omega = release && (this.config?.virtualServers.some((vs) => vs.omega) ?? false);
    this.stopChecks();
    const removed = this.takeDown(release).then(() => {
      if (!release) return [];
      this.logShutdowns();
      return this.tellShutdown();
    });
    if (!omega) {
      // Mails of the last changes are given a moment while IPVS is taken down (keepalived's checker process exits as soon).
      await Promise.all([this.mailer.stop(1000), removed]);
      return;
    }
    const scripts = await removed;
    await Promise.all([this.mailer.stop(1000), ...scripts]);
  }

  /**
   * keepalived's clear_service_rs line for every real server of every virtual server, in the
   * file's order, up or down, in IPVS or not: `Shutting down service ... from VS ...`. Not with
   * `lvs_flush_on_stop`, where keepalived flushes without them.
   */
  private logShutdowns(): void {
    const config = this.config;
    if (config === undefined || config.globalDefs.lvsFlushOnStop !== 'no') return;
    for (const vs of config.virtualServers) for (const s of this.virtualServers.get(vs.name)?.reals ?? []) this.log.info(clearServiceLine('stop', vs, s.rs, s.up));
  }

  /**
   * keepalived's clear_services, once IPVS has let go, per virtual server in the file's order:
   * each real server that was up and in IPVS goes down and sends realServerStateChange (down,
   * the live count without it), and then the virtual server sends virtualServerQuorumStateChange
   * (shutdown(3)), "whether or not omega is set": keepalived's ipwrapper.c always sends SNMP
   * messages on shutdown. With `omega`, each such real server is also told down (its FIFO
   * line, notify_down, a "Shutting down" mail), then the quorum (its FIFO line, quorum_down, a
   * mail), even when it was already down. With `lvs_flush_on_stop` the real servers are neither
   * told nor trapped, only the quorum. The scripts have a second, as keepalived gives them at
   * its stop. Returns the scripts' ends.
   */
  private tellShutdown(): Promise<void>[] {
    const config = this.config;
    if (config === undefined) return [];
    const ends: Promise<void>[] = [];
    const run = (vs: VirtualServer, script: ScriptSpec | undefined): void => {
      if (script === undefined || this.prepare === undefined) return;
      const end = runNotifyScript(() => this.prepare!(script), [], this.log, vs.name, script.command, undefined, OMEGA_SCRIPT_MS);
      if (end !== undefined) ends.push(end);
    };
    const m = this.mailer;
    for (const vs of config.virtualServers) {
      const v = this.virtualServers.get(vs.name);
      if (v === undefined) continue;
      if (config.globalDefs.lvsFlushOnStop === 'no') {
        for (const s of v.reals) {
          // keepalived's clear_service_rs: one not in IPVS (a lost quorum's sorry server took its place) stays as it was.
          if (!s.up || !inIpvs(vs, s.rs, s.up, v.quorumUp)) continue;
          if (vs.omega) this.toldDown(s, SHUTTING_DOWN, (script) => run(vs, script));
          else s.up = false;
          this.trapReal(s, v.reals);
        }
      }
      v.quorumUp = false;
      this.trapQuorum(vs, 'shutdown', v.reals);
      if (!vs.omega) continue;
      this.onNotifyLine?.(`VS ${fifoVirtual(vs)} DOWN`);
      run(vs, vs.quorumDown);
      if (m.enabled && virtualServerAlerts(vs.smtpAlert, m.settings)) m.send((routerId) => virtualServerShutdownAlert(routerId, mailVirtual(vs)));
    }
    return ends;
  }

  /** The checks, watchers and probes end: no verdict changes after this. */
  private stopChecks(): void {
    this.scheduler.stop();
    this.addressWatch?.close();
    this.addressWatch = undefined;
    for (const m of this.fileMonitors.values()) m.stop();
    this.pinger?.close();
    this.tcp?.close();
    this.resources.close();
  }

  /** Takes tandem's services out of IPVS (`lvs_flush_on_stop`: flushes the whole table instead), unless `release` is false. */
  private async takeDown(release: boolean): Promise<void> {
    const ipvs = this.ipvs;
    const keeper = this.keeper;
    this.keeper = undefined;
    if (ipvs === undefined || keeper === undefined) return;
    if (!release) {
      this.log.info('--dont-release-ipvs: leaving the IPVS services in place');
      return;
    }
    try {
      if (this.config?.globalDefs.lvsFlushOnStop === 'all') {
        await ipvs.flush();
        this.onOwnedServices?.(new Set());
        this.log.info('lvs_flush_on_stop: flushed the IPVS table');
      } else {
        const report = await keeper.sync([]);
        this.onOwnedServices?.(keeper.ownedIds());
        this.log.info(`removed ${report.applied.length} IPVS service(s)`);
      }
      // keepalived's clear_services ends with nft_ipvs_end: the marking tables go with the services.
      await this.nftTables.remove();
    } catch (err) {
      this.log.error(`IPVS at stop: ${(err as Error).message}`);
    }
  }
}

