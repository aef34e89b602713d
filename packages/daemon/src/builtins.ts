// Node's built-in modules, loaded at their first use rather than when the daemon's code loads:
// the supervisor needs none of them before its first IPVS entry (the control socket, the sides,
// scripts, mail and the loop-delay monitor come after it; each costs tens of milliseconds of a
// slow CPU's start).
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

const lazy = <T>(load: () => T): (() => T) => {
  let m: T | undefined;
  return () => (m ??= load());
};

export const netModule = lazy(() => require('node:net') as typeof import('node:net'));
export const childProcessModule = lazy(() => require('node:child_process') as typeof import('node:child_process'));
export const dnsPromisesModule = lazy(() => require('node:dns/promises') as typeof import('node:dns/promises'));
export const perfHooksModule = lazy(() => require('node:perf_hooks') as typeof import('node:perf_hooks'));
