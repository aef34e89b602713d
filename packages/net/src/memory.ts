import { wrapSyscallError } from './errors.js';
import { native } from './native.js';

/**
 * A full, memory-reducing garbage collection. Reading a large configuration (tokens, tree,
 * model, check plans) grows the heap and the young generation far beyond what the daemon
 * then keeps; without this the daemon holds that memory for good, because in steady state
 * it allocates too little to trigger the collections that would give it back. It pauses
 * the event loop (tens of milliseconds for 10,000 checks): call it after start and reload.
 */
export function releaseMemory(): void {
  native().releaseMemory();
}

/**
 * Locks the process's pages in memory, present and future, each once it is first touched
 * (mlockall with MCL_ONFAULT), or unlocks them all: keepalived's `*_no_swap` (its
 * set_process_dont_swap), so a process whose timers matter never waits for a page to come
 * back from swap. Throws a NetError (EPERM without CAP_IPC_LOCK, ENOMEM over RLIMIT_MEMLOCK).
 */
export function lockMemory(lock: boolean): void {
  try {
    native().lockMemory(lock);
  } catch (err) {
    throw wrapSyscallError(err);
  }
}
