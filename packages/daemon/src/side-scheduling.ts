import { childProcessModule } from './builtins.js';
import { setPriority } from 'node:os';
import type { ProcessSettings } from '@tandem/config';

// keepalived's set_process_priorities (lib/process.c) for a side, done from the supervisor with
// util-linux's tools: Node has no sched_setscheduler, setrlimit on another process, or
// sched_setaffinity. Only the side's main thread (its event loop, where the timers run) gets
// the real-time policy, with SCHED_RESET_ON_FORK: the threads and scripts it starts do not.

/**
 * RLIMIT_RTTIME when `PREFIX_rlimit_rttime` is not given: 100 ms, not keepalived's 10 ms.
 * keepalived's children are small C loops; a side is a V8 process whose main thread can run
 * 10-20 ms without blocking (a garbage collection, a compilation), and at 10 ms the kernel
 * killed the BFD side (SIGKILL at the hard limit) 2 to 4 times a minute on the development
 * machine; at 20 ms and more, never in the same runs. The limit only guards against a runaway
 * real-time loop.
 */
export const DEFAULT_RTTIME_US = 100_000;

/** A side's keyword prefix, and how it runs when the file sets neither `PREFIX_rt_priority` nor `PREFIX_priority`. */
export interface SideKind {
  readonly prefix: 'bfd' | 'vrrp';
  readonly unset: {
    readonly nice: number;
    /** SCHED_RR at this priority, without RLIMIT_RTTIME (the kernel's real-time throttling still bounds it); `nice` if the kernel refuses. */
    readonly rtPriority?: number;
  };
}

/** The BFD side: as keepalived's bfd child, nice 0 and the normal policy unless the file says otherwise. */
export const BFD_SIDE: SideKind = { prefix: 'bfd', unset: { nice: 0 } };

/**
 * The VRRP side, unless `vrrp_rt_priority` or `vrrp_priority` say otherwise: SCHED_RR at the
 * lowest real-time priority, else nice -10. It needs the CPU rarely (an advert, a timer) but at
 * once. On a director whose cores are busy with checks, reloads and status queries, nice -10
 * still left adverts up to 28 ms late at advert_int 0.05 s (bench:steady, 30 s with other work
 * loading the host: gap p99 70 ms); SCHED_RR, which preempts the rest when it wakes, brought the
 * p99 to 51-53 ms in the same conditions (three runs). keepalived runs its VRRP process at nice 0 unless
 * told; its C loop holds the CPU for microseconds where a V8 process holds it for milliseconds.
 */
export const VRRP_SIDE: SideKind = { prefix: 'vrrp', unset: { nice: -10, rtPriority: 1 } };

/** One thing to do to the side's process; a `fallback` step's failure is expected on some hosts and says what runs instead. */
export type SchedulingStep =
  | { readonly kind: 'exec'; readonly what: string; readonly command: string; readonly args: readonly string[]; readonly fallback?: string }
  | { readonly kind: 'nice'; readonly what: string; readonly priority: number };

/**
 * What keepalived does for `PREFIX_*`, as steps: the CPU set (`PREFIX_cpu_affinity`, every
 * thread); with `PREFIX_rt_priority`, SCHED_RR at that priority with SCHED_RESET_ON_FORK and
 * RLIMIT_RTTIME of `PREFIX_rlimit_rttime` (half of it as the soft limit, which only warns);
 * without it, the nice value of `PREFIX_priority`; with neither, the side's own default.
 * `reset` (a reload): what is no longer set goes back to that default.
 */
export function schedulingSteps(pid: number, s: ProcessSettings, side: SideKind, reset = false): SchedulingStep[] {
  const p = String(pid);
  const x = side.prefix;
  const steps: SchedulingStep[] = [];
  const rr = (priority: number, what: string, fallback?: string): SchedulingStep => ({ kind: 'exec', what, command: 'chrt', args: ['-R', '-r', '-p', String(priority), p], ...(fallback !== undefined ? { fallback } : {}) });
  if (s.cpuAffinity !== undefined) steps.push({ kind: 'exec', what: `${x}_cpu_affinity ${s.cpuAffinity.join(' ')}`, command: 'taskset', args: ['-a', '-p', '-c', s.cpuAffinity.join(','), p] });
  if (s.rtPriority !== undefined) {
    steps.push(rr(s.rtPriority, `${x}_rt_priority ${s.rtPriority}`));
    const hard = s.rlimitRttimeUs ?? DEFAULT_RTTIME_US;
    steps.push({ kind: 'exec', what: `${x}_rlimit_rttime ${hard}`, command: 'prlimit', args: ['--pid', p, `--rttime=${Math.floor(hard / 2)}:${hard}`] });
    return steps;
  }
  const normal: SchedulingStep = { kind: 'exec', what: 'the normal scheduling policy', command: 'chrt', args: ['-o', '-p', '0', p] };
  if (s.priority !== undefined) {
    if (reset) steps.push(normal);
    steps.push({ kind: 'nice', what: `${x}_priority ${s.priority}`, priority: s.priority });
    return steps;
  }
  const { nice, rtPriority } = side.unset;
  if (rtPriority === undefined) {
    if (reset) steps.push(normal);
    if (reset || nice !== 0) steps.push({ kind: 'nice', what: `nice ${nice}`, priority: nice });
    return steps;
  }
  // The nice value first: it is what stays if the kernel refuses the real-time policy.
  steps.push({ kind: 'nice', what: `nice ${nice}`, priority: nice });
  steps.push(rr(rtPriority, `SCHED_RR ${rtPriority}`, `it runs at nice ${nice}`));
  // Raising a hard limit takes CAP_SYS_RESOURCE, which the systemd unit does not grant.
  if (reset) steps.push({ kind: 'exec', what: 'no RLIMIT_RTTIME', command: 'prlimit', args: ['--pid', p, '--rttime=unlimited:unlimited'], fallback: `the side keeps the last ${x}_rlimit_rttime until it restarts` });
  return steps;
}

/** How steps are carried out; tests give a fake. */
export interface Scheduling {
  exec(command: string, args: readonly string[]): Promise<void>;
  nice(pid: number, priority: number): void;
}

/** The real thing: util-linux's tools and setpriority(2). */
export const systemScheduling: Scheduling = {
  exec: (command, args) =>
    new Promise((resolve, reject) => {
      childProcessModule().execFile(command, [...args], { timeout: 5000 }, (err, _stdout, stderr) => (err === null ? resolve() : reject(new Error(stderr.trim() || err.message))));
    }),
  nice: (pid, priority) => setPriority(pid, priority),
};

/** What could not be done: `problems` (settings of the file; keepalived logs them and carries on) and `fallbacks` (tandem's own default, refused by this host). */
export interface SchedulingOutcome {
  readonly problems: string[];
  readonly fallbacks: string[];
}

/** Applies the `PREFIX_*` settings to process `pid`. */
export async function applySchedulingOf(pid: number, s: ProcessSettings, side: SideKind, reset: boolean, how: Scheduling = systemScheduling): Promise<SchedulingOutcome> {
  const out: SchedulingOutcome = { problems: [], fallbacks: [] };
  for (const step of schedulingSteps(pid, s, side, reset)) {
    try {
      if (step.kind === 'exec') await how.exec(step.command, step.args);
      else how.nice(pid, step.priority);
    } catch (err) {
      const message = `cannot apply ${step.what}: ${(err as Error).message}`;
      if (step.kind === 'exec' && step.fallback !== undefined) out.fallbacks.push(`${message}; ${step.fallback}`);
      else out.problems.push(message);
    }
  }
  return out;
}
