// Node's built-in modules, loaded at their first use rather than when this package loads: the
// daemon loads this package at start, before its first IPVS entry, for the netlink socket; the
// pinger, the checker sockets and the accept filter load what they need when first used.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

const lazy = <T>(load: () => T): (() => T) => {
  let m: T | undefined;
  return () => (m ??= load());
};

export const cryptoModule = lazy(() => require('node:crypto') as typeof import('node:crypto'));
export const netModule = lazy(() => require('node:net') as typeof import('node:net'));
export const childProcessModule = lazy(() => require('node:child_process') as typeof import('node:child_process'));
export const dgramModule = lazy(() => require('node:dgram') as typeof import('node:dgram'));
