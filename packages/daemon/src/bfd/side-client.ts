import type { ChildProcess } from 'node:child_process';
import { childProcessModule } from '../builtins.js';
import type { BfdInstance, BfdProcess } from '@tandem/config';
import type { Logger } from '../logger.js';
import { CRASH_WINDOW_MS, restartDelayMs, SideChannel, type ReplyMessage } from '../side-ipc.js';
import { applySchedulingOf, BFD_SIDE, type Scheduling } from '../side-scheduling.js';
import type { BfdReloadReport, BfdSessionEvent, BfdSideMessage, BfdSideRequests } from './protocol.js';
import { SIDE_EXEC_ARGV, sideEntry } from '../side-entry.js';

export interface BfdSideOptions {
  readonly log: Logger;
  readonly detail: boolean;
  /** The side's entry script (default: `sideEntry`). */
  readonly entry?: string;
  /** How the side's scheduling is set (chrt, prlimit, taskset, setpriority); a fake in tests. */
  readonly scheduling?: Scheduling;
}

/**
 * The supervisor's handle on the BFD side: starts the child process with the sessions, applies
 * the bfd_* process settings to it, passes its session events on, and restarts it when it dies
 * (logged and counted), as keepalived's parent restarts its bfd child. It remembers each
 * session's last reported state: that is what VRRP and the checkers go by, also across a
 * restart of either side.
 */
export class BfdSide {
  private child: ChildProcess | undefined;
  private channel: SideChannel<BfdSideRequests> | undefined;
  private sessions: readonly BfdInstance[] = [];
  private settings: BfdProcess | undefined;
  private readonly states = new Map<string, boolean>();
  private deaths: number[] = [];
  private stopping = false;
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Sessions that were Up when the side died: each is reported Down unless it is Up again in time. */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** The latest event of each session settling after a restart, reported when its grace ends. */
  private readonly settling = new Map<string, BfdSessionEvent>();
  /** Times the side died and was started again. */
  restarts = 0;
  /** A session event, as keepalived's bfd process sends it (only changes of the reported state). */
  onSession: ((e: BfdSessionEvent) => void) | undefined;

  constructor(private readonly o: BfdSideOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Each session's last reported state (true: Up); sessions never Up are absent. */
  reportedStates(): Record<string, boolean> {
    return Object.fromEntries(this.states);
  }

  /** Starts the side with the file's sessions and process settings; rejects when it cannot start. */
  async start(sessions: readonly BfdInstance[], settings: BfdProcess): Promise<void> {
    this.sessions = sessions;
    this.settings = settings;
    await this.spawn();
    this.started = true;
  }

  private async spawn(): Promise<void> {
    const child = childProcessModule().fork(this.o.entry ?? sideEntry('bfd'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...SIDE_EXEC_ARGV],
    });
    this.child = child;
    const channel = new SideChannel<BfdSideRequests>(child, 'the BFD side');
    this.channel = channel;
    child.on('message', (m: BfdSideMessage | ReplyMessage) => {
      if (!channel.settle(m)) this.onMessage(m as BfdSideMessage);
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const s = this.settings!;
    await channel.request<'start'>({ kind: 'start', sessions: this.sessions, detail: this.o.detail, ...(s.processName !== undefined ? { processName: s.processName } : {}) });
    await this.applySettings(s, false);
  }

  /**
   * bfd_rt_priority, bfd_rlimit_rttime, bfd_priority and bfd_cpu_affinity, on the running side
   * (`reset`: back to defaults first, at a reload), and bfd_no_swap, which the side applies to
   * itself (keepalived's set_process_dont_swap, and its reset_process_dont_swap at a reload).
   */
  private async applySettings(s: BfdProcess, reset: boolean): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    for (const problem of (await applySchedulingOf(pid, s, BFD_SIDE, reset, this.o.scheduling)).problems) this.o.log.warn(`BFD side: ${problem}`);
    if (s.noSwap || reset) {
      await this.channel?.request<'lockMemory'>({ kind: 'lockMemory', lock: s.noSwap }, 5000).catch((err: unknown) => {
        this.o.log.warn(`BFD side: cannot ${s.noSwap ? 'apply bfd_no_swap' : 'unlock its memory'}: ${(err as Error).message}`);
      });
    }
  }

  private onMessage(m: BfdSideMessage): void {
    switch (m.kind) {
      case 'log':
        this.o.log[m.level](m.message, m.meta);
        return;
      case 'session':
        this.report({ name: m.name, up: m.up, diag: m.diag, detectMs: m.detectMs, sentAt: m.sentAt });
        return;
    }
  }

  /** Passes an event on when it changes what was reported (keepalived's receivers ignore repeats too). */
  private report(e: BfdSessionEvent): void {
    if (this.graceTimers.has(e.name)) {
      // Settling after a restart (holdUpStates): the latest event waits for the grace's end.
      this.settling.set(e.name, e);
      return;
    }
    if ((this.states.get(e.name) ?? false) === e.up) return;
    this.states.set(e.name, e.up);
    this.onSession?.(e);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    const how = signal !== null ? `was killed by ${signal}` : `exited with ${String(code)}`;
    this.channel?.fail(how);
    if (this.stopping || !this.started) return;
    this.restarts++;
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const delayMs = restartDelayMs(this.deaths.length);
    this.o.log.error(`BFD side (pid ${child.pid}) ${how}; restarting it in ${delayMs} ms (restart ${this.restarts})`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      // Before the new side can report anything: a session Up again in time clears its timer.
      this.holdUpStates();
      this.spawn().then(
        () => this.o.log.info(`BFD side restarted (pid ${this.child?.pid})`),
        (err: unknown) => this.o.log.error(`BFD side did not start again: ${(err as Error).message}`),
      );
    }, delayMs);
  }

