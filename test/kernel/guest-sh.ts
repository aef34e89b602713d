import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value, or throws after `ms`. */
export async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
