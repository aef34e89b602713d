import { createSocket } from 'node:dgram';
import { PerformanceObserver } from 'node:perf_hooks';
import { BfdEndpoint, diagName, type SessionTransitionEvent } from '@tandem/bfd';
import type { BfdInstance } from '@tandem/config';
import { BfdUdpTransport, lockMemory } from '@tandem/net';
import { systemClock } from '@tandem/vrrp';
import { LoopDelayMonitor } from '../loop-delay.js';
import type { Logger } from '../logger.js';
import { sendToSupervisor, serveRequests } from '../side-ipc.js';
import { ipcLogger } from '../vrrp/ipc-logger.js';
import type { BfdReloadReport, BfdSessionStatus, BfdSideMessage, BfdSideRequest, BfdSideRequests, BfdSideStats } from './protocol.js';
import { planBfdReload, reportedEvent, sessionOptions, sessionParams } from './sessions.js';

// The BFD side: a child process of tandemd that runs the bfd_instance sessions and nothing
// else, as keepalived's bfd child, so that its 10 ms timers are not delayed by a parse, a
// burst of checks or VRRP work (and it can run at real-time priority: bfd_rt_priority, which
// the supervisor applies to this process). Session events go to the supervisor, which hands
// them to the VRRP side (track_bfd, bfd_takeover) and the checkers (BFD_CHECK).

/** How long a session whose socket could not open waits before trying again (keepalived retries too). */
const REOPEN_MS = 5000;

const send = (m: BfdSideMessage): void => sendToSupervisor(m);
const wallMs = (): number => performance.timeOrigin + performance.now();

/** The address the kernel would send to `peer` from (a connected UDP socket's local address): a session without source_ip. */
function routeSource(peer: string, family: 4 | 6): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket(family === 4 ? 'udp4' : 'udp6');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.connect(3784, peer, () => {
      const local = s.address().address;
      s.close();
      resolve(local);
    });
  });
}

/**
 * The side's garbage-collection pauses: V8 runs single-threaded here (side-client.ts), so a
 * pause holds every BFD timer; at 10 ms x 3 one of 20-30 ms takes a session down.
 */
class GcPauses {
  count = 0;
  maxMs = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.count++;
      this.maxMs = Math.max(this.maxMs, Math.round(e.duration * 100) / 100);
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }
}

class Side {
  private log: Logger = ipcLogger((level, message, meta) => send({ kind: 'log', level, message, ...(meta !== undefined ? { meta } : {}) }), false);
  private endpoint: BfdEndpoint | undefined;
  private readonly configs = new Map<string, BfdInstance>();
  /** Sessions whose socket could not open yet, with why, and the retry. */
  private readonly waiting = new Map<string, { error: string; timer: NodeJS.Timeout }>();
  private readonly local = new Map<string, string>();
  private readonly tokens = new Map<string, object>();
  private readonly loop = new LoopDelayMonitor();
  private readonly gc = new GcPauses();
  private stopped = false;

  async handle(r: BfdSideRequest): Promise<BfdSideRequests[keyof BfdSideRequests]['reply']> {
    switch (r.kind) {
      case 'start': {
        this.log = ipcLogger((level, message, meta) => send({ kind: 'log', level, message, ...(meta !== undefined ? { meta } : {}) }), r.detail);
        if (r.processName !== undefined) process.title = r.processName;
        const transport = new BfdUdpTransport({ onError: (err) => this.log.warn(`BFD receive: ${err.message}`) });
        const endpoint = new BfdEndpoint(transport, systemClock);
        endpoint.on('transition', (e) => this.onTransition(e));
        endpoint.on('ioError', (err) => this.log.debug(`BFD send: ${err.message}`));
        this.endpoint = endpoint;
        for (const b of r.sessions) await this.add(b);
        return null;
      }
      case 'reload':
        return this.reload(r.sessions);
      case 'lockMemory':
        lockMemory(r.lock);
        return null;
      case 'status':
        return [...this.configs.values()].map((b) => this.statusOf(b));
      case 'stats': {
        const sessions = Object.fromEntries((this.endpoint?.list() ?? []).map((s) => [s.name, s.stats]));
        return { sessions, endpoint: this.endpoint?.stats ?? { received: 0, dropped: {} }, loopDelayMs: { ...this.loop.read(), gcPauses: this.gc.count, gcMaxMs: this.gc.maxMs }, pid: process.pid } satisfies BfdSideStats;
      }
      case 'stop':
        this.stop();
        return null;
    }
  }

  /** Starts a session; one whose socket cannot open yet (no route, source_ip not on the host) is tried again later. */
  private async add(b: BfdInstance): Promise<void> {
    this.configs.set(b.name, b);
    // A later add or a remove of the same name makes this one stale (it may be waiting for a route).
    const token = {};
    this.tokens.set(b.name, token);
    try {
      const source = b.sourceIp ?? (await routeSource(b.neighborIp, b.family));
      if (this.stopped || this.tokens.get(b.name) !== token) return;
      this.endpoint!.add(sessionOptions(b, source));
      this.local.set(b.name, source);
      this.waiting.delete(b.name);
      this.log.info(`(${b.name}) BFD session from ${source} to ${b.neighborIp}: min_tx ${b.minTxUs / 1000} ms, min_rx ${b.minRxUs / 1000} ms, multiplier ${b.multiplier}${b.passive ? ', passive' : ''}${b.multihop ? ', multihop' : ''}`);
    } catch (err) {
      if (this.stopped || this.tokens.get(b.name) !== token) return;
      const error = (err as Error).message;
      if (this.waiting.get(b.name)?.error !== error) this.log.error(`(${b.name}) cannot open the BFD session to ${b.neighborIp}: ${error}; trying again every ${REOPEN_MS / 1000} s`);
      const timer = setTimeout(() => {
        const now = this.configs.get(b.name);
        if (this.tokens.get(b.name) === token && now !== undefined) void this.add(now);
      }, REOPEN_MS);
      this.waiting.set(b.name, { error, timer });
    }
  }

