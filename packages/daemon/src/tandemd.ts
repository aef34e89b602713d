import { diff, formatDiagnostic, sameValue, type Config, type GlobalDefs } from '@tandem/config';
import { rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { dirname } from 'node:path';
import { KEEPALIVED_VERSION, namespaceSocket, parseDaemonArgs, USAGE, VERSION, type DaemonOptions } from './cli.js';
import type { SnmpAgent } from './snmp-agent.js';
import type { LinkView, SnmpSnapshot } from './snmp-view.js';
import type { SnmpChange } from './snmp-set.js';
import { NO_LVS_GLOBALS } from './snmp-check-view.js';
import { servesAny, snmpParts, type SnmpParts } from './snmp-parts.js';
import { instanceTrap, syncGroupTrap } from './snmp-vrrp-traps.js';
import { hostname } from 'node:os';
import { runWithoutDaemon } from './entry.js';
import { enableCoreDumps } from './core-dumps.js';
import { enterNetworkNamespace, releaseMemory, Rtnl } from '@tandem/net';
import { openControlSocket, type ControlCommand } from './control.js';
import { createLogger, type Logger } from './logger.js';
import { VrrpSide } from './vrrp/side-client.js';
import { vrrpPartOf, type SideStats, type SideStatus } from './vrrp/protocol.js';
import type { ReloadReport } from './vrrp/service.js';
import { type LoopDelay, LoopDelayMonitor } from './loop-delay.js';
import { ReloadQueue } from './reload-queue.js';
import { clearLeftovers } from './leftovers.js';
import { LvsService } from './lvs-service.js';
import { loadForTandem, startRefusedExitCode } from './config-check.js';
import { scriptPreparer } from './script-prep.js';
import { runStartStopScript } from './start-stop-script.js';
import { ensureTrustedDirectory, writePidFile } from './private-files.js';
import { InstanceHistory } from './instance-history.js';
import { withoutHmacKeys } from './instance-options.js';
import { KeepalivedSignals } from './keepalived-signals.js';
import { formatData, type InstanceDump, type ScriptDump } from './keepalived-dumps.js';
import { SdNotify } from './sd-notify.js';
import type { Metrics, MetricsSnapshot } from './metrics.js';
import { scriptCounters } from '@tandem/healthcheck';
import { InstanceLock, lockPathOf } from './instance-lock.js';
import { HostLedger } from './host-ledger.js';
import { openIpvs } from './ipvs-open.js';
import { planReport } from './plan.js';
import { NotifyFifos } from './notify-fifo.js';
import { localName } from './smtp/local-name.js';
import { StaticNetwork } from './static-network.js';
import type { IpvsClient } from '@tandem/ipvs';
import { BfdSide } from './bfd/side-client.js';
import type { BfdSessionEvent } from './bfd/protocol.js';
import { Announcements } from './anycast/announcements.js';

/**
 * The state files next to the control socket: `/run/tandem/tandem.sock` → `/run/tandem/tandem.state`
 * (the supervisor's: static network, IPVS) and `tandem.vrrp.state` (the VRRP side's: its addresses,
 * routes and rules).
 */
export function statePathOf(socket: string, side: 'supervisor' | 'vrrp' = 'supervisor'): string {
  const stem = socket.endsWith('.sock') ? socket.slice(0, -'.sock'.length) : socket;
  return side === 'vrrp' ? `${stem}.vrrp.state` : `${stem}.state`;
}

type ReloadResult = { applied: boolean; errors: string[]; report?: ReloadReport };

/** The start's VRRP traps kept for the subagent at most (a few per instance and sync group). */
const MAX_START_TRAPS = 1000;
/**
 * How long they wait for the master agent to register the subagent. keepalived's subagent is up
 * before its instances start, and their traps are lost when no master is there: a master that
 * turns up later must not get a start's traps long after the start.
 */
const START_TRAPS_WAIT_MS = 10_000;

/** start() gave up because a signal stopped the daemon meanwhile. */
class StoppedWhileStarting extends Error {
  constructor() {
    super('stopped while starting');
  }
}

class Daemon {
  private vrrp: VrrpSide | undefined;
  private bfd: BfdSide | undefined;
  /** Where each BFD session's events go (its bfd_instance's `vrrp` / `checker`). */
  private bfdRoutes = new Map<string, { vrrp: boolean; checker: boolean }>();
  private lvs: LvsService | undefined;
  /** `@tandem announce`: routes for the routing daemon, following the virtual servers' quorums. */
  private announcements: Announcements | undefined;
  private ipvs: IpvsClient | undefined;
  private fifos: NotifyFifos | undefined;
  private statics: StaticNetwork | undefined;
  private control: Server | undefined;
  private stopping = false;
  /** The sides' start, settled or not: a stop during it waits for it before tearing down. */
  private startup: Promise<void> | undefined;
  private readonly reloads = new ReloadQueue<ReloadResult>(
    () => this.reloadObserved(),
    () => this.releaseMemorySoon(),
  );
  /**
   * The supervisor's loop delay, watched from the end of the start: the start's own seconds of
   * reading the file and filling IPVS are not a stalled loop, and node:perf_hooks is not loaded
   * before the first IPVS entry.
   */
  private loop: LoopDelayMonitor | undefined;
  /** VRRP traps made while starting, until the subagent is first registered (vrrpTrap, attachSnmp). */
  private startTraps: Array<(snmp: SnmpAgent) => void> | undefined = [];
  /** Transitions counted here, across VRRP side restarts: keepalived's dumps and the metrics read them. */
  readonly history = new InstanceHistory();
  private signals: KeepalivedSignals | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: DaemonOptions,
    private config: Config,
    private readonly log: Logger,
    private readonly locks: readonly InstanceLock[],
    private readonly ledger: HostLedger,
  ) {}

  /** systemd's notify socket, when run as a Type=notify unit. */
  sd: SdNotify | undefined;
  /** keepalived's `-x`: the AgentX subagent. */
  snmp: SnmpAgent | undefined;
  /** An SNMP SET changed instances in the VRRP side since the last reload (which then puts the file's values back, as keepalived). */
  private vrrpSetBySnmp = false;
  private readonly startedMs = Date.now();
  /** The host's canonical name (the host name until getent has answered): the router_id when the file has none. */
  private localName = hostname();
  /** Prometheus metrics, with --metrics-listen (set before start: checks are timed only then). */
  metrics: Metrics | undefined;

  /** Called when tandemd must stop on its own (`--dont-respawn` and the VRRP side died). */
  onFatal: ((why: string) => void) | undefined;

  start(): Promise<void> {
    this.startup = this.startParts();
    // keepalived's default router_id is the host's canonical name (get_local_name); asked once, in
    // the background, once started: spawning getent costs the start a few milliseconds here and
    // tens on a slow CPU, and until it answers the host name stands in.
    void this.startup.then(
      () => {
        this.loop ??= new LoopDelayMonitor();
        return localName().then((n) => (this.localName = n));
      },
      () => undefined,
    );
    return this.startup;
  }

  private async startParts(): Promise<void> {
    // keepalived runs its startup_script before anything else, and starts when it has ended.
    await this.startStopScript('startup');
    if (this.stopping) throw new StoppedWhileStarting();
    let unavailable: string | undefined;
    // -P: VRRP only, so no checks and no IPVS; -C: checks and IPVS only, no VRRP side.
    if (this.config.virtualServers.length > 0 && this.opts.runChecks) {
      const ipvs = await openIpvs(this.config.globalDefs.netNamespaceIpvs);
      if ('client' in ipvs) this.ipvs = ipvs.client;
      else unavailable = ipvs.reason;
    }
    this.statics = new StaticNetwork(this.log, (c) => this.ledger.recording(c));
    await this.statics.clearLeftovers(this.ledger.previous, this.config);
    await this.clearVrrpLeftovers();
    await this.statics.apply(this.config);
    this.fifos = await NotifyFifos.open(this.config.globalDefs, scriptPreparer(this.config), this.log);
    for (const path of [this.opts.checkersPidFile, this.opts.bfdPidFile]) if (path !== undefined) writePidFile(path, process.pid);
    // The BFD side starts beside the others: its sessions need a second or more to come up, and
    // its events find the VRRP side's channel and the LVS service in place (both are made below,
    // before any event can arrive).
    if (this.stopping) throw new StoppedWhileStarting();
    const starting: Array<Promise<void>> = [this.startBfd(this.config)];
    if (this.wantsVrrpSide(this.config)) starting.push(this.startVrrp(this.config));
    if (!this.opts.runChecks && this.config.virtualServers.some((vs) => vs.announce !== undefined)) this.log.warn('-P: no checks run, so nothing is announced (@tandem announce)');
    if (this.opts.runChecks) {
      this.lvs = new LvsService(this.log);
      this.lvs.onNotifyLine = (line) => this.fifos?.lvs(line);
      this.lvs.onOwnedServices = (ids) => this.ledger.setIpvsServices(ids);
      // As keepalived's routerId varbind: router_id, else the host's canonical name.
      this.lvs.onCheckerTrap = (t) => this.snmp?.checkerTrap(t, this.trapRouterId());
      this.lvs.onServiceState = () => this.announce();
      this.announcements = Announcements.forConfig(this.config, (c) => this.ledger.recording(c), this.log);
      const metrics = this.metrics;
      if (metrics !== undefined) this.lvs.onCheckAttempt = (c, ms, r) => metrics.observeCheck(c.virtualServer, c.realServer, c.kind, ms, r.ok, r.reason);
      starting.push(this.lvs.start(this.config, this.ipvs, unavailable, this.ledger.previous.ipvsServices));
    }
    // The sides start together: the VRRP side's process start (seconds on a slow CPU) does not
    // hold back the checks and the IPVS table, which do not depend on it. If any fails, start()
    // fails and the caller stops them all, but only once every part has settled (one still
    // programming IPVS would race that stop). A SIGTERM meanwhile: stop() waits the same way.
    const results = await Promise.allSettled(starting);
    if (this.stopping) throw new StoppedWhileStarting();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    this.control = await openControlSocket(this.opts.controlSocket, (cmd) => this.command(cmd));
    this.signals = new KeepalivedSignals(() => this.instanceDumps(), this.log);
    this.signals.install();
    const parts = `${this.opts.runVrrp ? '' : ' (checks only: -C)'}${this.opts.runChecks ? '' : ' (VRRP only: -P)'}`;
    this.log.info(`tandemd running ${this.opts.runVrrp ? this.config.vrrpInstances.length : 0} VRRP instance(s) from ${this.opts.configFile}${parts}; control socket ${this.opts.controlSocket}; VRRP side pid ${this.vrrp?.pid ?? '-'}`);
  }

  /** The announcements follow the virtual servers' quorums and IPVS state (made at the first file that announces). */
  private announce(): void {
    if (this.stopping || this.lvs === undefined) return;
    this.announcements ??= Announcements.forConfig(this.config, (c) => this.ledger.recording(c), this.log);
    void this.announcements?.update(this.config, (name) => this.lvs?.serviceView(name));
  }

  /** `startup_script` / `shutdown_script` of the running configuration, when it has one. */
  private async startStopScript(kind: 'startup' | 'shutdown'): Promise<void> {
    const g = this.config.globalDefs;
    const spec = kind === 'startup' ? g.startupScript : g.shutdownScript;
    if (spec === undefined) return;
    await runStartStopScript(kind, spec, kind === 'startup' ? g.startupScriptTimeout : g.shutdownScriptTimeout, scriptPreparer(this.config), this.log);
  }

  /**
   * Whether the file needs the VRRP side. As keepalived's parent starts no VRRP child for a file
   * without VRRP configuration (running_vrrp(): have_vrrp_config, or --all), a director that
   * only balances does not pay for a process with nothing to run; a reload that brings VRRP
   * configuration starts it then.
   */
  private wantsVrrpSide(config: Config): boolean {
    if (!this.opts.runVrrp) return false;
    if (this.opts.runAll) return true;
    const p = vrrpPartOf(config);
    return p.vrrpInstances.length + p.syncGroups.length + p.vrrpScripts.length + p.trackFiles.length + p.trackProcesses.length > 0 || p.globalDefs.lvsSyncDaemon !== undefined;
  }

  /** The VRRP side, started on `config`'s VRRP part. */
  private startVrrp(config: Config): Promise<void> {
    this.vrrp = new VrrpSide({
      log: this.log,
      statePath: statePathOf(this.opts.controlSocket, 'vrrp'),
      detail: this.opts.logDetail,
      release: this.opts.releaseVrrp,
      respawn: this.opts.respawn,
      onGone: (why) => this.onFatal?.(why),
      bfdStates: () => this.bfd?.reportedStates() ?? {},
      ...(this.opts.vrrpPidFile !== undefined ? { onSpawn: (pid: number) => writePidFile(this.opts.vrrpPidFile!, pid) } : {}),
    });
    this.vrrp.onNotifyLine = (line) => this.fifos?.vrrp(line);
    this.vrrp.onTransition = (e, held) => {
      this.history.record(e);
      if (held) return;
      const configuredMaster = this.config.vrrpInstances.find((i) => i.name === e.instance)?.state === 'MASTER';
      this.vrrpTrap((snmp) => void snmp.transition(e, configuredMaster, this.trapRouterId()));
    };
    this.vrrp.onGroupState = (group, state) => this.vrrpTrap((snmp) => snmp.vrrpTraps([syncGroupTrap(group, state, this.trapRouterId())]));
    for (const i of config.vrrpInstances) this.history.get(i.name);
    return this.vrrp.start(vrrpPartOf(config));
  }

  /** The BFD side, once the file has a bfd_instance (it then runs until tandemd stops). */
  private async startBfd(config: Config): Promise<void> {
    this.bfdRoutes = new Map(config.bfdInstances.map((b) => [b.name, { vrrp: b.vrrp, checker: b.checker }]));
    if (this.bfd !== undefined || config.bfdInstances.length === 0) return;
    const bfd = new BfdSide({ log: this.log, detail: this.opts.logDetail });
    bfd.onSession = (e) => this.onBfdSession(e);
    this.bfd = bfd;
    await bfd.start(config.bfdInstances, config.globalDefs.bfdProcess);
  }

  /** A BFD session event, handed on at once to where keepalived's bfd process sends it. */
  private onBfdSession(e: BfdSessionEvent): void {
    const route = this.bfdRoutes.get(e.name);
    if (route?.vrrp === true) this.vrrp?.bfd(e);
    if (route?.checker === true) this.lvs?.bfdEvent(e.name, e.up);
    this.log.debug(`BFD session ${e.name} is ${e.up ? 'Up' : 'Down'}: told ${[route?.vrrp === true ? 'VRRP' : '', route?.checker === true ? 'the checkers' : ''].filter((x) => x !== '').join(' and ') || 'no one'}`);
  }

  /** What an earlier VRRP side added and the file no longer has, before the new side starts. */
  private async clearVrrpLeftovers(): Promise<void> {
    const { ledger, problem } = HostLedger.open(statePathOf(this.opts.controlSocket, 'vrrp'));
    if (problem !== undefined) this.log.warn(problem);
    const p = ledger.previous;
    if (p.addresses.length + p.routes.length + p.rules.length === 0) return;
    const rtnl = new Rtnl();
    try {
      await clearLeftovers(p, this.config, ledger.recording(rtnl), this.log);
    } finally {
      rtnl.close();
    }
  }

  async status(): Promise<unknown> {
    const side: SideStatus = await this.vrrp?.status().catch((err: unknown) => ({ instances: [], syncDaemon: null, error: (err as Error).message })) ?? { instances: [], syncDaemon: null };
    const bfd = await this.bfd?.status().catch((err: unknown) => (err as Error).message);
    return {
      instances: side.instances,
      virtualServers: this.lvs?.status() ?? [],
      ...(this.announcements !== undefined ? { announce: this.announcements.status() } : {}),
      syncDaemon: side.syncDaemon,
      bfd: Array.isArray(bfd) ? bfd : [],
      ...('error' in side ? { vrrpSide: side.error } : {}),
      ...(typeof bfd === 'string' ? { bfdSide: bfd } : {}),
    };
  }

  private async command(cmd: ControlCommand): Promise<unknown> {
    switch (cmd) {
      case 'status':
        return this.status();
      case 'stats':
        return this.statsSnapshot();
      case 'dump':
        return { config: withoutHmacKeys(this.config), status: await this.status(), stats: await this.statsSnapshot() };
      case 'reload':
        return this.reload();
    }
  }

  /**
   * Reads and validates the file again, then applies only the difference. An
   * invalid file is logged and the running configuration stays in force.
   * Reloads are serialised and coalesced: whatever asks during a reload (SIGHUPs,
   * tandemctl) shares one more reload after it, which reads the file as it is then.
   */
  reload(): Promise<ReloadResult> {
    return this.reloads.request();
  }

  /**
   * The memory-reducing collection after a reload (a few tens of ms with the loop held), once
   * reloads have been quiet for a while: not in the way of what the reload changed, nor of the
   * status queries that follow it, nor paid again for each of a burst of reloads.
   */
  private releaseMemorySoon(): void {
    if (this.releaseTimer !== undefined) clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      if (!this.stopping) releaseMemory();
    }, 2000);
    this.releaseTimer.unref();
  }

  /**
   * Once, a moment after the start: the file read again the way a reload reads it (the kept
   * blocks reused, the result compared with the running configuration) and the virtual servers
   * walked as a reload walks them, with nothing to change and nothing applied. V8 compiles a
   * function when it first runs: without this, the reload's code runs for the first time at the
   * operator's first SIGHUP, which then took 2-4x as long as the ones after it (74 against
   * 19-48 ms on the development host with 1,000 x 10 real servers; seconds on a slow CPU).
   * Skipped while a reload runs or waits (that one is the real thing), and after the stop began.
   */
  rehearseReloadSoon(): void {
    const timer = setTimeout(() => {
      if (this.stopping || this.reloads.busy) return;
      const r = loadForTandem(this.opts.configFile, this.opts.configId, true, this.opts.runVrrp);
      if (r.config !== undefined) {
        diff(this.config, r.config);
        this.lvs?.rehearseReload();
      }
      this.releaseMemorySoon();
    }, 500);
    timer.unref();
  }

  /** A reload as systemd and the metrics see it: RELOADING=1 … READY=1 around it, its duration observed. */
  private async reloadObserved(): Promise<ReloadResult> {
    this.sd?.reloading();
    const started = performance.now();
    try {
      const r = await this.reloadNow();
      this.metrics?.observeReload(performance.now() - started, r.applied);
      return r;
    } finally {
      // After the queue has counted this reload, so STATUS= includes it.
      setImmediate(() => this.sd?.ready(this.statusLine()));
    }
  }

  private async reloadNow(): Promise<ReloadResult> {
    // A reload asked for while tandemd stops would start again what the stop is taking down.
    if (this.stopping) return { applied: false, errors: ['tandemd is stopping'] };
    const r = loadForTandem(this.opts.configFile, this.opts.configId, true, this.opts.runVrrp);
    for (const w of r.warnings) this.log.warn(formatDiagnostic(w));
    if (r.config === undefined) {
      const errors = r.errors.map(formatDiagnostic);
      this.log.error(`reload refused, keeping the running configuration: ${errors.length} error(s)`);
      for (const e of errors) this.log.error(e);
      return { applied: false, errors };
    }
    if (r.config.globalDefs.netNamespace !== this.config.globalDefs.netNamespace) {
      // As keepalived: sockets, addresses and IPVS all live in the namespace tandemd entered at start.
      const error = `${this.opts.configFile}: net_namespace cannot change on reload (${this.config.globalDefs.netNamespace ?? 'none'} -> ${r.config.globalDefs.netNamespace ?? 'none'}); restart tandemd`;
      this.log.error(`reload refused, keeping the running configuration: ${error}`);
      return { applied: false, errors: [error] };
    }
    if (r.config.globalDefs.netNamespaceIpvs !== this.config.globalDefs.netNamespaceIpvs && this.ipvs !== undefined) {
      // As keepalived (global_data.c keeps the previous one): the IPVS socket stays where it was opened.
      this.log.warn(`net_namespace_ipvs changed (${this.config.globalDefs.netNamespaceIpvs ?? 'none'} -> ${r.config.globalDefs.netNamespaceIpvs ?? 'none'}): IPVS stays in the namespace it was opened in until tandemd restarts`);
    }
    const d = diff(this.config, r.config);
    try {
      // Only the instances' part of the diff crosses to the VRRP side: the virtual servers' stays here.
      // A reload that changes nothing of the VRRP part (a weight, a real server) does not ask it at all.
      const { instancesAdded, instancesRemoved, instancesChanged, instancesUnchanged } = d;
      const before = vrrpPartOf(this.config);
      const next = vrrpPartOf(r.config);
      // An SNMP SET changed instances in the side: the reload must reach it to put the file's values back.
      const vrrpUnchanged =
        this.vrrp === undefined ||
        (!this.vrrpSetBySnmp &&
          instancesAdded.length + instancesRemoved.length + instancesChanged.length === 0 &&
          sameValue([before.globalDefs, before.syncGroups, before.vrrpScripts, before.trackFiles, before.bfdInstances, before.staticTrack, before.garpGroups], [next.globalDefs, next.syncGroups, next.vrrpScripts, next.trackFiles, next.bfdInstances, next.staticTrack, next.garpGroups]));
      let report: ReloadReport;
      if (this.vrrp === undefined && this.wantsVrrpSide(r.config)) {
        // The first VRRP configuration since the start: the side starts now, with every instance new.
        await this.startVrrp(r.config).catch(async (err: unknown) => {
          const side = this.vrrp;
          this.vrrp = undefined;
          await side?.stop().catch(() => undefined);
          throw err;
        });
        report = { added: r.config.vrrpInstances.map((i) => i.name), removed: [], updated: [], restarted: [], unchanged: [] };
      } else {
        report = vrrpUnchanged
          ? { added: [], removed: [], updated: [], restarted: [], unchanged: [...instancesUnchanged] }
          : await this.vrrp!.reload(next, { instancesAdded, instancesRemoved, instancesChanged, instancesUnchanged });
      }
      this.vrrpSetBySnmp = false;
      if (this.bfd !== undefined) {
        this.bfdRoutes = new Map(r.config.bfdInstances.map((b) => [b.name, { vrrp: b.vrrp, checker: b.checker }]));
        const b = await this.bfd.reload(r.config.bfdInstances, r.config.globalDefs.bfdProcess);
        this.log.info(`BFD reload: ${b.added.length} added, ${b.removed.length} removed, ${b.reconfigured.length} with new timers, ${b.restarted.length} restarted, ${b.unchanged.length} unchanged`);
      } else await this.startBfd(r.config);
      if (!sameValue([this.config.staticAddresses, this.config.staticRoutes, this.config.staticRules], [r.config.staticAddresses, r.config.staticRoutes, r.config.staticRules])) {
        await this.statics?.apply(r.config);
      }
      if (!sameValue(this.config.globalDefs.notifyFifos, r.config.globalDefs.notifyFifos)) {
        this.fifos?.close();
        this.fifos = await NotifyFifos.open(r.config.globalDefs, scriptPreparer(r.config), this.log);
      }
      const vs = d.virtualServers;
      // The email settings count from now on, also when no virtual server changed.
      this.lvs?.mailer.configure(r.config.globalDefs);
      if (this.lvs !== undefined && (vs.added.length + vs.removed.length + vs.changed.length + vs.groupsChanged.length > 0 || vs.reordered)) {
        const attach = !this.lvs.hasIpvs() && r.config.virtualServers.length > 0 ? await openIpvs(r.config.globalDefs.netNamespaceIpvs) : undefined;
        await this.lvs.reload(r.config, attach !== undefined && 'client' in attach ? attach.client : undefined, vs);
      }
      this.config = r.config;
      this.announce();
      // The AgentX subagent starts with the daemon; a reload changes only what it serves and sends.
      if (this.snmp === undefined && servesAny(this.snmpParts())) this.log.warn('SNMP: enable_snmp_* takes effect at the next start (the AgentX subagent runs only if the start asked for it)');
      this.log.info(
        `reload applied: ${report.added.length} added, ${report.removed.length} removed, ${report.updated.length} updated in place, ${report.restarted.length} restarted, ${report.unchanged.length} unchanged`,
      );
      return { applied: true, errors: [], report };
    } catch (err) {
      // A failure half-way (an interface that vanished) is logged; what was applied stays.
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`reload failed: ${message}`);
      return { applied: false, errors: [message] };
    }
  }

  /** What the SNMP subagent serves (snmp-view.ts): the dumps' instances, the sync groups, the interfaces. */
  async snmpSnapshot(): Promise<SnmpSnapshot> {
    const { instances, globals, scripts, files, processes } = await this.instanceDumps();
    const links = new Map<string, LinkView>();
    const rtnl = new Rtnl();
    try {
      for (const l of await rtnl.links()) {
        const addrs = await rtnl.addresses(l.index);
        const first = (f: 4 | 6): string | undefined => addrs.find((a) => a.family === f && (f === 4 || !a.address.startsWith('fe80')))?.address;
        links.set(l.name, { index: l.index, mac: l.mac, primary4: first(4), primary6: first(6), ...(l.vrfTable !== undefined ? { vrfTable: l.vrfTable } : {}) });
      }
    } finally {
      rtnl.close();
    }
    return {
      version: `tandem v${VERSION} (keepalived v${KEEPALIVED_VERSION} compatible)`,
      routerId: globals.routerId ?? this.localName,
      instances,
      scripts,
      syncGroups: this.vrrp === undefined ? [] : this.config.syncGroups.map((g) => ({ name: g.name, members: g.group, tracking: g.tracking, trackingWeight: g.syncGroupTrackingWeight })),
      // The track_files the VRRP side follows, in the file's order, with their values.
      trackFiles: this.vrrp === undefined ? [] : this.config.trackFiles.flatMap((config) => (files.has(config.name) ? [{ config, value: files.get(config.name)! }] : [])),
      trackProcesses: this.vrrp === undefined ? [] : this.config.trackProcesses,
      processCounts: processes,
      links,
      startedMs: this.startedMs,
      nowMs: Date.now(),
      netNamespace: globals.netNamespace,
      lvsFlush: globals.lvsFlush,
      lvsFlushOnStop: globals.lvsFlushOnStop !== 'no',
      ...(this.vrrp === undefined ? {} : { statics: { addresses: this.config.staticAddresses, routes: this.config.staticRoutes, rules: this.config.staticRules, defaultInterface: globals.defaultInterface ?? 'eth0' }, bfd: await this.vrrpBfdSessions() }),
      ...(await this.checkedVirtualServers()),
    };
  }

  /**
   * Carries out an SNMP SET snmp-set.ts accepted: an instance's base priority or preemption in
   * the VRRP side, a real server's weight in the checker (keepalived's writable objects).
   */
  async snmpSet(changes: readonly SnmpChange[]): Promise<void> {
    for (const c of changes) {
      let done: boolean;
      if (c.kind === 'weight') done = this.lvs?.setWeight(c.virtualServer, c.index, c.weight) ?? false;
      else if (this.vrrp === undefined) done = false;
      else {
        this.vrrpSetBySnmp = true;
        done = await this.vrrp.instanceSet(c.kind === 'basePriority' ? { kind: 'instanceSet', instance: c.instance, set: 'basePriority', value: c.priority } : { kind: 'instanceSet', instance: c.instance, set: 'preempt', value: c.preempt });
      }
      if (!done) throw new Error(`${c.kind === 'weight' ? `real server ${c.address} of ${c.virtualServer}` : `instance ${c.instance}`} is not running`);
    }
  }

  /** The bfd_instances VRRP hears from, Up or not (KEEPALIVED-MIB's vrrpBfdTable). */
  private async vrrpBfdSessions(): Promise<SnmpSnapshot['bfd']> {
    const sessions = (await this.bfd?.status().catch(() => undefined)) ?? [];
    return this.config.bfdInstances.filter((b) => b.vrrp).map((config) => ({ config, up: sessions.some((x) => x.name === config.name && x.state === 'Up') }));
  }

  /** The virtual servers with their verdicts and the kernel's counters, for KEEPALIVED-MIB's checker part. */
  private async checkedVirtualServers(): Promise<Pick<SnmpSnapshot, 'virtualServers' | 'lvs' | 'checks'>> {
    if (this.lvs === undefined) return { virtualServers: [], lvs: NO_LVS_GLOBALS, checks: false };
    const table = (await this.lvs.ipvsClient()?.table().catch(() => undefined)) ?? [];
    const status = new Map(this.lvs.status().map((v) => [v.name, v]));
    const virtualServers = this.config.virtualServers.map((config) => {
      const key = config.key;
      const ipvs = table.find((k) => {
        const sk = k.service.key;
        if (key.kind === 'fwmark') return 'fwmark' in sk && sk.fwmark === key.mark;
        return key.kind === 'address' && 'address' in sk && sk.address === key.address && sk.port === (key.port ?? 0) && sk.protocol === config.protocol.toLowerCase();
      });
      return { config, status: status.get(config.name), ipvs };
    });
    const g = this.config.globalDefs;
    return { virtualServers, lvs: { groups: this.config.virtualServerGroups, syncDaemon: g.lvsSyncDaemon, timeouts: g.lvsTimeouts }, checks: true };
  }

  /** What one Prometheus scrape reads (metrics.ts). */
  async metricsSnapshot(): Promise<MetricsSnapshot> {
    const [status, stats, ipvs] = await Promise.all([
      this.vrrp?.status().catch(() => undefined),
      this.vrrp?.stats().catch(() => undefined),
      this.lvs?.ipvsClient()?.table().catch(() => undefined),
    ]);
    return {
      instances: this.vrrp !== undefined ? this.config.vrrpInstances : [],
      globals: this.config.globalDefs,
      status,
      stats,
      virtualServers: this.lvs?.status() ?? [],
      ipvs,
      supervisorLoop: this.loopDelay(),
      supervisorScripts: scriptCounters,
      sideRestarts: this.vrrp?.restarts ?? 0,
      reloads: this.reloads.counters,
    };
  }

  /** systemd's STATUS= line: what runs. */
  statusLine(): string {
    return `${this.vrrp !== undefined ? this.config.vrrpInstances.length : 0} VRRP instance(s), ${this.lvs !== undefined ? this.config.virtualServers.length : 0} virtual server(s); ${this.reloads.counters.applied} reload(s) applied, ${this.reloads.counters.refused} refused`;
  }

  /**
   * Whether the VRRP side's loop answers within `deadlineMs` (systemd's watchdog asks before
   * each ping). A side being restarted counts as alive: the supervisor is doing its job.
   */
  async vrrpAlive(deadlineMs: number): Promise<boolean> {
    if (this.vrrp === undefined) return true;
    try {
      await this.vrrp.stats(deadlineMs);
      return true;
    } catch (err) {
      return (err as Error).message.includes('restarting');
    }
  }

  /** Each instance as keepalived's dumps show it: its configuration, the VRRP side's view, the supervisor's history. */
  async instanceDumps(): Promise<{ instances: InstanceDump[]; globals: GlobalDefs; scripts: ScriptDump[]; files: ReadonlyMap<string, number>; processes: NonNullable<SideStatus['processes']> }> {
    const [status, stats] = await Promise.all([this.vrrp?.status().catch(() => undefined), this.vrrp?.stats().catch(() => undefined)]);
    const live = new Map((status?.instances ?? []).map((i) => [i.name, i]));
    const instances = (this.vrrp === undefined ? [] : this.config.vrrpInstances).map((c): InstanceDump => {
      const s = live.get(c.name);
      const h = this.history.get(c.name);
      return {
        // The base priority and preemption as the side has them (an SNMP SET changes them until the next reload).
        config: s === undefined ? c : { ...c, priority: s.priority, nopreempt: s.preempt === undefined ? c.nopreempt : !s.preempt },
        state: s?.state ?? 'INIT',
        effectivePriority: s?.effectivePriority ?? c.priority,
        master: s?.master,
        lastTransitionMs: h.lastTransitionMs,
        releasedMaster: h.releasedMaster,
        becameMaster: h.becameMaster,
        stats: stats?.instances[c.name],
        syncGroup: this.config.syncGroups.find((g) => g.group.includes(c.name))?.name,
      };
    });
    const verdicts = new Map((status?.scripts ?? []).map((x) => [x.name, x]));
    const scripts = (this.vrrp === undefined ? [] : this.config.vrrpScripts).map((sc): ScriptDump => ({
      config: sc,
      status: verdicts.get(sc.name)?.status,
      running: verdicts.get(sc.name)?.running ?? false,
      instances: this.config.vrrpInstances.filter((i) => i.tracking.trackScript.some((t) => t.name === sc.name)).map((i) => i.name),
    }));
    // As keepalived's dumps and MIB: without router_id, the host's canonical name.
    const globals = { ...this.config.globalDefs, routerId: this.config.globalDefs.routerId ?? this.localName };
    return { instances, globals, scripts, files: new Map((status?.files ?? []).map((f) => [f.name, f.value])), processes: status?.processes ?? [] };
  }

  /** The MIBs served and the traps sent, by `-x` and the running file's SNMP keywords. */
  snmpParts(): SnmpParts {
    return snmpParts(this.config.globalDefs.snmp, this.opts.snmp);
  }

  /**
   * A VRRP event's traps: sent now, or, while tandemd starts (its subagent is made once it has
   * started, and registered by the master a moment later), kept until the subagent is first
   * registered (attachSnmp). The stop's own traps are the stop's (state stop, as keepalived's
   * notify_shutdown), not the side's leaving.
   */
  private vrrpTrap(send: (snmp: SnmpAgent) => void): void {
    if (this.stopping) return;
    if (this.startTraps !== undefined) {
      if (this.startTraps.length < MAX_START_TRAPS) this.startTraps.push(send);
      return;
    }
    if (this.snmp !== undefined) send(this.snmp);
  }

  /**
   * The subagent, made once tandemd has started: the start's traps go to it when the master
   * first registers it, or are dropped START_TRAPS_WAIT_MS after it is made.
   */
  attachSnmp(snmp: SnmpAgent): void {
    this.snmp = snmp;
    const deadline = setTimeout(() => (this.startTraps = undefined), START_TRAPS_WAIT_MS);
    deadline.unref();
    snmp.onFirstRegistered = () => {
      clearTimeout(deadline);
      const traps = this.startTraps ?? [];
      this.startTraps = undefined;
      for (const send of traps) send(snmp);
    };
  }

  /** No subagent: the start's traps have no one to go to. */
  dropStartTraps(): void {
    this.startTraps = undefined;
  }

  /** keepalived's routerId varbind: router_id, else the host's canonical name. */
  private trapRouterId(): string {
    return this.config.globalDefs.routerId ?? this.localName;
  }

  /** `snmp_socket` of the running file (`-A` wins over it). */
  snmpSocket(): string | undefined {
    return this.config.globalDefs.snmp?.socket;
  }

  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.sd?.stopping();
    // First: the router moves the flows away while this director still serves them.
    await this.announcements?.withdraw(this.config, this.opts.releaseIpvs);
    this.log.info(`${signal}: leaving VRRP (priority 0), removing virtual addresses`);
    this.signals?.close();
    // A reload under way finishes first (the ones still waiting are refused): the stop then
    // takes down what it applied, instead of racing it.
    await this.reloads.idle();
    // Stopped while starting: the VRRP side is told first (a starting side then gives up; start()
    // makes no side once stopping is set), and the rest waits until start() has settled, since
    // the LVS service may still be programming IPVS and removing its services before it is done
    // would leave the rest behind.
    await this.vrrp?.stop();
    // keepalived's notify_shutdown, once its instances have left: vrrpInstanceStateChange for
    // every instance, then vrrpSyncGroupStateChange for every sync group, in state stop.
    if (this.vrrp !== undefined) {
      const routerId = this.trapRouterId();
      const c = this.config;
      this.snmp?.vrrpTraps([...c.vrrpInstances.map((i) => instanceTrap(i.name, 'STOP', i.state === 'MASTER', routerId)), ...c.syncGroups.map((g) => syncGroupTrap(g.name, 'STOP', routerId))]);
    }
    await this.startup?.catch(() => undefined);
    await this.lvs?.stop(this.opts.releaseIpvs);
    // Only now, as keepalived's checker closes its agent after clear_services: the traps of the
    // stop are on their way (close waits a second at most for the master to take them).
    await this.snmp?.close(1000);
    this.announcements?.close();
    await this.bfd?.stop();
    this.ipvs?.close();
    this.fifos?.close();
    await this.statics?.remove();
    this.statics?.close();
    if (this.control !== undefined) {
      this.control.close();
      rmSync(this.opts.controlSocket, { force: true });
    }
    for (const path of [this.opts.vrrpPidFile, this.opts.checkersPidFile, this.opts.bfdPidFile]) if (path !== undefined) rmSync(path, { force: true });
    // keepalived runs its shutdown_script once its children are gone (addresses and services removed).
    await this.startStopScript('shutdown');
    // Last: until here a second tandemd must not start on this socket or pidfile.
    for (const l of this.locks) l.release();
  }

  /** The supervisor's loop delay so far (zeros while it starts). */
  private loopDelay(): LoopDelay {
    return this.loop?.read() ?? { p50: 0, p99: 0, max: 0 };
  }

  /**
   * The VRRP side's counters, and per side its event-loop delay (and the VRRP side's restarts):
   * a stalled loop shows here before it costs a failover.
   */
  async statsSnapshot(): Promise<unknown> {
    const side: SideStats | { error: string } = (await this.vrrp?.stats().catch((err: unknown) => ({ error: (err as Error).message }))) ?? { error: 'not started' };
    const vrrpSide = 'error' in side ? { error: side.error } : { pid: side.pid, loopDelayMs: side.loopDelayMs };
    const bfd = await this.bfd?.stats().catch((err: unknown) => ({ error: (err as Error).message }));
    const bfdSide = bfd === undefined ? undefined : 'error' in bfd ? { error: bfd.error, restarts: this.bfd!.restarts } : { pid: bfd.pid, loopDelayMs: bfd.loopDelayMs, restarts: this.bfd!.restarts };
    return {
      instances: 'error' in side ? {} : side.instances,
      channels: 'error' in side ? [] : side.channels,
      ...(bfd !== undefined && !('error' in bfd) ? { bfd: { sessions: bfd.sessions, received: bfd.endpoint.received, dropped: bfd.endpoint.dropped } } : {}),
      daemon: { reloads: { ...this.reloads.counters }, mail: { vrrp: 'error' in side ? null : (side.mail ?? null), checkers: this.lvs !== undefined ? { ...this.lvs.mailer.counters } : null } },
      sides: { supervisor: { pid: process.pid, loopDelayMs: this.loopDelay() }, vrrp: { ...vrrpSide, restarts: this.vrrp?.restarts ?? 0 }, ...(bfdSide !== undefined ? { bfd: bfdSide } : {}) },
    };
  }
}

