import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TransitionEvent, VrrpState } from '@tandem/vrrp';
import type { Logger } from '../logger.js';
import { startingNetworkNamespace } from '@tandem/net';
import { STARTING_NETNS_ENV, type RequestEnvelope, type SideMessage, type SideRequest, type SideRequests } from './protocol.js';
import type { InstanceDiff } from './reload-plan.js';
import type { ReloadReport, VrrpPart } from './service.js';

export interface VrrpSideOptions {
  readonly log: Logger;
  /** The side's own ledger of what it adds (next to the supervisor's). */
  readonly statePath: string;
  readonly detail: boolean;
  /** The side's entry script (side.js beside this file). */
  readonly entry?: string;
}

/** Restarts within this long of each other count as a crash loop. */
const CRASH_WINDOW_MS = 60_000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | undefined };

/**
 * The supervisor's handle on the VRRP side: starts the child process, sends it its part of the
 * configuration, asks it for status and stats, and restarts it when it dies (logged and
 * counted), as keepalived's parent restarts its VRRP child. Instances that were MASTER when the
 * side died take the role straight back in the new side, unless the side keeps dying.
 */
export class VrrpSide {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private part: VrrpPart | undefined;
  private readonly lastStates = new Map<string, VrrpState>();
  private deaths: number[] = [];
  private stopping = false;
  /** Only a side that once started is restarted: one that cannot start (an interface missing) is the start's failure. */
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Times the side died and was started again. */
  restarts = 0;
  onTransition: ((e: TransitionEvent) => void) | undefined;
  onNotifyLine: ((line: string) => void) | undefined;

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

  private spawn(resume: readonly string[]): Promise<null> {
    const child = fork(this.o.entry ?? join(__dirname, 'side.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // track_process: the kernel's process connector is only in the namespace tandemd started in.
      env: startingNetworkNamespace() === undefined ? process.env : { ...process.env, [STARTING_NETNS_ENV]: startingNetworkNamespace() },
      // A small young generation: the side allocates little, and its RSS stays small.
      execArgv: ['--max-semi-space-size=2'],
    });
    this.child = child;
    child.on('message', (m: SideMessage) => this.onMessage(m));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    return this.request<'start'>({ kind: 'start', part: this.part!, resume, statePath: this.o.statePath, detail: this.o.detail });
  }

  private onMessage(m: SideMessage): void {
    switch (m.kind) {
      case 'reply': {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        if (p.timer !== undefined) clearTimeout(p.timer);
        if (m.ok) p.resolve(m.data);
        else p.reject(new Error(m.error));
        return;
      }
      case 'log':
        this.o.log[m.level](m.message, m.meta);
        return;
      case 'transition':
        this.lastStates.set(m.event.instance, m.event.to);
        this.onTransition?.(m.event);
        return;
      case 'notifyLine':
        this.onNotifyLine?.(m.line);
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    for (const p of this.pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(new Error(`the VRRP side ${signal !== null ? `was killed by ${signal}` : `exited with ${String(code)}`}`));
    }
    this.pending.clear();
    if (this.stopping || !this.started) return;
    this.restarts++;
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < CRASH_WINDOW_MS), now];
    // A rare death resumes the masters at once; a side that keeps dying starts from BACKUP, and waits longer each time.
    const resume = this.deaths.length <= 2 ? [...this.lastStates].filter(([, s]) => s === 'MASTER').map(([name]) => name) : [];
    const delayMs = Math.min(5000, 100 * 2 ** (this.deaths.length - 1));
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

  private request<K extends keyof SideRequests>(request: SideRequests[K]['request'] & SideRequest, timeoutMs?: number): Promise<SideRequests[K]['reply']> {
    const child = this.child;
    if (child === undefined || !child.connected) return Promise.reject(new Error('the VRRP side is restarting'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`the VRRP side did not answer ${request.kind} within ${timeoutMs} ms`));
            }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ id, request } satisfies RequestEnvelope);
    });
  }

  /** Applies a reload in the side; fails, changing nothing, while the side is restarting. */
  async reload(part: VrrpPart, diff: InstanceDiff): Promise<ReloadReport> {
    const report = await this.request<'reload'>({ kind: 'reload', part, diff });
    this.part = part;
    return report;
  }

  status(): Promise<SideRequests['status']['reply']> {
    return this.request<'status'>({ kind: 'status' }, 5000);
  }

  stats(): Promise<SideRequests['stats']['reply']> {
    return this.request<'stats'>({ kind: 'stats' }, 5000);
  }

  /** Stops the side (priority-0 adverts, addresses removed) and waits for it to leave; kills it after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === undefined) return;
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
