import { childProcessModule } from './builtins.js';
import { writeFileSync } from 'node:fs';
import type { Logger } from './logger.js';

/**
 * keepalived's `-m` / `-M PATTERN`: lets a crash leave a core dump. Node cannot call setrlimit,
 * so util-linux's `prlimit` raises this process's RLIMIT_CORE (the VRRP side, forked later,
 * inherits it); `-M` also sets kernel.core_pattern, as keepalived does. Failures are logged,
 * never fatal.
 */
export function enableCoreDumps(pattern: string | undefined, log: Logger): void {
  const r = childProcessModule().spawnSync('prlimit', ['--pid', String(process.pid), '--core=unlimited'], { encoding: 'utf8' });
  if (r.status !== 0) log.warn(`-m: cannot raise the core-dump limit: ${r.error?.message ?? r.stderr.trim()}`);
  if (pattern === undefined) return;
  try {
    writeFileSync('/proc/sys/kernel/core_pattern', pattern);
    log.info(`-M: kernel.core_pattern set to ${pattern}`);
  } catch (err) {
    log.warn(`-M: cannot set kernel.core_pattern: ${(err as Error).message}`);
  }
}
