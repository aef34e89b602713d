import type { DnsCheckOptions } from './checkers/dns.js';
import type { HttpCheckOptions } from './checkers/http.js';
import type { CheckFn } from './result.js';

// Checkers whose code is loaded only when a file uses them: HTTP_GET and SSL_GET bring in
// node:http, node:https and TLS, DNS_CHECK the resolver; together about 20 ms of a start,
// paid by every director although most check with TCP_CHECK only.
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require is the lazy form here */

/** HTTP_GET / SSL_GET (see checkers/http.ts), loaded on first use. */
export function httpCheck(o: HttpCheckOptions): CheckFn {
  return (require('./checkers/http.js') as typeof import('./checkers/http.js')).httpCheck(o);
}

/** DNS_CHECK (see checkers/dns.ts), loaded on first use. */
export function dnsCheck(o: DnsCheckOptions): CheckFn {
  return (require('./checkers/dns.js') as typeof import('./checkers/dns.js')).dnsCheck(o);
}
