import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { until } from './guest-sh.js';

// keepalived and tandemd run in the guest on the same file, one after the other, with their
// output kept for the test's log.

export interface Daemon {
  readonly child: ChildProcess;
  readonly log: () => string;
}

function run(cmd: string, args: string[]): Daemon {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

/** keepalived 2.2.7's checker alone (-C), its pidfiles in `dir`. */
export const keepalived = (dir: string, file: string): Daemon =>
  run('keepalived', ['-n', '-l', '-D', '-C', '-f', file, '-p', join(dir, 'k.pid'), '-c', join(dir, 'kc.pid'), '-r', join(dir, 'kv.pid')]);

/** tandemd, its control socket in `dir`. */
export const tandemd = (dir: string, file: string): Daemon => run('node', ['packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '--control-socket', join(dir, 'tandem.sock')]);

/** SIGTERM, and wait until it has exited. */
export async function stop(d: Daemon | undefined): Promise<void> {
  if (d === undefined || d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  await until('the daemon to stop', 30_000, () => (d.child.exitCode !== null || d.child.signalCode !== null ? true : undefined));
}
