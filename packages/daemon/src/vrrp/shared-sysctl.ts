import { readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from '../logger.js';

/** /proc/sys path of one per-interface setting (interface names keep their dots there). */
export function sysctlPath(family: 'ipv4' | 'ipv6', ifname: string, key: string): string {
  return `/proc/sys/net/${family}/conf/${ifname}/${key}`;
}

/**
 * Kernel settings that several users want at one value for a while (every virtual MAC on a
 * base interface, every instance with promote_secondaries on an interface): the first to
 * hold one saves what it was, the last to let go puts it back. Reads and writes are
 * synchronous on purpose: /proc/sys/net answers for the network namespace of the thread that
 * opens it, and with net_namespace only the main thread is in tandemd's namespace.
 */
export class SharedSysctls {
  private readonly held = new Map<string, { users: number; value: string; saved: string | undefined }>();

  constructor(private readonly log: Logger) {}

  hold(path: string, value: string): void {
    const h = this.held.get(path);
    if (h !== undefined) {
      h.users++;
      return;
    }
    let saved: string | undefined;
    try {
      saved = readFileSync(path, 'utf8').trim();
    } catch {
      // Not readable: written anyway, and left as it is at the end.
    }
    this.held.set(path, { users: 1, value, saved });
    if (saved !== value) write(path, value, this.log);
  }

  release(path: string): void {
    const h = this.held.get(path);
    if (h === undefined || --h.users > 0) return;
    this.held.delete(path);
    if (h.saved !== undefined && h.saved !== h.value) write(path, h.saved, this.log);
  }
}

/** Writes one setting; a failure is logged, not thrown (a kernel without IPv6 has no ipv6/conf). */
export function write(path: string, value: string, log: Logger): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    if (path.includes('/ipv6/') && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
    log.warn(`cannot set ${path.replace('/proc/sys/', '')}=${value}: ${(err as Error).message}`);
  }
}
