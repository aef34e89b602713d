// Node's built-in modules this package loads at their first use rather than at its own load.
// The daemon loads this package at start; a file with no script, no HTTP check and no
// authentication does not need crypto or child_process then, and each of these costs tens of
// milliseconds on a slow CPU before the first IPVS entry can be written. A second call costs a
// property read.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

let crypto: typeof import('node:crypto') | undefined;
/** node:crypto, loaded at the first call. */
export const cryptoModule = (): typeof import('node:crypto') => (crypto ??= require('node:crypto') as typeof import('node:crypto'));

let net: typeof import('node:net') | undefined;
/** node:net, loaded at the first call. */
export const netModule = (): typeof import('node:net') => (net ??= require('node:net') as typeof import('node:net'));
