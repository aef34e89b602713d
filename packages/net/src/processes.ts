import { readFileSync, readdirSync } from 'node:fs';

// The processes running now, as /proc shows them: what process tracking counts at start and
// checks at each exec (keepalived's read_procs and check_process). Read synchronously: a
// /proc file read is a few microseconds and never blocks on a disk.

/** A process as track_process matches it. */
export interface ProcessInfo {
  /** The kernel's name of it (/proc/PID/comm, at most 15 characters). */
  readonly comm: string;
  /** Its command line, split at the NULs (empty when not asked for, or for a kernel thread). */
  readonly argv: readonly string[];
}

/** What /proc/PID/stat says: the name between the first '(' and the last ')', then the state; undefined for a zombie or a process gone. */
function stat(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // keepalived skips zombies: they have exited, only their parent has not reaped them.
  if (text[close + 2] === 'Z') return undefined;
  return text.slice(open + 1, close);
}

function argv(pid: number): string[] {
  let raw: Buffer;
  try {
    raw = readFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return [];
  }
  if (raw.length === 0) return [];
  const words = raw.toString('utf8').split('\0');
  // The command line ends with a NUL, so the last word is empty.
  if (words[words.length - 1] === '') words.pop();
  return words;
}

/** One process now (`withArgv`: its command line too); undefined when it is gone or a zombie. */
export function readProcess(pid: number, withArgv: boolean): ProcessInfo | undefined {
  const comm = stat(pid);
  if (comm === undefined) return undefined;
  return { comm, argv: withArgv ? argv(pid) : [] };
}

/** Every process running now, by pid (threads are not processes: only /proc's directories). */
export function scanProcesses(withArgv: boolean): Map<number, ProcessInfo> {
  const out = new Map<number, ProcessInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^[1-9]\d*$/.test(name)) continue;
    const pid = Number(name);
    const p = readProcess(pid, withArgv);
    if (p !== undefined) out.set(pid, p);
  }
  return out;
}
