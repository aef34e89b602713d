// Node's built-in modules, loaded at their first use rather than when this package loads:
// AH and the HMAC extension load crypto at their first packet, so an instance with PASS or no
// authentication never does (each module costs tens of milliseconds of a slow CPU's start).
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

const lazy = <T>(load: () => T): (() => T) => {
  let m: T | undefined;
  return () => (m ??= load());
};

export const cryptoModule = lazy(() => require('node:crypto') as typeof import('node:crypto'));
export const netModule = lazy(() => require('node:net') as typeof import('node:net'));