  /** Stops a session: AdminDown to the neighbor (RFC 5880 §6.8.16), then its socket closes. */
  private remove(name: string): void {
    const w = this.waiting.get(name);
    if (w !== undefined) clearTimeout(w.timer);
    this.waiting.delete(name);
    this.configs.delete(name);
    this.tokens.delete(name);
    this.local.delete(name);
    this.endpoint?.remove(name);
  }

  private async reload(sessions: readonly BfdInstance[]): Promise<BfdReloadReport> {
    const report: BfdReloadReport = { added: [], removed: [], reconfigured: [], restarted: [], unchanged: [] };
    for (const step of planBfdReload([...this.configs.values()], sessions)) {
      switch (step.kind) {
        case 'keep':
          report.unchanged.push(step.name);
          // The same session; its block may sit at another place in the file.
          this.configs.set(step.name, sessions.find((b) => b.name === step.name)!);
          break;
        case 'remove':
          this.remove(step.name);
          report.removed.push(step.name);
          break;
        case 'reconfigure': {
          const b = step.session;
          this.configs.set(b.name, b);
          this.endpoint?.get(b.name)?.reconfigure(sessionParams(b));
          this.log.info(`(${b.name}) new timers: min_tx ${b.minTxUs / 1000} ms, min_rx ${b.minRxUs / 1000} ms, multiplier ${b.multiplier}${b.passive ? ', passive' : ''}`);
          report.reconfigured.push(b.name);
          break;
        }
        case 'restart':
          this.log.info(`(${step.session.name}) ${step.why}: a new session`);
          this.remove(step.session.name);
          await this.add(step.session);
          report.restarted.push(step.session.name);
          break;
        case 'add':
          await this.add(step.session);
          report.added.push(step.session.name);
          break;
      }
    }
    return report;
  }

  private onTransition(e: SessionTransitionEvent): void {
    const session = this.endpoint?.get(e.session);
    const remoteState = session?.status.remoteState ?? 'Down';
    // keepalived logs a fall from Up as a warning, the rest as information.
    const line = `(${e.session}) Entering ${e.to} state (${e.reason}; local diagnostic ${diagName(e.diag)})`;
    if (e.from === 'Up') this.log.warn(line);
    else this.log.info(line);
    const event = reportedEvent(e.from, e.to, remoteState);
    if (event !== undefined) send({ kind: 'session', name: e.session, up: event === 'up', diag: e.diag, detectMs: (session?.status.detectTimeUs ?? 0) / 1000, sentAt: wallMs() });
  }

  private statusOf(b: BfdInstance): BfdSessionStatus {
    const s = this.endpoint?.get(b.name)?.status;
    const ms = (us: number): number => Math.round(us / 10) / 100;
    const error = this.waiting.get(b.name)?.error;
    return {
      name: b.name,
      state: s?.state ?? 'Down',
      remote: b.neighborIp,
      local: this.local.get(b.name) ?? null,
      remoteState: s?.remoteState ?? 'Down',
      diag: diagName(s?.localDiag ?? 0),
      localDiscriminator: s?.localDiscr ?? 0,
      remoteDiscriminator: s?.remoteDiscr ?? 0,
      txIntervalMs: ms(s?.txIntervalUs ?? 0),
      rxIntervalMs: s !== undefined && s.remoteDetectMult > 0 ? ms(s.detectTimeUs / s.remoteDetectMult) : 0,
      detectTimeMs: ms(s?.detectTimeUs ?? 0),
      ...(error !== undefined ? { error } : {}),
    };
  }

  /** Every session says AdminDown and closes; once, however often asked. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.endpoint?.close();
    this.loop.stop();
  }
}

const side = new Side();
// Signals are the supervisor's (it stops this side in order); SIGXCPU is the soft RLIMIT_RTTIME
// of bfd_rlimit_rttime under bfd_rt_priority: a warning that a turn of the loop ran long (keepalived logs it too).
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => undefined);
process.on('SIGXCPU', () => send({ kind: 'log', level: 'warn', message: 'BFD side: CPU time without blocking passed half of bfd_rlimit_rttime (SIGXCPU); at the limit the kernel kills it' }));
serveRequests<BfdSideRequest>((r) => side.handle(r));
// The supervisor is gone: say AdminDown and leave, rather than keep sessions no one listens to.
process.on('disconnect', () => {
  side.stop();
  process.exit(0);
});
process.on('uncaughtException', (err) => {
  send({ kind: 'log', level: 'error', message: `BFD side: ${err.stack ?? err.message}` });
  process.exit(70);
});
