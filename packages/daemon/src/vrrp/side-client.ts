import type { ChildProcess } from 'node:child_process';
import { childProcessModule } from '../builtins.js';
import { sameValue } from '@tandem/config';
import type { TransitionEvent, VrrpState } from '@tandem/vrrp';
import type { Logger } from '../logger.js';
import { applySchedulingOf, systemScheduling, VRRP_SIDE, type Scheduling } from '../side-scheduling.js';
import { startingNetworkNamespace } from '@tandem/net';
import { CRASH_WINDOW_MS, restartDelayMs, SideChannel, type ReplyMessage } from '../side-ipc.js';
import { STARTING_NETNS_ENV, type InstanceSetRequest, type SideMessage, type SideRequests } from './protocol.js';
import type { InstanceDiff } from './reload-plan.js';
import type { ReloadReport, VrrpPart } from './service.js';
import { SIDE_EXEC_ARGV, sideEntry } from '../side-entry.js';

export interface VrrpSideOptions {
  readonly log: Logger;
  /** The side's own ledger of what it adds (next to the supervisor's). */
  readonly statePath: string;
  readonly detail: boolean;
  /** The side's entry script (default: `sideEntry`). */
  readonly entry?: string;
  /** How `vrrp_*` scheduling is applied; tests give a fake. */
  readonly scheduling?: Scheduling;
  /** false with keepalived's `--dont-release-vrrp`: the side leaves its addresses in place at stop. */
  readonly release?: boolean;
  /** false with keepalived's `--dont-respawn`: a side that dies is not started again; `onGone` is told. */
  readonly respawn?: boolean;
  readonly onGone?: (why: string) => void;
  /** Each time a side process is up (its first start, each restart), with its pid: for `-r`'s pidfile. */
  readonly onSpawn?: (pid: number) => void;
  /** The BFD sessions' last reported states (`track_bfd`), handed to a side at each start. */
  readonly bfdStates?: () => Readonly<Record<string, boolean>>;
}

/**
 * The supervisor's handle on the VRRP side: starts the child process, sends it its part of the
 * configuration, asks it for status and stats, and restarts it when it dies (logged and
 * counted), as keepalived's parent restarts its VRRP child. Instances that were MASTER when the
 * side died take the role straight back in the new side, unless the side keeps dying.
 */
export class VrrpSide {
  private child: ChildProcess | undefined;
  private channel: SideChannel<SideRequests> | undefined;
  private part: VrrpPart | undefined;
  private readonly lastStates = new Map<string, VrrpState>();
  private deaths: number[] = [];
  private stopping = false;
  /** Only a side that once started is restarted: one that cannot start (an interface missing) is the start's failure. */
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Times the side died and was started again. */
  restarts = 0;
  onTransition: ((e: TransitionEvent, held: boolean) => void) | undefined;
  onNotifyLine: ((line: string) => void) | undefined;
  onGroupState: ((group: string, state: VrrpState) => void) | undefined;

  constructor(private readonly o: VrrpSideOptions) {}

  /** Starts the side with `part`; rejects (the side gone again) when it cannot start, e.g. an interface is missing. */
  async start(part: VrrpPart): Promise<void> {
    this.part = part;
    await this.spawn([]);
    this.started = true;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async spawn(resume: readonly string[]): Promise<null> {
    const child = childProcessModule().fork(this.o.entry ?? sideEntry('vrrp'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // track_process: the kernel's process connector is only in the namespace tandemd started in.
      env: startingNetworkNamespace() === undefined ? process.env : { ...process.env, [STARTING_NETNS_ENV]: startingNetworkNamespace() },
      execArgv: [...SIDE_EXEC_ARGV],
    });
    this.child = child;
    const channel = new SideChannel<SideRequests>(child, 'the VRRP side');
    this.channel = channel;
    child.on('message', (m: SideMessage | ReplyMessage) => {
      if (!channel.settle(m)) this.onMessage(m as SideMessage);
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    if (child.pid !== undefined) this.o.onSpawn?.(child.pid);
    const settings = this.part!.globalDefs.vrrpProcess;
    // The side's start (loading its code, opening sockets: seconds on a slow CPU) runs at a
    // better nice value only: at real-time priority it would starve the supervisor programming
    // IPVS meanwhile. Real time comes once it runs.
    if (settings.rtPriority === undefined && settings.priority === undefined && child.pid !== undefined) {
      try {
        (this.o.scheduling ?? systemScheduling).nice(child.pid, VRRP_SIDE.unset.nice);
      } catch {
        // Said by applySettings below, which tries again.
      }
    }
    const started = await this.request<'start'>({ kind: 'start', part: this.part!, resume, statePath: this.o.statePath, detail: this.o.detail, release: this.o.release ?? true, bfd: this.o.bfdStates?.() ?? {} });
    await this.applySettings(settings, false);
    return started;
  }

  private onMessage(m: SideMessage): void {
    switch (m.kind) {
      case 'log':
        this.o.log[m.level](m.message, m.meta);
        return;
      case 'transition':
        this.lastStates.set(m.event.instance, m.event.to);
        this.onTransition?.(m.event, m.held === true);
        return;
      case 'notifyLine':
        this.onNotifyLine?.(m.line);
        return;
      case 'groupState':
        this.onGroupState?.(m.group, m.state);
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.channel?.fail(signal !== null ? `was killed by ${signal}` : `exited with ${String(code)}`);
    if (this.stopping || !this.started) return;
    if (this.o.respawn === false) {
      this.o.onGone?.(`VRRP side (pid ${child.pid}) ${signal !== null ? `killed by ${signal}` : `exited with ${String(code)}`}`);
      return;
    }
    this.restarts++;
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < CRASH_WINDOW_MS), now];
    // A rare death resumes the masters at once; a side that keeps dying starts from BACKUP, and waits longer each time.
    const resume = this.deaths.length <= 2 ? [...this.lastStates].filter(([, s]) => s === 'MASTER').map(([name]) => name) : [];
    const delayMs = restartDelayMs(this.deaths.length);
    this.o.log.error(
      `VRRP side (pid ${child.pid}) ${signal !== null ? `killed by ${signal}` : `exited with ${String(code)}`}; restarting it in ${delayMs} ms (restart ${this.restarts}${resume.length > 0 ? `, resuming MASTER for ${resume.join(', ')}` : ''})`,
    );
    this.lastStates.clear();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.spawn(resume).then(
        () => this.o.log.info(`VRRP side restarted (pid ${this.child?.pid})`),
        (err: unknown) => this.o.log.error(`VRRP side did not start again: ${(err as Error).message}`),
      );
    }, delayMs);
  }

