import { sameValue } from '@tandem/config';
import type { IpvsClient } from '@tandem/ipvs';
import { OrderedClock } from '@tandem/vrrp';
import { lockMemory } from '@tandem/net';
import { scriptCounters } from '@tandem/healthcheck';
import { HostLedger } from '../host-ledger.js';
import { openIpvs } from '../ipvs-open.js';
import { LoopDelayMonitor } from '../loop-delay.js';
import type { Logger } from '../logger.js';
import { ipcLogger } from './ipc-logger.js';
import { NetHost } from './net-host.js';
import { sendToSupervisor, serveRequests } from '../side-ipc.js';
import type { SideMessage, SideRequest, SideRequests, SideStats, SideStatus } from './protocol.js';
import { VrrpService, type VrrpPart } from './service.js';
import { SyncDaemonControl } from './sync-daemon.js';
import { SIGNUMS } from '../cli.js';
import { onSignalNumber } from '../rt-signals.js';

// The VRRP side: a child process of tandemd with its own event loop and heap, so that nothing
// the supervisor does (a long parse, a large status reply, a burst of checks, a collection of
// a big heap) delays an advert. It runs what service.ts runs, plus lvs_sync_daemon, and
// leaves the process when told to stop or when the supervisor goes away.

const send = (m: SideMessage): void => sendToSupervisor(m);

class Side {
  private service: VrrpService | undefined;
  private part: VrrpPart | undefined;
  private ipvs: IpvsClient | undefined;
  private syncDaemon: SyncDaemonControl | undefined;
  private log: Logger = ipcLogger((level, message, meta) => send({ kind: 'log', level, message, ...(meta !== undefined ? { meta } : {}) }), false);
  private readonly loop = new LoopDelayMonitor();
  private stopping: Promise<void> | undefined;
  private release = true;

  async handle(r: SideRequest): Promise<SideRequests[keyof SideRequests]['reply']> {
    switch (r.kind) {
      case 'start': {
        this.log = ipcLogger((level, message, meta) => send({ kind: 'log', level, message, ...(meta !== undefined ? { meta } : {}) }), r.detail);
        this.release = r.release ?? true;
        const name = r.part.globalDefs.vrrpProcess.processName;
        if (name !== undefined) process.title = name;
        const { ledger, problem } = HostLedger.open(r.statePath);
        if (problem !== undefined) this.log.warn(problem);
        // Timers in deadline order: sync group members that entered BACKUP together time out in the same order every run.
        const service = new VrrpService({ host: new NetHost(this.log, (c) => ledger.recording(c)), clock: new OrderedClock(), log: this.log });
        service.onNotifyLine = (line) => send({ kind: 'notifyLine', line });
        service.onGroupState = (group, state) => send({ kind: 'groupState', group, state });
        service.onTransition = (event, held) => {
          send({ kind: 'transition', event, ...(held ? { held } : {}) });
          if (event.instance === this.part?.globalDefs.lvsSyncDaemon?.instance) void this.syncDaemon?.follow(event.to);
        };
        this.service = service;
        this.part = r.part;
        for (const [name, up] of Object.entries(r.bfd)) service.bfdEvent(name, up);
        this.syncDaemon = await this.startSyncDaemon(r.part);
        await service.start(r.part, new Set(r.resume));
        const followed = service.status().find((i) => i.name === r.part.globalDefs.lvsSyncDaemon?.instance);
        if (followed !== undefined) await this.syncDaemon?.follow(followed.state);
        return null;
      }
      case 'reload': {
        const before = this.part!;
        const report = await this.service!.reload(before, r.part, r.diff);
        this.part = r.part;
        if (!sameValue(before.globalDefs.lvsSyncDaemon, r.part.globalDefs.lvsSyncDaemon)) {
          await this.syncDaemon?.stop();
          this.syncDaemon = await this.startSyncDaemon(r.part);
          const followed = this.service!.status().find((i) => i.name === r.part.globalDefs.lvsSyncDaemon?.instance);
          if (followed !== undefined) await this.syncDaemon?.follow(followed.state);
        }
        return report;
      }
      case 'status':
        return { instances: this.service?.status() ?? [], syncDaemon: this.syncDaemon?.status() ?? null, scripts: this.service?.scriptStatus() ?? [], files: this.service?.fileValues() ?? [], processes: this.service?.processCounts() ?? [] } satisfies SideStatus;
      case 'stats':
        return { ...(this.service?.stats() ?? { instances: {}, channels: [] }), loopDelayMs: this.loop.read(), pid: process.pid, scripts: { ...scriptCounters } } satisfies SideStats;
      case 'stop':
        await this.stop();
        return null;
      case 'instanceSet':
        if (this.service === undefined) return false;
        return r.set === 'basePriority' ? this.service.setBasePriority(r.instance, r.value) : this.service.setPreempt(r.instance, r.value);
      case 'lockMemory':
        lockMemory(r.lock);
        return null;
      case 'bfd':
        // keepalived logs the delivery time of a BFD event with -D.
        this.log.debug(`BFD session ${r.name} is ${r.up ? 'Up' : 'Down'} (delivered in ${(Date.now() - r.sentAt).toFixed(1)} ms)`);
        this.service?.bfdEvent(r.name, r.up, r.detectMs);
        return null;
    }
  }

