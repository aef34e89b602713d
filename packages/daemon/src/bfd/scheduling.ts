import { execFile } from 'node:child_process';
import { setPriority } from 'node:os';
import type { BfdProcess } from '@tandem/config';

// keepalived's set_process_priorities (lib/process.c) for the BFD side, done from the
// supervisor with util-linux's tools: Node has no sched_setscheduler, setrlimit on another
// process, or sched_setaffinity. Only the side's main thread (its event loop, where the BFD
// timers run) gets the real-time policy; V8's helper threads stay as they are.

/**
 * RLIMIT_RTTIME when `bfd_rlimit_rttime` is not given: 100 ms, not keepalived's 10 ms. keepalived's
 * bfd child is a small C loop; the BFD side is a V8 process whose main thread can run 10-20 ms
 * without blocking (a garbage collection, a compilation), and at 10 ms the kernel killed it
 * (SIGKILL at the hard limit) 2 to 4 times a minute on the development machine; at 20 ms and
 * more, never in the same runs. The limit only guards against a runaway real-time loop.
 */
export const DEFAULT_RTTIME_US = 100_000;

/** One thing to do to the side's process. */
export type SchedulingStep =
  | { readonly kind: 'exec'; readonly what: string; readonly command: string; readonly args: readonly string[] }
  | { readonly kind: 'nice'; readonly what: string; readonly priority: number };

/**
 * What keepalived does for `bfd_*`, as steps: the CPU set (`bfd_cpu_affinity`, every thread);
 * with `bfd_rt_priority`, SCHED_RR at that priority with SCHED_RESET_ON_FORK and RLIMIT_RTTIME
 * of `bfd_rlimit_rttime` (half of it as the soft limit, which only warns); without it, the nice
 * value of `bfd_priority`. `reset` (a reload): what is no longer set goes back to the default
 * (the normal policy, nice 0).
 */
export function schedulingSteps(pid: number, s: BfdProcess, reset = false): SchedulingStep[] {
  const p = String(pid);
  const steps: SchedulingStep[] = [];
  if (s.cpuAffinity !== undefined) steps.push({ kind: 'exec', what: `bfd_cpu_affinity ${s.cpuAffinity.join(' ')}`, command: 'taskset', args: ['-a', '-p', '-c', s.cpuAffinity.join(','), p] });
  if (s.rtPriority !== undefined) {
    steps.push({ kind: 'exec', what: `bfd_rt_priority ${s.rtPriority}`, command: 'chrt', args: ['-R', '-r', '-p', String(s.rtPriority), p] });
    const hard = s.rlimitRttimeUs ?? DEFAULT_RTTIME_US;
    steps.push({ kind: 'exec', what: `bfd_rlimit_rttime ${hard}`, command: 'prlimit', args: ['--pid', p, `--rttime=${Math.floor(hard / 2)}:${hard}`] });
  } else {
    if (reset) steps.push({ kind: 'exec', what: 'the normal scheduling policy', command: 'chrt', args: ['-o', '-p', '0', p] });
    if (reset || s.priority !== undefined) steps.push({ kind: 'nice', what: `bfd_priority ${s.priority ?? 0}`, priority: s.priority ?? 0 });
  }
  return steps;
}

/** How steps are carried out; tests give a fake. */
export interface Scheduling {
  exec(command: string, args: readonly string[]): Promise<void>;
  nice(pid: number, priority: number): void;
}

const system: Scheduling = {
  exec: (command, args) =>
    new Promise((resolve, reject) => {
      execFile(command, [...args], { timeout: 5000 }, (err, _stdout, stderr) => (err === null ? resolve() : reject(new Error(stderr.trim() || err.message))));
    }),
  nice: (pid, priority) => setPriority(pid, priority),
};

/** Applies the bfd_* settings to process `pid`; returns what could not be done (keepalived logs and carries on). */
export async function applySchedulingOf(pid: number, s: BfdProcess, reset: boolean, how: Scheduling = system): Promise<string[]> {
  const problems: string[] = [];
  for (const step of schedulingSteps(pid, s, reset)) {
    try {
      if (step.kind === 'exec') await how.exec(step.command, step.args);
      else how.nice(pid, step.priority);
    } catch (err) {
      problems.push(`cannot apply ${step.what}: ${(err as Error).message}`);
    }
  }
  return problems;
}
