import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../lib/sh.js';

/** Runs a command in the guest and returns its stdout; throws with stderr on failure. */
export function sh(cmd: string, ...args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr ?? e.message}`);
  }
}

/** Runs a shell script (several commands) and returns its stdout. */
export const script = (text: string): string => sh('sh', '-ec', text);

/** Starts a background process (a real server); the caller kills it. */
export function background(cmd: string, ...args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: 'ignore', detached: false });
}

export { sleep } from '../lib/sh.js';

/** The lab's waitFor, with a probe that may throw (a command failing) meaning "not yet". */
export function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  return waitFor(
    what,
    ms,
    () => {
      try {
        return probe();
      } catch {
        return undefined;
      }
    },
    50,
  );
}