  /**
   * After a restart every session starts Down and reports nothing until it is Up again. One
   * that was Up keeps its reported state for as long as a session takes to come up at the idle
   * rate (multiplier x idle_tx, at least 3 s), and is then reported as it stands: Up, nothing
   * to tell; otherwise Down. What it does meanwhile is the handshake settling: a peer whose
   * Detection Time ran out while the side was away can still signal Down once after the new
   * session's first Up (keepalived 2.2.7 does), which is no failure of the path.
   */
  private holdUpStates(): void {
    for (const b of this.sessions) {
      if (this.states.get(b.name) !== true) continue;
      const ms = Math.max(3000, (b.multiplier * b.idleTxUs) / 1000);
      this.graceTimers.set(
        b.name,
        setTimeout(() => {
          this.graceTimers.delete(b.name);
          const last = this.settling.get(b.name);
          this.settling.delete(b.name);
          if (last?.up === true) return this.report(last);
          this.o.log.warn(`(${b.name}) BFD session not Up ${ms} ms after the BFD side's restart: reported Down`);
          this.report(last ?? { name: b.name, up: false, diag: 0, detectMs: 0, sentAt: performance.timeOrigin + performance.now() });
        }, ms),
      );
    }
  }

  /** Applies a reload's sessions and settings; sessions no longer configured are forgotten. */
  async reload(sessions: readonly BfdInstance[], settings: BfdProcess): Promise<BfdReloadReport> {
    const channel = this.channel;
    if (this.child === undefined || channel === undefined) throw new Error('the BFD side is restarting');
    const report = await channel.request<'reload'>({ kind: 'reload', sessions });
    this.sessions = sessions;
    const names = new Set(sessions.map((b) => b.name));
    for (const name of [...this.states.keys()]) if (!names.has(name)) this.states.delete(name);
    if (JSON.stringify(settings) !== JSON.stringify(this.settings)) {
      this.settings = settings;
      await this.applySettings(settings, true);
    }
    return report;
  }

  status(): Promise<BfdSideRequests['status']['reply']> {
    return this.channel?.request<'status'>({ kind: 'status' }, 5000) ?? Promise.reject(new Error('the BFD side is not running'));
  }

  stats(): Promise<BfdSideRequests['stats']['reply']> {
    return this.channel?.request<'stats'>({ kind: 'stats' }, 5000) ?? Promise.reject(new Error('the BFD side is not running'));
  }

  /** Stops the side (every session says AdminDown) and waits for it to leave; kills it after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.settling.clear();
    const child = this.child;
    if (child === undefined || this.channel === undefined) return;
    const gone = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    await this.channel.request<'stop'>({ kind: 'stop' }, timeoutMs).catch((err: unknown) => {
      this.o.log.error(`BFD side at stop: ${(err as Error).message}; killing it`);
      child.kill('SIGKILL');
    });
    await gone;
  }
}
