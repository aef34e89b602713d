import { existsSync, openSync } from 'node:fs';
import { NetError, wrapSyscallError } from './errors.js';
import { native } from './native.js';

/** Where `ip netns add NAME` puts its namespaces (/var/run is a link to /run on current systems). */
const NETNS_DIRS = ['/run/netns', '/var/run/netns'];

/**
 * Moves tandemd's main thread into the named network namespace, as keepalived's
 * `net_namespace` does. Call it before any socket is opened: sockets opened and
 * processes spawned afterwards belong to the namespace. Files whose meaning
 * depends on the namespace (/proc/sys/net) must then be read and written
 * synchronously, because libuv's worker threads stay in the original one.
 */
export function enterNetworkNamespace(name: string): void {
  const path = namespacePath(name, 'net_namespace');
  try {
    // Kept open: the namespace tandemd started in, where the kernel's process connector is (track_process).
    startingFd ??= openSync('/proc/thread-self/ns/net', 'r');
    native().enterNetworkNamespace(path);
  } catch (err) {
    throw wrapSyscallError(err);
  }
}

let startingFd: number | undefined;

/** The file of a named network namespace (`ip netns add NAME`); throws NetError when there is none. */
function namespacePath(name: string, keyword: string): string {
  if (name.includes('/') || name === '.' || name === '..') throw new NetError('NET_ERR_ARGUMENT', keyword, `'${name}' is not a namespace name`);
  const path = NETNS_DIRS.map((d) => `${d}/${name}`).find((p) => existsSync(p));
  if (path === undefined) throw new NetError('NET_ERR_NO_INTERFACE', keyword, `network namespace ${name} does not exist (create it with: ip netns add ${name})`);
  return path;
}

/**
 * Calls `fn` with this thread in the named network namespace ('' is the default one, init's
 * /proc/1/ns/net, as keepalived's net_namespace_ipvs reads an empty name), then moves it back.
 * A socket `fn` opens stays in that namespace: keepalived's `net_namespace_ipvs` opens its IPVS
 * socket so.
 */
export function callInNetworkNamespace<T>(name: string, keyword: string, fn: () => T): T {
  const path = name === '' ? '/proc/1/ns/net' : namespacePath(name, keyword);
  try {
    return native().callInNetworkNamespace(path, fn);
  } catch (err) {
    throw err instanceof NetError ? err : wrapSyscallError(err);
  }
}

/**
 * After `enterNetworkNamespace`, a path to the network namespace tandemd started in that this
 * process and its children can open (`/proc/PID/fd/N`); undefined when it never moved.
 */
export function startingNetworkNamespace(): string | undefined {
  return startingFd === undefined ? undefined : `/proc/${process.pid}/fd/${startingFd}`;
}
