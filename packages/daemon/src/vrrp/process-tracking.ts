import type { TrackProcess } from '@tandem/config';
import type { ProcessInfo } from '@tandem/net';
import type { Clock, Timer } from '@tandem/vrrp';

// keepalived's track_process.c as a pure core: which running processes each
// vrrp_track_process counts, and when its quorum is gained or lost, from the kernel's process
// events (fork, exec, name change, exit) and a scan of /proc at start. No I/O: the events and
// the process details come in, verdicts go out through `onChange`; time is an injected clock.

/** Whether a process is one `t` counts (keepalived's check_process and check_params). */
export function processMatches(t: TrackProcess, p: ProcessInfo): boolean {
  if (!t.fullCommand) return p.comm === t.process;
  const [argv0, ...params] = p.argv;
  if (argv0 !== t.process) return false;
  switch (t.paramMatch) {
    case 'none':
      return true;
    case 'exact':
      return params.length === t.params.length && t.params.every((w, i) => params[i] === w);
    case 'partial':
      // The process's parameters begin with the configured ones, word for word.
      return params.length >= t.params.length && t.params.every((w, i) => params[i] === w);
    case 'initial': {
      // As partial, but the last configured parameter need only begin the process's one.
      if (params.length < t.params.length) return false;
      const last = t.params.length - 1;
      return t.params.every((w, i) => (i === last ? params[i]!.startsWith(w) : params[i] === w));
    }
  }
}

/** The running count of one vrrp_track_process and its verdict. */
interface Counted {
  readonly track: TrackProcess;
  count: number;
  up: boolean;
  /** fork_delay running: a quorum a fork gained counts only when it fires. */
  forkTimer: Timer | undefined;
  /** terminate_delay running: a quorum an exit lost is lost only when it fires. */
  terminateTimer: Timer | undefined;
}

const inRange = (c: Counted): boolean => c.count >= c.track.quorum && c.count <= c.track.quorumMax;

/**
 * The vrrp_track_processes of one configuration, counted. Feed it `reset` with every process
 * running, then the kernel's events; `onChange(name, up)` is called whenever a quorum is
 * gained or lost (after the delays keepalived applies).
 */
export class ProcessTracker {
  private readonly counted = new Map<string, Counted>();
  /** The tracks each process is counted in, by pid (keepalived's process tree). */
  private readonly members = new Map<number, Set<Counted>>();
  /** Whether any track matches on the command line (then exec must read it). */
  readonly needsArgv: boolean;

  constructor(
    tracks: readonly TrackProcess[],
    private readonly clock: Clock,
    private readonly onChange: (name: string, up: boolean) => void,
  ) {
    for (const t of tracks) this.counted.set(t.name, { track: t, count: 0, up: false, forkTimer: undefined, terminateTimer: undefined });
    this.needsArgv = tracks.some((t) => t.fullCommand);
  }

  /** Whether the track has its quorum now. */
  up(name: string): boolean {
    return this.counted.get(name)?.up ?? false;
  }

  /** How many running processes the track counts. */
  count(name: string): number {
    return this.counted.get(name)?.count ?? 0;
  }

  /**
   * Counts afresh from every process running (at start, and after events were lost).
   * At start the verdicts are set without delay; afterwards a change is reported, with
   * keepalived's delays (reinitialise_track_processes).
   */
  reset(processes: ReadonlyMap<number, ProcessInfo>, first: boolean): void {
    const before = new Map([...this.counted].map(([n, c]) => [n, c.count]));
    this.members.clear();
    for (const c of this.counted.values()) {
      c.count = 0;
      this.cancel(c);
    }
    for (const [pid, p] of processes) for (const c of this.counted.values()) if (processMatches(c.track, p)) this.add(pid, c);
    for (const c of this.counted.values()) {
      const now = inRange(c);
      if (first) {
        c.up = now;
        this.onChange(c.track.name, now);
        continue;
      }
      if (before.get(c.track.name) === c.count || now === c.up) continue;
      if (now) this.setUp(c, true);
      else if (c.track.terminateDelay > 0) c.terminateTimer = this.clock.setTimer(c.track.terminateDelay * 1000, () => this.expire(c, 'terminate'));
      else this.setUp(c, false);
    }
  }

  /** A process ran a new program: it may now be counted, or no longer (`info` undefined: it is gone). */
  exec(pid: number, info: ProcessInfo | undefined): void {
    this.check(pid, info, false);
  }

