import { basename, join } from 'node:path';

/**
 * node's flags for a side process. A small young generation: a side allocates little, and its
 * RSS stays small. V8 without background threads: only the main thread runs at real-time
 * priority (side-scheduling.ts), and a main thread waiting for a garbage-collection helper
 * starved by the director's other work would miss its timers all the same (measured with
 * bench:bfd-jitter: no worse without them). A side's code cache is made under these flags
 * (scripts/bundle-cache.js), since V8 takes a cache only under the flags it was made with.
 */
export const SIDE_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=2', '--single-threaded'];

/**
 * The script a side process runs, from the same build as the daemon. From the bundles
 * (dist/bundle, scripts/bundle.js) it is the side's loader in bin/, which compiles the side's
 * bundle with its code cache; from tsc's output (dist/src) each side is `side.js` in its folder.
 */
export function sideEntry(side: 'vrrp' | 'bfd'): string {
  return basename(__dirname) === 'bundle' ? join(__dirname, '..', '..', 'bin', `${side}-side.js`) : join(__dirname, side, 'side.js');
}
