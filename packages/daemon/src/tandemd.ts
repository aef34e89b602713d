import { diff, formatDiagnostic, sameValue, type Config } from '@tandem/config';
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { namespaceSocket, parseDaemonArgs, USAGE, type DaemonOptions } from './cli.js';
import { enterNetworkNamespace, releaseMemory } from '@tandem/net';
import { openControlSocket, type ControlCommand } from './control.js';
import { createLogger, type Logger } from './logger.js';
import { VrrpService, type ReloadReport } from './vrrp-service.js';
import { LvsService } from './lvs-service.js';
import { configTest, loadForTandem } from './config-check.js';
import { openIpvs } from './ipvs-open.js';
import { planReport } from './plan.js';
import { SyncDaemonControl } from './sync-daemon.js';
import { NotifyFifos } from './notify-fifo.js';
import { scriptPreparer } from './script-prep.js';
import { StaticNetwork } from './static-network.js';
import type { IpvsClient } from '@tandem/ipvs';

class Daemon {
  private service: VrrpService | undefined;
  private lvs: LvsService | undefined;
  private ipvs: IpvsClient | undefined;
  private syncDaemon: SyncDaemonControl | undefined;
  private fifos: NotifyFifos | undefined;
  private statics: StaticNetwork | undefined;
  private control: Server | undefined;
  private stopping = false;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: DaemonOptions,
    private config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.opts.pidFile !== undefined) writeFileSync(this.opts.pidFile, `${process.pid}\n`);
    let unavailable: string | undefined;
    if (this.config.virtualServers.length > 0 || this.config.globalDefs.lvsSyncDaemon !== undefined) {
      const ipvs = await openIpvs();
      if ('client' in ipvs) this.ipvs = ipvs.client;
      else unavailable = ipvs.reason;
    }
    this.statics = new StaticNetwork(this.log);
    await this.statics.apply(this.config);
    this.fifos = await NotifyFifos.open(this.config.globalDefs, scriptPreparer(this.config), this.log);
    this.service = new VrrpService(this.log);
    this.service.onNotifyLine = (line) => this.fifos?.vrrp(line);
    this.service.onTransition = (instance, to) => {
      // this.config is the running file: after a reload, the new one.
      if (instance === this.config.globalDefs.lvsSyncDaemon?.instance) void this.syncDaemon?.follow(to);
    };
    await this.startSyncDaemon(this.config);
    await this.service.start(this.config);
    this.lvs = new LvsService(this.log);
    this.lvs.onNotifyLine = (line) => this.fifos?.lvs(line);
    await this.lvs.start(this.config, this.ipvs, unavailable);
    this.control = await openControlSocket(this.opts.controlSocket, (cmd) => this.command(cmd));
    this.log.info(`tandemd running ${this.config.vrrpInstances.length} VRRP instance(s) from ${this.opts.configFile}; control socket ${this.opts.controlSocket}`);
  }

  /** `lvs_sync_daemon`: the kernel's sync daemon, following its instance from now on. */
  private async startSyncDaemon(config: Config): Promise<void> {
    const cfg = config.globalDefs.lvsSyncDaemon;
    if (cfg === undefined) return;
    if (this.ipvs === undefined) {
      const ipvs = await openIpvs();
      if ('client' in ipvs) this.ipvs = ipvs.client;
    }
    if (this.ipvs === undefined) {
      this.log.error('lvs_sync_daemon: no IPVS in this kernel; connections will not be synchronised');
      return;
    }
    const vrid = config.vrrpInstances.find((i) => i.name === cfg.instance)?.virtualRouterId;
    this.syncDaemon = new SyncDaemonControl(this.ipvs, cfg, vrid, this.log);
    await this.syncDaemon.start();
    const current = this.service?.status().find((i) => i.name === cfg.instance);
    if (current !== undefined) await this.syncDaemon.follow(current.state);
  }

  status(): unknown {
    return { instances: this.service?.status() ?? [], virtualServers: this.lvs?.status() ?? [], syncDaemon: this.syncDaemon?.status() ?? null };
  }

  private async command(cmd: ControlCommand): Promise<unknown> {
    switch (cmd) {
      case 'status':
        return this.status();
      case 'stats':
        return this.service?.stats() ?? {};
      case 'dump':
        return { config: this.config, status: this.status(), stats: this.service?.stats() };
      case 'reload':
        return this.reload();
    }
  }

  /**
   * Reads and validates the file again, then applies only the difference. An
   * invalid file is logged and the running configuration stays in force.
   * Reloads are serialised: a SIGHUP during a reload waits for it.
   */
  reload(): Promise<{ applied: boolean; errors: string[]; report?: ReloadReport }> {
    const run = this.reloading.then(async () => {
      try {
        return await this.reloadNow();
      } finally {
        releaseMemory();
      }
    });
    this.reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async reloadNow(): Promise<{ applied: boolean; errors: string[]; report?: ReloadReport }> {
    const r = loadForTandem(this.opts.configFile, this.opts.configId);
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
    const d = diff(this.config, r.config);
    try {
      const report = await this.service!.reload(this.config, r.config, d);
      if (!sameValue([this.config.staticAddresses, this.config.staticRoutes, this.config.staticRules], [r.config.staticAddresses, r.config.staticRoutes, r.config.staticRules])) {
        await this.statics?.apply(r.config);
      }
      if (!sameValue(this.config.globalDefs.notifyFifos, r.config.globalDefs.notifyFifos)) {
        this.fifos?.close();
        this.fifos = await NotifyFifos.open(r.config.globalDefs, scriptPreparer(r.config), this.log);
      }
      if (!sameValue(this.config.globalDefs.lvsSyncDaemon, r.config.globalDefs.lvsSyncDaemon)) {
        await this.syncDaemon?.stop();
        this.syncDaemon = undefined;
        await this.startSyncDaemon(r.config);
      }
      const vs = d.virtualServers;
      if (vs.added.length + vs.removed.length + vs.changed.length + vs.groupsChanged.length > 0 || vs.reordered) {
        const attach = !this.lvs!.hasIpvs() && r.config.virtualServers.length > 0 ? await openIpvs() : undefined;
        await this.lvs!.reload(r.config, attach !== undefined && 'client' in attach ? attach.client : undefined, vs);
      }
      this.config = r.config;
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

  dumpTo(path: string, data: unknown): void {
    try {
      writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
      this.log.info(`wrote ${path}`);
    } catch (err) {
      this.log.error(`cannot write ${path}: ${(err as Error).message}`);
    }
  }

  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info(`${signal}: leaving VRRP (priority 0), removing virtual addresses`);
    await this.service?.stop();
    await this.syncDaemon?.stop();
    await this.lvs?.stop();
    this.ipvs?.close();
    this.fifos?.close();
    await this.statics?.remove();
    this.statics?.close();
    this.control?.close();
    rmSync(this.opts.controlSocket, { force: true });
    if (this.opts.pidFile !== undefined) rmSync(this.opts.pidFile, { force: true });
  }

  statsSnapshot(): unknown {
    return this.service?.stats() ?? {};
  }
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
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (opts.configTest) {
    process.exitCode = configTest(opts.configFile, (l) => process.stdout.write(`${l}\n`), opts.configId);
    return;
  }
  if (opts.plan) {
    const r = loadForTandem(opts.configFile, opts.configId);
    for (const d of r.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
    if (r.config === undefined) {
      process.exitCode = 1;
      return;
    }
    for (const line of await planReport(r.config)) process.stdout.write(`${line}\n`);
    return;
  }
  const log = createLogger({ json: opts.logJson, detail: opts.logDetail });
  const r = loadForTandem(opts.configFile, opts.configId);
  for (const w of r.warnings) log.warn(formatDiagnostic(w));
  if (r.config === undefined) {
    for (const e of r.errors) log.error(formatDiagnostic(e));
    log.error(`${opts.configFile}: not starting, ${r.errors.length} error(s)`);
    process.exit(1);
  }
  const netns = r.config.globalDefs.netNamespace;
  if (netns !== undefined) {
    // Before any socket is opened: everything tandemd opens from here on lives in the namespace.
    try {
      enterNetworkNamespace(netns);
    } catch (err) {
      log.error(`${opts.configFile}: not starting: ${(err as Error).message}`);
      process.exit(1);
    }
    if (!opts.controlSocketGiven) opts = { ...opts, controlSocket: namespaceSocket(netns) };
    log.info(`running in network namespace ${netns}`);
  }
  const daemon = new Daemon(opts, r.config, log);
  let signals = 0;
  const shutdown = (sig: string): void => {
    signals++;
    if (signals > 1) {
      log.warn(`${sig} again: exiting at once`);
      process.exit(1);
    }
    daemon.stop(sig).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => void daemon.reload());
  process.on('SIGUSR1', () => daemon.dumpTo('/tmp/tandem.data', daemon.status()));
  process.on('SIGUSR2', () => daemon.dumpTo('/tmp/tandem.stats', daemon.statsSnapshot()));
  try {
    await daemon.start();
    releaseMemory();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    await daemon.stop('startup failure').catch(() => undefined);
    process.exit(1);
  }
}
