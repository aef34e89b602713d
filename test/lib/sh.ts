import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  /** Resolve with the output even on a non-zero exit. */
  readonly allowFail?: boolean;
  /** Append stderr to the resolved output. */
  readonly withStderr?: boolean;
}

/** Runs a command and resolves with its stdout; rejects with stderr on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && opts.allowFail !== true) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(opts.withStderr === true ? `${stdout}${stderr}` : stdout);
    });
  });
}

/** `ip netns exec NS CMD ...` */
export function nsRun(ns: string, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Starts a long-running process in a namespace; stdout and stderr are collected. */
export function nsSpawn(ns: string, cmd: string, args: readonly string[]): ChildProcess & { output: () => string } {
  return hostSpawn('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** Starts a long-running process in the test's own namespace; stdout and stderr are collected. */
export function hostSpawn(cmd: string, args: readonly string[]): ChildProcess & { output: () => string } {
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resolves when the child has exited (or at once if it already has). */
export function exited(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}
