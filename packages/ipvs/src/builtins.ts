// Node's built-in modules, loaded at their first use rather than when this package loads:
// node:net only checks an IPv6 address here, so an IPv4-only table never loads it.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

const lazy = <T>(load: () => T): (() => T) => {
  let m: T | undefined;
  return () => (m ??= load());
};

export const netModule = lazy(() => require('node:net') as typeof import('node:net'));
