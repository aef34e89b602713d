import { sameValue, type TrackProcess } from '@tandem/config';
import type { ProcEvent } from '@tandem/net';
import type { Clock, Timer } from '@tandem/vrrp';
import type { Logger } from '../logger.js';
import type { ProcessSource } from './host.js';
import { ProcessTracker } from './process-tracking.js';

/** How often the processes are counted again where the kernel gives no process events. */
export const PROCESS_POLL_MS = 1000;

/**
 * The vrrp_track_processes in use, counted from the host's processes and kept up to date by
 * the kernel's process events (keepalived's track_process.c): a scan of /proc when the set of
 * tracks is made, then one event at a time. Where the kernel gives no events (a network
 * namespace other than the initial one: a container, `ip netns exec`) keepalived logs it and
 * keeps the first count for good; tandem counts again every PROCESS_POLL_MS instead, so the
 * instance still follows the process. `onChange(name)` says a quorum was gained or lost.
 */
export class ProcessWatch {
  private tracker: ProcessTracker | undefined;
  private tracks: readonly TrackProcess[] = [];
  private subscription: { close(): void } | undefined;
  /** Counting again at intervals, where the kernel gives no process events. */
  private poll: Timer | undefined;

  constructor(
    private readonly host: ProcessSource,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onChange: (name: string) => void,
  ) {}

  /** Counts `tracks` from now on: a new set is counted afresh from the processes running. */
  sync(tracks: readonly TrackProcess[]): void {
    if (sameValue(tracks, this.tracks)) return;
    this.tracker?.stop();
    this.tracks = tracks;
    if (tracks.length === 0) {
      this.tracker = undefined;
      this.subscription?.close();
      this.subscription = undefined;
      this.poll?.cancel();
      this.poll = undefined;
      return;
    }
    const tracker = new ProcessTracker(tracks, this.clock, (name, up) => {
      // keepalived: "Quorum gained/lost for tracked process NAME".
      if (this.tracker === tracker) this.log.info(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${name} (${tracker.count(name)} running)`);
      this.onChange(name);
    });
    this.tracker = tracker;
    tracker.reset(this.host.processes(tracker.needsArgv), true);
  }

  /**
   * Subscribes to the kernel's process events when a track is in use; where the kernel gives
   * none, counts the processes again every PROCESS_POLL_MS (said once, as a warning).
   */
  async open(): Promise<void> {
    if (this.tracker === undefined || this.subscription !== undefined || this.poll !== undefined) return;
    const subscribing = this.host.watchProcesses({
      onEvent: (e) => this.onEvent(e),
      onLost: (why) => {
        this.log.warn(`track_process: ${why}; counting the processes again`);
        this.recount();
      },
      onError: (err) => this.log.warn(`track_process: ${err.message}`),
    });
    try {
      this.subscription = await subscribing;
    } catch (err) {
      this.log.warn(
        `track_process: no process events from the kernel here (${(err as Error).message}; they come only in the initial network namespace, with CONFIG_PROC_EVENTS): the processes are counted every ${PROCESS_POLL_MS / 1000} s instead, so a change can take that long to count (keepalived counts them once and never again)`,
      );
      this.startPolling();
      return;
    }
    // What started or ended between the first count and the subscription.
    this.recount();
  }

  /** Counts again every PROCESS_POLL_MS until stop() or a sync() to no tracks cancels it. */
  private startPolling(): void {
    const tick = (): void => {
      this.recount();
      this.poll = this.clock.setTimer(PROCESS_POLL_MS, tick);
    };
    this.poll = this.clock.setTimer(PROCESS_POLL_MS, tick);
  }

  private recount(): void {
    const t = this.tracker;
    if (t !== undefined) t.reset(this.host.processes(t.needsArgv), false);
  }

  private onEvent(e: ProcEvent): void {
    const t = this.tracker;
    if (t === undefined) return;
    // Threads are not processes: only a thread group's leader counts (pid === tgid), as in keepalived.
    switch (e.kind) {
      case 'fork':
        if (e.childPid === e.childTgid) t.fork(e.parentTgid, e.childTgid);
        return;
      case 'exec':
        if (e.pid === e.tgid) t.exec(e.tgid, this.host.process(e.tgid, t.needsArgv));
        return;
      case 'comm':
        if (e.pid === e.tgid) t.comm(e.tgid, e.comm);
        return;
      case 'exit':
        if (e.pid === e.tgid) t.exit(e.tgid);
        return;
      case 'ack':
        return;
    }
  }

  /** Whether the named track has its quorum (false for one not in use). */
  up(name: string): boolean {
    return this.tracker?.up(name) ?? false;
  }

  /** Each process track in use: how many match now and whether it has its quorum (KEEPALIVED-MIB's vrrpProcessTable). */
  counts(): Array<{ name: string; count: number; up: boolean }> {
    return this.tracks.map((t) => ({ name: t.name, count: this.tracker?.count(t.name) ?? 0, up: this.up(t.name) }));
  }

  track(name: string): TrackProcess | undefined {
    return this.tracks.find((t) => t.name === name);
  }

  stop(): void {
    this.tracker?.stop();
    this.subscription?.close();
    this.subscription = undefined;
    this.poll?.cancel();
    this.poll = undefined;
  }
}
