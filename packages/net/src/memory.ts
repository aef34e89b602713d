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