/**
 * Makes the control socket, the pidfile and the state file this daemon's, before anything
 * else changes: the socket's directory must be one no one else can write, the lock next to
 * the socket (and the pidfile, if any) must be free. Throws, saying why, otherwise.
 */
function claimInstance(opts: DaemonOptions, log: Logger): { locks: InstanceLock[]; ledger: HostLedger } {
  ensureTrustedDirectory(dirname(opts.controlSocket), 'control socket');
  const locks = [InstanceLock.acquire(lockPathOf(opts.controlSocket), 'control socket lock')];
  try {
    if (opts.pidFile !== undefined) locks.push(InstanceLock.acquire(opts.pidFile, 'pidfile'));
  } catch (err) {
    for (const l of locks) l.release();
    throw err;
  }
  const { ledger, problem } = HostLedger.open(statePathOf(opts.controlSocket));
  if (problem !== undefined) log.warn(problem);
  return { locks, ledger };
}

/** Entry point of `tandemd`. */
export async function main(argv: readonly string[]): Promise<void> {
  let opts: DaemonOptions;
  try {
    opts = parseDaemonArgs(argv);
  } catch (err) {
    process.stderr.write(`tandemd: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const done = await runWithoutDaemon(opts);
  if (done !== undefined) {
    process.exitCode = done;
    return;
  }
  if (opts.plan) {
    const r = loadForTandem(opts.configFile, opts.configId, true, opts.runVrrp);
    for (const d of r.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
    if (r.config === undefined) {
      process.exitCode = 1;
      return;
    }
    for (const line of await planReport(r.config)) process.stdout.write(`${line}\n`);
    return;
  }
  if (opts.umask !== undefined) process.umask(opts.umask);
  const log = createLogger({
    json: opts.logJson,
    detail: opts.logDetail,
    console: opts.logConsole,
    ...(opts.syslog ? { syslog: { facility: opts.logFacility, path: opts.syslogSocket } } : {}),
    ...(opts.logFile !== undefined ? { file: opts.logFile } : {}),
  });
  for (const w of opts.warnings) log.warn(w);
  if (opts.coreDump) enableCoreDumps(opts.coreDumpPattern, log);
  const r = loadForTandem(opts.configFile, opts.configId, true, opts.runVrrp);
  for (const w of r.warnings) log.warn(formatDiagnostic(w));
  if (r.config === undefined) {
    for (const e of r.errors) log.error(formatDiagnostic(e));
    log.error(`${opts.configFile}: not starting, ${r.errors.length} error(s)`);
    process.exit(startRefusedExitCode(r.errors));
  }
  // keepalived's -s: the command line's namespace over the file's.
  const config = opts.namespace !== undefined ? { ...r.config, globalDefs: { ...r.config.globalDefs, netNamespace: opts.namespace } } : r.config;
  if (opts.dumpConf) {
    // keepalived -d: the configuration as its dump shows it, without the live state, in the log.
    const instances = config.vrrpInstances.map((c): InstanceDump => ({ config: c, state: 'INIT', effectivePriority: c.priority, master: undefined, lastTransitionMs: Date.now(), releasedMaster: 0, becameMaster: 0, stats: undefined, syncGroup: config.syncGroups.find((g) => g.group.includes(c.name))?.name }));
    for (const line of formatData(instances, config.globalDefs, false).trimEnd().split('\n')) log.info(line);
  }
  const netns = config.globalDefs.netNamespace;
  if (netns !== undefined && !opts.controlSocketGiven) opts = { ...opts, controlSocket: namespaceSocket(netns) };
  let locks: InstanceLock[];
  let ledger: HostLedger;
  try {
    ({ locks, ledger } = claimInstance(opts, log));
  } catch (err) {
    log.error(`${(err as Error).message}`);
    process.exit(1);
  }
  if (netns !== undefined) {
    // Before any socket is opened: everything tandemd opens from here on lives in the namespace.
    try {
      enterNetworkNamespace(netns);
    } catch (err) {
      log.error(`${opts.configFile}: not starting: ${(err as Error).message}`);
      for (const l of locks) l.release();
      process.exit(1);
    }
    log.info(`running in network namespace ${netns}`);
  }
  const daemon = new Daemon(opts, config, log, locks, ledger);
  let signals = 0;
  let exitCode = 0;
  const shutdown = (sig: string): void => {
    signals++;
    if (signals > 1) {
      log.warn(`${sig} again: exiting at once`);
      process.exit(1);
    }
    daemon.stop(sig).then(
      () => process.exit(exitCode),
      (err: unknown) => {
        log.error(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => void daemon.reload());
  daemon.onFatal = (why) => {
    log.error(`${why}; stopping (--dont-respawn)`);
    exitCode = 1;
    shutdown('dont-respawn');
  };
  daemon.sd = SdNotify.fromEnv(log);
  if (opts.metricsListen !== undefined) {
    // Loaded only when asked for: prom-client costs ~90 ms to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Metrics } = require('./metrics.js') as typeof import('./metrics.js');
    daemon.metrics = new Metrics(() => daemon.metricsSnapshot(), daemon.history);
  }
  try {
    await daemon.start();
    releaseMemory();
    daemon.rehearseReloadSoon();
    if (servesAny(daemon.snmpParts())) {
      // Loaded only with -x or an enable_snmp_* keyword.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SnmpAgent } = require('./snmp-agent.js') as typeof import('./snmp-agent.js');
      const snmp = new SnmpAgent(() => daemon.snmpSnapshot(), opts.snmpSocket ?? daemon.snmpSocket(), log, () => daemon.snmpParts(), (changes) => daemon.snmpSet(changes));
      daemon.attachSnmp(snmp);
      snmp.start();
    } else daemon.dropStartTraps();
    if (daemon.metrics !== undefined && opts.metricsListen !== undefined) {
      const { address } = await daemon.metrics.listen(opts.metricsListen);
      log.info(`metrics on http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`);
    }
    daemon.sd?.ready(daemon.statusLine());
    daemon.sd?.startWatchdog((deadline) => daemon.vrrpAlive(deadline));
  } catch (err) {
    // Stopped by a signal while starting: the signal's shutdown finishes the stop and exits.
    if (err instanceof StoppedWhileStarting) return;
    log.error(`cannot start: ${(err as Error).message}`);
    await daemon.stop('startup failure').catch(() => undefined);
    process.exit(1);
  }
}
