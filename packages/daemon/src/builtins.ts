// Node's built-in modules this package loads at their first use rather than at its own load.
// The daemon loads this package at start; a file with no script, no HTTP check and no
// authentication does not need crypto or child_process then, and each of these costs tens of
// milliseconds on a slow CPU before the first IPVS entry can be written. A second call costs a
// property read.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

let net: typeof import('node:net') | undefined;
/** node:net, loaded at the first call. */
export const netModule = (): typeof import('node:net') => (net ??= require('node:net') as typeof import('node:net'));

let childProcess: typeof import('node:child_process') | undefined;
/** node:child_process, loaded at the first call. */
export const childProcessModule = (): typeof import('node:child_process') => (childProcess ??= require('node:child_process') as typeof import('node:child_process'));

let dnsPromises: typeof import('node:dns/promises') | undefined;
/** node:dns/promises, loaded at the first call. */
export const dnsPromisesModule = (): typeof import('node:dns/promises') => (dnsPromises ??= require('node:dns/promises') as typeof import('node:dns/promises'));

let perfHooks: typeof import('node:perf_hooks') | undefined;
/** node:perf_hooks, loaded at the first call. */
export const perfHooksModule = (): typeof import('node:perf_hooks') => (perfHooks ??= require('node:perf_hooks') as typeof import('node:perf_hooks'));