  private request<K extends keyof SideRequests>(request: SideRequests[K]['request'], timeoutMs?: number): Promise<SideRequests[K]['reply']> {
    const channel = this.channel;
    if (this.child === undefined || channel === undefined) return Promise.reject(new Error('the VRRP side is restarting'));
    return channel.request<K>(request, timeoutMs);
  }

  /** Applies a reload in the side; fails, changing nothing, while the side is restarting. */
  async reload(part: VrrpPart, diff: InstanceDiff): Promise<ReloadReport> {
    const report = await this.request<'reload'>({ kind: 'reload', part, diff });
    const before = this.part?.globalDefs.vrrpProcess;
    this.part = part;
    if (before !== undefined && !sameValue(before, part.globalDefs.vrrpProcess)) await this.applySettings(part.globalDefs.vrrpProcess, true);
    return report;
  }

  /**
   * `vrrp_rt_priority`, `vrrp_rlimit_rttime`, `vrrp_priority` and `vrrp_cpu_affinity` on the running
   * side, or tandem's default for it (side-scheduling.ts), and `vrrp_no_swap`; `reset`: back to
   * the defaults first, at a reload.
   */
  private async applySettings(s: VrrpPart['globalDefs']['vrrpProcess'], reset: boolean): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const outcome = await applySchedulingOf(pid, s, VRRP_SIDE, reset, this.o.scheduling);
    for (const problem of outcome.problems) this.o.log.warn(`VRRP side: ${problem}`);
    for (const fallback of outcome.fallbacks) this.o.log.info(`VRRP side: ${fallback}`);
    // vrrp_no_swap: only the process itself can lock its memory (keepalived's set_process_dont_swap).
    if (s.noSwap || reset) {
      await this.request<'lockMemory'>({ kind: 'lockMemory', lock: s.noSwap }, 5000).catch((err: unknown) => {
        this.o.log.warn(`VRRP side: cannot ${s.noSwap ? 'apply vrrp_no_swap' : 'unlock its memory'}: ${(err as Error).message}`);
      });
    }
  }

  /**
   * A BFD session's event for `track_bfd` and `bfd_takeover` (keepalived's vrrp_handle_bfd_event),
   * with the session's Detection Time; `sentAt` (wall-clock ms) lets the side log the delivery time. Dropped while the side
   * restarts: the new side gets every session's state at its start.
   */
  bfd(e: { readonly name: string; readonly up: boolean; readonly detectMs: number; readonly sentAt: number }): void {
    this.request<'bfd'>({ kind: 'bfd', name: e.name, up: e.up, detectMs: e.detectMs, sentAt: e.sentAt }).catch(() => undefined);
  }

  /** An SNMP SET of an instance's base priority or preemption; false when the side has no such instance. */
  instanceSet(set: InstanceSetRequest): Promise<boolean> {
    return this.request<'instanceSet'>(set, 5000);
  }

  status(): Promise<SideRequests['status']['reply']> {
    return this.request<'status'>({ kind: 'status' }, 5000);
  }

  stats(timeoutMs = 5000): Promise<SideRequests['stats']['reply']> {
    return this.request<'stats'>({ kind: 'stats' }, timeoutMs);
  }

  /** Stops the side (priority-0 adverts, addresses removed) and waits for it to leave; kills it after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    await this.request<'stop'>({ kind: 'stop' }, timeoutMs).catch((err: unknown) => {
      this.o.log.error(`VRRP side at stop: ${(err as Error).message}; killing it`);
      child.kill('SIGKILL');
    });
    await gone;
  }
}
