// Node's built-in modules, loaded when a check first needs one rather than when this package
// loads (each costs tens of milliseconds of a start on a slow CPU): a file of TCP_CHECKs only
// never loads crypto (HTTP digests), child_process (MISC_CHECK scripts) or dgram.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

const lazy = <T>(load: () => T): (() => T) => {
  let m: T | undefined;
  return () => (m ??= load());
};

export const cryptoModule = lazy(() => require('node:crypto') as typeof import('node:crypto'));
export const netModule = lazy(() => require('node:net') as typeof import('node:net'));
export const childProcessModule = lazy(() => require('node:child_process') as typeof import('node:child_process'));
export const dgramModule = lazy(() => require('node:dgram') as typeof import('node:dgram'));