  /** A process changed its name (prctl PR_SET_NAME): only tracks matching the name (not the command line) care. */
  comm(pid: number, comm: string): void {
    const set = this.members.get(pid);
    if (set !== undefined) {
      for (const c of [...set]) {
        if (c.track.fullCommand) continue;
        // keepalived: the same name as tracked means nothing changed.
        if (comm === c.track.process) return;
        set.delete(c);
        this.removed(c);
      }
      if (set.size === 0) this.members.delete(pid);
    }
    this.check(pid, { comm, argv: [] }, true);
  }

  /** A new process: it is counted wherever its parent is (keepalived's check_process_fork). */
  fork(parentPid: number, childPid: number): void {
    const parent = this.members.get(parentPid);
    if (parent === undefined) return;
    for (const c of parent) {
      this.add(childPid, c);
      if (c.count !== c.track.quorum && c.count !== c.track.quorumMax + 1) continue;
      if (c.terminateTimer !== undefined) {
        // The quorum an exit was about to lose is back before terminate_delay ran out.
        c.terminateTimer.cancel();
        c.terminateTimer = undefined;
      } else if (c.track.forkDelay > 0) {
        c.forkTimer = this.clock.setTimer(c.track.forkDelay * 1000, () => this.expire(c, 'fork'));
      } else this.setUp(c, c.count === c.track.quorum);
    }
  }

  /** A process ended (keepalived's check_process_termination). */
  exit(pid: number): void {
    const set = this.members.get(pid);
    if (set === undefined) return;
    this.members.delete(pid);
    for (const c of set) {
      c.count--;
      if (c.count !== c.track.quorum - 1 && c.count !== c.track.quorumMax) continue;
      if (c.forkTimer !== undefined) {
        // The quorum a fork was about to gain is gone before fork_delay ran out.
        c.forkTimer.cancel();
        c.forkTimer = undefined;
      } else if (c.track.terminateDelay > 0) {
        c.terminateTimer = this.clock.setTimer(c.track.terminateDelay * 1000, () => this.expire(c, 'terminate'));
      } else this.setUp(c, c.count === c.track.quorumMax);
    }
  }

  /** Cancels the delays. */
  stop(): void {
    for (const c of this.counted.values()) this.cancel(c);
  }

  private check(pid: number, info: ProcessInfo | undefined, commOnly: boolean): void {
    let set = this.members.get(pid);
    for (const c of this.counted.values()) {
      // A name change says nothing about the command line.
      if (commOnly && c.track.fullCommand) continue;
      const was = set?.has(c) ?? false;
      const is = info !== undefined && processMatches(c.track, info);
      if (is && !was) {
        set = this.add(pid, c);
        if (c.count === c.track.quorum || c.count === c.track.quorumMax + 1) {
          if (c.terminateTimer !== undefined) {
            c.terminateTimer.cancel();
            c.terminateTimer = undefined;
          }
          this.setUp(c, c.count === c.track.quorum);
        }
      } else if (!is && was) {
        set!.delete(c);
        this.removed(c);
      }
    }
    if (set !== undefined && set.size === 0) this.members.delete(pid);
  }

  private add(pid: number, c: Counted): Set<Counted> {
    let set = this.members.get(pid);
    if (set === undefined) this.members.set(pid, (set = new Set()));
    if (!set.has(c)) {
      set.add(c);
      c.count++;
    }
    return set;
  }

  /** A process no longer counted by an exec or a name change: no delay (keepalived's remove_process_from_track). */
  private removed(c: Counted): void {
    c.count--;
    if (c.count !== c.track.quorum - 1 && c.count !== c.track.quorumMax) return;
    if (c.forkTimer !== undefined) {
      c.forkTimer.cancel();
      c.forkTimer = undefined;
    }
    this.setUp(c, c.count === c.track.quorumMax);
  }

  private expire(c: Counted, which: 'fork' | 'terminate'): void {
    if (which === 'fork') c.forkTimer = undefined;
    else c.terminateTimer = undefined;
    this.setUp(c, inRange(c));
  }

  private setUp(c: Counted, up: boolean): void {
    if (c.up === up) return;
    c.up = up;
    this.onChange(c.track.name, up);
  }

  private cancel(c: Counted): void {
    c.forkTimer?.cancel();
    c.terminateTimer?.cancel();
    c.forkTimer = undefined;
    c.terminateTimer = undefined;
  }
}