  /** `lvs_sync_daemon`: the kernel's sync daemon, started; the caller makes it follow its instance. */
  private async startSyncDaemon(part: VrrpPart): Promise<SyncDaemonControl | undefined> {
    const cfg = part.globalDefs.lvsSyncDaemon;
    if (cfg === undefined) return undefined;
    if (this.ipvs === undefined) {
      const opened = await openIpvs(part.globalDefs.netNamespaceIpvs);
      if (!('client' in opened)) {
        this.log.error(`lvs_sync_daemon: no IPVS in this kernel (${opened.reason}); connections will not be synchronised`);
        return undefined;
      }
      this.ipvs = opened.client;
    }
    const vrid = part.vrrpInstances.find((i) => i.name === cfg.instance)?.virtualRouterId;
    const control = new SyncDaemonControl(this.ipvs, cfg, vrid, this.log);
    await control.start();
    return control;
  }

  /** Priority-0 adverts, addresses removed, the sync daemon stopped; once, however often asked. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // --dont-release-vrrp: leave as keepalived -V does, addresses and routes in place, no priority-0 advert.
      if (!this.release) return this.loop.stop();
      await this.service?.stop();
      await this.syncDaemon?.stop();
      this.ipvs?.close();
      this.loop.stop();
    })();
    return this.stopping;
  }
}

const side = new Side();
// Signals are the supervisor's: under systemd or a terminal's Ctrl-C the whole group gets
// them, and the supervisor decides (it stops this side first, in order).
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => undefined);
// SIGXCPU is the soft RLIMIT_RTTIME of vrrp_rlimit_rttime under vrrp_rt_priority: a warning that a
// turn of the loop ran long (keepalived logs it too); at the hard limit the kernel kills the side.
process.on('SIGXCPU', () => send({ kind: 'log', level: 'warn', message: 'VRRP side: CPU time without blocking passed half of vrrp_rlimit_rttime (SIGXCPU); at the limit the kernel kills it' }));
// keepalived's JSON and STATS_CLEAR signals too: a real-time signal's default action would end the side.
for (const n of [SIGNUMS['JSON']!, SIGNUMS['STATS_CLEAR']!]) onSignalNumber(n, () => undefined);
serveRequests<SideRequest>((r) => side.handle(r));
// The supervisor is gone (killed, crashed): leave VRRP cleanly rather than hold addresses no one answers for.
process.on('disconnect', () => {
  void side.stop().finally(() => process.exit(0));
});
process.on('uncaughtException', (err) => {
  send({ kind: 'log', level: 'error', message: `VRRP side: ${err.stack ?? err.message}` });
  process.exit(70);
});
