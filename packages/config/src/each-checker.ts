import type { Checker, RealServer, VirtualServer } from './model.js';

/**
 * Calls `f` for every checker of every real server, in file order. Indexed loops: the walk runs
 * over a whole file at each read (tandemd -t, the first reload), in code that has barely run,
 * where for-of's iterators cost several times more.
 */
export function forEachChecker(servers: readonly VirtualServer[], f: (checker: Checker, real: RealServer, server: VirtualServer) => void): void {
  for (let v = 0; v < servers.length; v++) {
    const server = servers[v]!;
    const reals = server.realServers;
    for (let i = 0; i < reals.length; i++) {
      const real = reals[i]!;
      const checkers = real.checkers;
      for (let k = 0; k < checkers.length; k++) f(checkers[k]!, real, server);
    }
  }
}
